// [[topic]] tables: names, rules and scopes, and the errors a bad one gets.
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;

class config_topics_test : public ::testing::Test {
  protected:
    fs::path write(const std::string& text) { return test::write_file(dir_ / "feedd.toml", text); }

    std::string error_of(const std::string& text) {
        try {
            load_config(write(text));
        } catch (const config_error& e) {
            return e.what();
        }
        ADD_FAILURE() << "no config_error for\n" << text;
        return {};
    }

    void expect_error(const std::string& text, int line, const std::string& key,
                      const std::vector<std::string>& fragments) {
        const auto message = error_of(text);
        const auto prefix =
            (dir_ / "feedd.toml").string() + ":" + std::to_string(line) + ": " + key + ": ";
        EXPECT_EQ(message.rfind(prefix, 0), 0u)
            << "expected prefix " << prefix << "\n in " << message;
        for (const auto& fragment : fragments) {
            EXPECT_NE(message.find(fragment), std::string::npos)
                << "expected \"" << fragment << "\"\n in " << message;
        }
    }

    test::temp_dir tmp_;
    const fs::path dir_ = tmp_.path();
};

constexpr const char* feeds = R"(
[[feed]]
url = "https://wire.example.org/rss"
tags = ["wire"]

[[feed]]
url = "local.xml"
)";

TEST_F(config_topics_test, topics_keep_order_rule_and_scopes) {
    const auto cfg = load_config(write(std::string(feeds) + R"(
[[topic]]
name = "iran-talks"
match = 'iran (talks OR "nuclear deal") -football'

[[topic]]
name = "wire2"
match = "summit"
feeds = ["https://WIRE.example.org/rss", "local.xml"]
tags = ["wire", "world"]
)"));
    ASSERT_EQ(cfg.topics.size(), 2u);
    EXPECT_EQ(cfg.topics[0].name, "iran-talks");
    EXPECT_EQ(cfg.topics[0].match, R"(iran (talks OR "nuclear deal") -football)");
    EXPECT_TRUE(cfg.topics[0].feeds.empty());
    EXPECT_TRUE(cfg.topics[0].tags.empty());
    EXPECT_EQ(cfg.topics[1].name, "wire2");
    // Feed scopes are normalised like [[feed]] urls, so they compare equal to them.
    EXPECT_EQ(cfg.topics[1].feeds,
              (std::vector<std::string>{"https://wire.example.org/rss",
                                        "file://" + (dir_ / "local.xml").generic_string()}));
    EXPECT_EQ(cfg.topics[1].tags, (std::vector<std::string>{"wire", "world"}));
}

TEST_F(config_topics_test, no_topics_is_fine) {
    EXPECT_TRUE(load_config(write(feeds)).topics.empty());
}

TEST_F(config_topics_test, rule_error_names_topic_and_column) {
    expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
match = "iran OR (talks"
)",
                 11, "topic[1].match",
                 {R"(topic "iran")", "column 15", R"~(expected ")" to close the "(" at column 9)~"});
}

TEST_F(config_topics_test, unknown_field_in_rule) {
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
match = "titel:iran"
)",
                     11, "topic[1].match", {"column 1", R"(unknown field "titel:")"});
}

TEST_F(config_topics_test, name_must_be_a_slug) {
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "Iran Talks"
match = "iran"
)",
                     10, "topic[1].name", {R"("Iran Talks" is not a slug)", "lowercase"});
        expect_error(std::string(feeds) + R"(
[[topic]]
name = ""
match = "iran"
)",
                     10, "topic[1].name", {"not a slug"});
}

TEST_F(config_topics_test, names_are_unique) {
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
match = "iran"

[[topic]]
name = "iran"
match = "tehran"
)",
                     14, "topic[2].name", {R"(topic "iran" is defined twice)"});
}

TEST_F(config_topics_test, missing_keys_and_typos) {
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
)",
                     9, "topic[1].match", {"missing", R"(topic "iran")"});
        expect_error(std::string(feeds) + R"(
[[topic]]
match = "iran"
)",
                     9, "topic[1].name", {"missing"});
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
match = "iran"
tag = ["wire"]
)",
                     12, "topic[1].tag", {R"(did you mean "tags"?)"});
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
match = 42
)",
                     11, "topic[1].match", {"got an integer"});
        expect_error(std::string(feeds) + R"(
[topic]
name = "iran"
)",
                     9, "topic", {"[[topic]] tables"});
}

TEST_F(config_topics_test, feed_scope_must_name_a_followed_feed) {
        expect_error(std::string(feeds) + R"(
[[topic]]
name = "iran"
match = "iran"
feeds = ["https://wire.example.org/rss", "https://other.example.org/rss"]
)",
                     12, "topic[1].feeds[2]",
                     {R"("https://other.example.org/rss" is not a followed feed)"});
}

}  // namespace
}  // namespace feedd::daemon
