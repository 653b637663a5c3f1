// Stories end to end: the feedd binary polls real copies of one wire story from a
// loopback HTTP server (and the bundled demo from files), folds them into stories,
// keeps folding the same way across a restart, and answers `query stories/story`.
#include <signal.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/story_fixtures.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::filesystem::path demo_feeds = demo_feeds_dir();
const std::filesystem::path repo_dir = demo_feeds.parent_path().parent_path();

constexpr const char* usatoday_putin =
    "https://www.usatoday.com/story/news/world/2025/06/14/putin-trump-call-israel-iran-kremlin/"
    "84213498007/";
constexpr const char* axios_putin =
    "https://www.axios.com/2025/06/14/trump-putin-call-birthday-iran-israel";

// One feed at a time (concurrency 1), in config order: the clusterer sees the
// items in the same order in every run.
std::filesystem::path write_config(const temp_dir& dir, const http_server& server) {
    std::string text =
        "[storage]\npath = \"state/feedd.db\"\n\n[fetch]\nconnect_timeout = \"2s\"\n"
        "timeout = \"5s\"\nconcurrency = 1\nper_host = 1\n\n[stories]\nwindow = \"7d\"\n\n";
    for (const auto& [path, title] :
         {std::pair{"/reuters.xml", "Reuters"}, std::pair{"/yahoo.xml", "Yahoo News"},
          std::pair{"/usatoday.xml", "USA Today"}}) {
        text += fmt::format("[[feed]]\nurl = \"{}\"\ntitle = \"{}\"\n\n", server.url(path), title);
    }
    return write_file(dir / "feedd.toml", text);
}

run_result query(const temp_dir& dir, std::vector<std::string> args) {
    args.insert(args.begin(), "query");
    args.insert(args.end(), {"--db", (dir / "state/feedd.db").string()});
    return run_feedd(args, dir.path());
}

bool all_fetched(const temp_dir& dir) {
    const auto path = dir / "state/feedd.db";
    if (!std::filesystem::exists(path)) return false;
    try {
        auto db = storage::database::open(path, storage::open_mode::read_only);
        const auto feeds = db.feeds();
        return feeds.size() == 3 && std::all_of(feeds.begin(), feeds.end(), [](const auto& f) {
                   return f.last_fetch.has_value();
               });
    } catch (const std::exception&) {
        return false;  // created but not migrated yet
    }
}

TEST(stories, a_copy_published_after_a_restart_joins_the_story_it_would_have_joined) {
    http_server server;
    server.set("/reuters.xml", http_response::ok(read_file(demo_feeds / "reuters-world.xml")));
    server.set("/yahoo.xml", http_response::ok(read_file(demo_feeds / "yahoo-news.xml")));
    const auto usatoday = http_response::ok(read_file(demo_feeds / "usatoday-news.xml"));

    // Interrupted: the daemon polls Reuters, Yahoo and a still empty USA Today, stops;
    // USA Today publishes its copies; a new process polls again.
    temp_dir restarted;
    server.set("/usatoday.xml", http_response::ok(empty_rss("USA Today")));
    const auto config = write_config(restarted, server);
    {
        child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, restarted.path());
        ASSERT_TRUE(eventually([&] { return all_fetched(restarted); }, 20s)) << daemon.err();
        daemon.send(SIGTERM);
        ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
    }
    const auto before = json_lines(query(restarted, {"stories", "--json"}).out);
    ASSERT_FALSE(before.empty());
    EXPECT_FALSE(story_with(before, usatoday_putin));
    server.set("/usatoday.xml", usatoday);
    const auto again = run_feedd({"poll", "--config", config.string(), "--once"}, restarted.path());
    ASSERT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.err.find("windowed_items="), std::string::npos) << again.err;

    // Uninterrupted: one process sees the same items in the same order.
    temp_dir straight;
    const auto straight_config = write_config(straight, server);
    const auto once =
        run_feedd({"poll", "--config", straight_config.string(), "--once"}, straight.path());
    ASSERT_EQ(once.exit_code, 0) << once.err;

    const auto restarted_out = query(restarted, {"stories", "--json"});
    const auto straight_out = query(straight, {"stories", "--json"});
    ASSERT_EQ(restarted_out.exit_code, 0) << restarted_out.err;
    EXPECT_EQ(restarted_out.out, straight_out.out);

    const auto stories = json_lines(restarted_out.out);
    const auto* putin = story_with(stories, reuters_putin);
    ASSERT_TRUE(putin);
    EXPECT_EQ(putin, story_with(stories, usatoday_putin)) << "USA Today's copy did not fold";
    // In order of publication: 14:58, 15:12 and 16:31 UTC.
    EXPECT_EQ(strings_of(putin->at("sources")),
              (std::vector<std::string>{"Reuters", "Yahoo News", "USA Today"}))
        << json::serialize(*putin);

    const auto id = std::to_string(putin->at("id").as_int64());
    const auto explained_restarted = query(restarted, {"story", id, "--explain", "--json"});
    const auto explained_straight = query(straight, {"story", id, "--explain", "--json"});
    ASSERT_EQ(explained_restarted.exit_code, 0) << explained_restarted.err;
    EXPECT_EQ(explained_restarted.out, explained_straight.out);
    const auto story = json::parse(explained_restarted.out).as_object();
    for (const auto& item : story.at("items").as_array()) {
        EXPECT_TRUE(item.as_object().contains("reason"));
        EXPECT_TRUE(item.as_object().contains("similarity"));
    }
}

TEST(stories, the_demo_folds_the_three_wire_copies_and_keeps_axios_apart) {
    temp_dir dir;
    const auto config = (repo_dir / "examples/demo.toml").string();
    const auto db = (dir / "demo.db").string();
    const auto poll = run_feedd({"poll", "--config", config, "--db", db, "--once"}, dir.path());
    ASSERT_EQ(poll.exit_code, 0) << poll.err;

    const auto listed =
        run_feedd({"query", "stories", "--db", db, "--json", "--min-sources", "2"}, dir.path());
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    const auto stories = json_lines(listed.out);
    const auto* putin = story_with(stories, reuters_putin);
    ASSERT_TRUE(putin) << listed.out;
    auto sources = strings_of(putin->at("sources"));
    std::sort(sources.begin(), sources.end());
    EXPECT_EQ(sources, (std::vector<std::string>{"Reuters World", "USA Today", "Yahoo News"}))
        << json::serialize(*putin);
    EXPECT_EQ(putin->at("items").as_array().size(), 3U) << json::serialize(*putin);
    EXPECT_FALSE(story_with({*putin}, axios_putin)) << "Axios's own piece is another story";

    // The demo's topics hold the folded wire story, sources and all (README's first look).
    for (const auto* topic : {"putin-trump", "iran"}) {
        const auto timeline =
            run_feedd({"query", "timeline", topic, "--db", db, "--json"}, dir.path());
        ASSERT_EQ(timeline.exit_code, 0) << timeline.err;
        const auto entries = json_lines(timeline.out);
        const auto* wire = story_with(entries, reuters_putin);
        ASSERT_TRUE(wire) << topic << ": " << timeline.out;
        EXPECT_EQ(wire->at("id"), putin->at("id")) << topic;
        EXPECT_EQ(wire->at("sources").as_array().size(), 3U) << topic;
    }
    for (const auto& s : stories)
        EXPECT_GE(s.at("sources").as_array().size(), 2U);

    // Every item has a story; Axios's piece is alone in its own.
    const auto items =
        json_lines(run_feedd({"query", "items", "--db", db, "--json"}, dir.path()).out);
    ASSERT_GE(items.size(), 40U);
    std::set<std::int64_t> story_ids;
    for (const auto& it : items) {
        ASSERT_TRUE(it.at("story").is_int64()) << json::serialize(it);
        story_ids.insert(it.at("story").as_int64());
    }
    EXPECT_LT(story_ids.size(), items.size()) << "some copies fold";

    // People get a readable page: title, sources, members with why they joined.
    const auto id = std::to_string(putin->at("id").as_int64());
    const auto page = run_feedd({"query", "story", id, "--db", db, "--explain"}, dir.path());
    ASSERT_EQ(page.exit_code, 0) << page.err;
    EXPECT_EQ(page.out.rfind("Story " + id + ": ", 0), 0U) << page.out;
    EXPECT_NE(page.out.find("Sources: "), std::string::npos) << page.out;
    EXPECT_NE(page.out.find("started the story: "), std::string::npos) << page.out;
    EXPECT_NE(page.out.find("why: "), std::string::npos) << page.out;
    EXPECT_NE(page.out.find("joined: similarity"), std::string::npos) << page.out;
    const auto table =
        run_feedd({"query", "stories", "--db", db, "--min-sources", "3"}, dir.path());
    EXPECT_EQ(table.out.rfind("STORY", 0), 0U) << table.out;
    EXPECT_NE(table.out.find("Reuters World"), std::string::npos) << table.out;
}

TEST(stories, query_errors_name_the_problem) {
    temp_dir dir;
    const auto db = (dir / "demo.db").string();
    const auto config = (repo_dir / "examples/demo.toml").string();
    ASSERT_EQ(run_feedd({"poll", "--config", config, "--db", db, "--once"}, dir.path()).exit_code,
              0);
    const auto missing = run_feedd({"query", "story", "99999", "--db", db}, dir.path());
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("no story 99999"), std::string::npos) << missing.err;
    EXPECT_EQ(
        run_feedd({"query", "stories", "--db", db, "--min-sources", "0"}, dir.path()).exit_code, 2);
    EXPECT_EQ(run_feedd({"query", "story", "abc", "--db", db}, dir.path()).exit_code, 2);
    const auto none =
        run_feedd({"query", "stories", "--db", db, "--since", "1d", "--json"}, dir.path());
    EXPECT_EQ(none.exit_code, 0);
    EXPECT_EQ(none.out, "") << "demo stories are from June 2025";
}

}  // namespace
}  // namespace feedd::test
