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
    expect_error(
        std::string(feeds) + R"(
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

// Digests (issue 6): [smtp]/[mail] and each topic's digest = { ... }.
constexpr const char* smtp = R"(
[smtp]
url = "smtp://127.0.0.1:2525"
from = "news@example.org"
)";

TEST_F(config_topics_test, digest_and_smtp_are_read) {
    test::write_file(dir_ / "pw", "secret\n");
    const auto cfg = load_config(write(std::string(feeds) + R"(
[[topic]]
name = "oil"
match = "oil"
digest = { schedule = "weekly Mon 07:30", to = ["a@example.org", "b@example.org"], timezone = "Europe/Berlin", min_sources = 2, max_stories = 10, send_empty = true }

[smtp]
url = "smtps://mail.example.org:465"
username = "feedd"
password_file = "pw"
from = "news@example.org"
timeout = "20s"
)"));
    ASSERT_EQ(cfg.topics.size(), 1u);
    ASSERT_TRUE(cfg.topics[0].digest);
    const auto& d = *cfg.topics[0].digest;
    EXPECT_EQ(d.schedule.type, digest_schedule::kind::weekly);
    EXPECT_EQ(d.schedule.day, std::chrono::Monday);
    EXPECT_EQ(d.schedule.at, std::chrono::minutes(7 * 60 + 30));
    EXPECT_EQ(d.to, (std::vector<std::string>{"a@example.org", "b@example.org"}));
    EXPECT_EQ(d.timezone, "Europe/Berlin");
    EXPECT_EQ(d.min_sources, 2);
    EXPECT_EQ(d.max_stories, 10);
    EXPECT_TRUE(d.send_empty);
    ASSERT_TRUE(cfg.mail.smtp);
    EXPECT_EQ(cfg.mail.smtp->password, "secret");
    EXPECT_EQ(cfg.mail.smtp->timeout, std::chrono::seconds(20));
    EXPECT_EQ(cfg.mail.from, "news@example.org");
}

TEST_F(config_topics_test, bad_digest_values_name_topic_and_key) {
    const auto topic = [](const std::string& digest) {
        return std::string(feeds) +
               "\n[[topic]]\nname = \"oil\"\nmatch = \"oil\"\ndigest = " + digest + "\n" + smtp;
    };
    expect_error(topic(R"({ schedule = "daily 7am", to = ["a@example.org"] })"), 12,
                 "topic[1].digest.schedule", {R"(topic "oil")", "not a time of day"});
    expect_error(topic(R"({ schedule = "fortnightly", to = ["a@example.org"] })"), 12,
                 "topic[1].digest.schedule", {"weekly mon 07:00"});
    expect_error(topic(R"({ schedule = "every 7h", to = ["a@example.org"] })"), 12,
                 "topic[1].digest.schedule", {"divides a day"});
    expect_error(topic(R"({ schedule = "daily 07:00", to = ["not an address"] })"), 12,
                 "topic[1].digest.to[1]", {"not an e-mail address"});
    expect_error(topic(R"({ schedule = "daily 07:00", to = [] })"), 12, "topic[1].digest.to",
                 {"no recipients"});
    expect_error(
        topic(R"({ schedule = "daily 07:00", to = ["a@example.org"], timezone = "Mars/Olympus" })"),
        12, "topic[1].digest.timezone", {R"(unknown time zone "Mars/Olympus")"});
    expect_error(topic(R"({ schedule = "daily 07:00", to = ["a@example.org"], too = 1 })"), 12,
                 "topic[1].digest.too", {R"(did you mean "to"?)"});
    expect_error(
        std::string(feeds) + "\n[smtp]\nurl = \"http://mail.example.org\"\nfrom = \"a@b.c\"\n", 10,
        "smtp.url", {"not an SMTP server URL"});
    expect_error(
        std::string(feeds) + "\n[smtp]\nurl = \"smtp://m.example.org\"\nstarttls = \"yes\"\n", 11,
        "smtp.starttls", {R"("required", "opportunistic" or "off")"});
    // A digest needs a transport.
    const auto message = error_of(std::string(feeds) +
                                  "\n[[topic]]\nname = \"oil\"\nmatch = \"oil\"\ndigest = { "
                                  "schedule = \"daily 07:00\", to = [\"a@example.org\"] }\n");
    EXPECT_NE(message.find(R"(topic "oil" has a digest but no transport)"), std::string::npos)
        << message;
}

}  // namespace
}  // namespace feedd::daemon
