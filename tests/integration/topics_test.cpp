// Topics end to end: the feedd binary polls copies of one wire story from a loopback HTTP
// server; the story enters a topic's timeline, keeps its entry across a restart while it gains
// sources, a topic added by SIGHUP is synced, `topics rebuild` reproduces what ingest built, and
// `query search` answers with the same rule language.
#include <signal.h>

#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/story_fixtures.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::filesystem::path demo_feeds = demo_feeds_dir();

std::filesystem::path write_config(const temp_dir& dir, const http_server& server,
                                   const std::string& topics) {
    std::string text =
        "[storage]\npath = \"state/feedd.db\"\n\n[fetch]\nconnect_timeout = \"2s\"\n"
        "timeout = \"5s\"\nconcurrency = 1\nper_host = 1\n\n";
    for (const auto& [path, title] :
         {std::pair{"/reuters.xml", "Reuters"}, std::pair{"/yahoo.xml", "Yahoo News"},
          std::pair{"/usatoday.xml", "USA Today"}}) {
        text += fmt::format("[[feed]]\nurl = \"{}\"\ntitle = \"{}\"\ntags = [\"world\"]\n\n",
                            server.url(path), title);
    }
    return write_file(dir / "feedd.toml", text + topics);
}

constexpr const char* first_topics = R"(
[[topic]]
name = "putin-trump"
match = "putin trump"

[[topic]]
name = "oil"
match = "oil OR crude"
tags = ["world"]
)";

constexpr const char* with_kremlin = R"(
[[topic]]
name = "kremlin"
match = "title:kremlin"
)";

class topics_e2e : public ::testing::Test {
  protected:
    run_result feedd(std::vector<std::string> args) {
        args.insert(args.end(), {"--db", (dir_ / "state/feedd.db").string()});
        return run_feedd(args, dir_.path());
    }

    std::vector<json::object> json_of(std::vector<std::string> args) {
        args.push_back("--json");
        const auto result = feedd(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return json_lines(result.out);
    }

    const json::object* topic(const std::vector<json::object>& topics, std::string_view name) {
        for (const auto& t : topics) {
            if (t.at("name").as_string() == name) return &t;
        }
        return nullptr;
    }

    temp_dir dir_;
    http_server server_;
};

TEST_F(topics_e2e, timelines_persist_across_a_restart_and_follow_reloads) {
    server_.set("/reuters.xml", http_response::ok(read_file(demo_feeds / "reuters-world.xml")));
    server_.set("/yahoo.xml", http_response::ok(empty_rss("Yahoo News")));
    server_.set("/usatoday.xml", http_response::ok(empty_rss("USA Today")));
    auto config = write_config(dir_, server_, first_topics);

    std::int64_t story_id = 0;
    std::string added_at;
    {
        child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir_.path());
        ASSERT_TRUE(eventually(
            [&] {
                const auto r = feedd({"query", "timeline", "putin-trump", "--json"});
                return r.exit_code == 0 && !r.out.empty();
            },
            20s))
            << daemon.err();
        const auto timeline = json_of({"query", "timeline", "putin-trump"});
        ASSERT_EQ(timeline.size(), 1U);
        const auto* putin = story_with(timeline, reuters_putin);
        ASSERT_TRUE(putin) << json::serialize(timeline[0]);
        EXPECT_EQ(strings_of(putin->at("sources")), std::vector<std::string>{"Reuters"});
        story_id = putin->at("id").as_int64();
        added_at = std::string(putin->at("added_at").as_string());
        EXPECT_FALSE(json_of({"query", "timeline", "oil"}).empty()) << "Reuters has oil stories";

        // SIGHUP brings in a new topic; it starts empty (new rules apply to new items).
        config = write_config(dir_, server_, std::string(first_topics) + with_kremlin);
        daemon.send(SIGHUP);
        ASSERT_TRUE(eventually(
            [&] {
                const auto r = feedd({"query", "topics", "--json"});
                return r.exit_code == 0 && r.out.find("\"kremlin\"") != std::string::npos;
            },
            10s))
            << daemon.err();
        const auto topics = json_of({"query", "topics"});
        ASSERT_TRUE(topic(topics, "kremlin"));
        EXPECT_EQ(topic(topics, "kremlin")->at("stories").as_int64(), 0);
        EXPECT_EQ(topic(topics, "putin-trump")->at("stories").as_int64(), 1);
        daemon.send(SIGTERM);
        ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
    }

    // The other outlets publish their copies; a new process picks them up.
    server_.set("/yahoo.xml", http_response::ok(read_file(demo_feeds / "yahoo-news.xml")));
    server_.set("/usatoday.xml", http_response::ok(read_file(demo_feeds / "usatoday-news.xml")));
    const auto poll = run_feedd({"poll", "--config", config.string(), "--once"}, dir_.path());
    ASSERT_EQ(poll.exit_code, 0) << poll.err;

    const auto timeline = json_of({"query", "timeline", "putin-trump"});
    const auto* putin = story_with(timeline, reuters_putin);
    ASSERT_TRUE(putin);
    EXPECT_EQ(putin->at("id").as_int64(), story_id) << "one entry, kept across the restart";
    EXPECT_EQ(putin->at("added_at").as_string(), added_at) << "entered when Reuters carried it";
    EXPECT_EQ(strings_of(putin->at("sources")),
              (std::vector<std::string>{"Reuters", "Yahoo News", "USA Today"}));
    for (const auto& item : putin->at("items").as_array()) {
        for (const auto* key : {"feed", "source", "title", "link", "published"})
            EXPECT_TRUE(item.as_object().contains(key)) << key;
    }
    // The new topic saw the new copies (their titles say "Kremlin").
    const auto kremlin = json_of({"query", "timeline", "kremlin"});
    ASSERT_TRUE(story_with(kremlin, reuters_putin));
    const auto kremlin_added =
        std::string(story_with(kremlin, reuters_putin)->at("added_at").as_string());
    EXPECT_GE(kremlin_added, added_at);

    // A rebuild re-evaluates every stored item: putin-trump comes out exactly as ingest built
    // it; kremlin now also counts Reuters' copy, stored before the topic existed.
    const auto before = feedd({"query", "timeline", "putin-trump", "--json"}).out;
    const auto rebuilt = run_feedd({"topics", "rebuild", "--config", config.string()}, dir_.path());
    ASSERT_EQ(rebuilt.exit_code, 0) << rebuilt.err;
    EXPECT_NE(rebuilt.out.find("putin-trump: "), std::string::npos) << rebuilt.out;
    EXPECT_EQ(feedd({"query", "timeline", "putin-trump", "--json"}).out, before);
    const auto kremlin_rebuilt = json_of({"query", "timeline", "kremlin"});
    ASSERT_TRUE(story_with(kremlin_rebuilt, reuters_putin));
    EXPECT_EQ(story_with(kremlin_rebuilt, reuters_putin)->at("added_at").as_string(), added_at);

    // Search speaks the same language, scoped by a topic.
    const auto found = json_of({"query", "search", "title:kremlin", "--topic", "putin-trump"});
    ASSERT_EQ(found.size(), 3U);
    for (const auto& item : found)
        EXPECT_EQ(item.at("story").as_int64(), story_id) << json::serialize(item);

    // People get readable tables.
    const auto table = feedd({"query", "timeline", "putin-trump"});
    EXPECT_EQ(table.out.rfind("ADDED", 0), 0U) << table.out;
    EXPECT_NE(table.out.find("Reuters, Yahoo News, USA Today"), std::string::npos) << table.out;
    const auto topics_table = feedd({"query", "topics"});
    EXPECT_NE(topics_table.out.find("putin-trump"), std::string::npos) << topics_table.out;
}

TEST_F(topics_e2e, bad_expressions_and_names_are_usage_errors) {
    server_.set("/reuters.xml", http_response::ok(read_file(demo_feeds / "reuters-world.xml")));
    server_.set("/yahoo.xml", http_response::ok(empty_rss("Yahoo News")));
    server_.set("/usatoday.xml", http_response::ok(empty_rss("USA Today")));
    const auto config = write_config(dir_, server_, first_topics);
    ASSERT_EQ(run_feedd({"poll", "--config", config.string(), "--once"}, dir_.path()).exit_code, 0);

    const auto bad = feedd({"query", "search", "(putin OR"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("column 10"), std::string::npos) << bad.err;
    const auto quoted = feedd({"query", "search", R"(" ' ; DROP TABLE items; --)"});
    EXPECT_EQ(quoted.exit_code, 2) << "an unclosed quote, reported, not passed to SQLite";
    EXPECT_NE(quoted.err.find("unclosed quote"), std::string::npos) << quoted.err;
    const auto odd = feedd({"query", "search", R"(NEAR "x" * ^ {title} : AND)"});
    EXPECT_EQ(odd.exit_code, 2) << odd.err;
    EXPECT_EQ(feedd({"query", "timeline", "nope"}).exit_code, 2);
    EXPECT_EQ(feedd({"query", "search", "putin", "--topic", "nope"}).exit_code, 2);
    EXPECT_EQ(run_feedd({"topics", "rebuild", "nope", "--config", config.string()}, dir_.path())
                  .exit_code,
              2);
    // The store is intact and still answers.
    EXPECT_EQ(json_of({"query", "search", "putin trump"}).size(), 1U);

    // A broken rule in the config names the file, the topic and the column.
    write_file(dir_ / "bad.toml", "[[topic]]\nname = \"x\"\nmatch = \"putin AND\"\n");
    const auto broken =
        run_feedd({"query", "topics", "--config", (dir_ / "bad.toml").string()}, dir_.path());
    EXPECT_EQ(broken.exit_code, 2);
    EXPECT_NE(broken.err.find("bad.toml:3: topic[1].match: topic \"x\": column 10"),
              std::string::npos)
        << broken.err;
}

}  // namespace
}  // namespace feedd::test
