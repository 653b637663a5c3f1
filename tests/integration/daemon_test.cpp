// Whole-process tests: the feedd binary against real HTTP(S) servers on 127.0.0.1,
// with a real SQLite file, checked through the store and the CLI.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

using namespace std::chrono_literals;

std::string rss(const std::string& name, int items, int first = 0) {
    std::string out = fmt::format(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
        "<title>{0}</title><link>https://{0}.example/</link><description>d</description>",
        name);
    for (int i = first; i < first + items; ++i) {
        out += fmt::format(
            "<item><title>{0} story {1}</title><link>https://{0}.example/{1}</link>"
            "<guid>{0}-{1}</guid><pubDate>Sat, 14 Jun 2025 12:{2:02}:00 GMT</pubDate>"
            "<description>Text of story {1} &amp; more.</description></item>",
            name, i, i % 60);
    }
    return out + "</channel></rss>\n";
}

std::string atom(const std::string& name, int entries) {
    std::string out = fmt::format(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">"
        "<title>{0}</title><id>urn:{0}</id><updated>2025-06-14T12:00:00Z</updated>"
        "<link href=\"https://{0}.example/\"/>",
        name);
    for (int i = 0; i < entries; ++i) {
        out += fmt::format(
            "<entry><title>{0} entry {1}</title><id>urn:{0}:{1}</id>"
            "<link href=\"https://{0}.example/e/{1}\"/><updated>2025-06-14T12:00:00Z</updated>"
            "<summary>Summary {1}</summary></entry>",
            name, i);
    }
    return out + "</feed>\n";
}

// A config file in dir following urls, with these [fetch] settings.
std::filesystem::path write_config_fetching(const temp_dir& dir,
                                            const std::vector<std::string>& urls,
                                            const std::string& fetch) {
    std::string text = fmt::format("[storage]\npath = \"state/feedd.db\"\n\n[fetch]\n{}\n", fetch);
    for (const auto& url : urls)
        text += fmt::format("[[feed]]\nurl = \"{}\"\n\n", url);
    return write_file(dir / "feedd.toml", text);
}

// A config file in dir following urls, with short timeouts so failures are quick.
std::filesystem::path write_config(const temp_dir& dir, const std::vector<std::string>& urls,
                                   const std::string& extra = "") {
    return write_config_fetching(
        dir, urls,
        "connect_timeout = \"2s\"\ntimeout = \"2s\"\nconcurrency = 4\nper_host = 4\n" + extra);
}

std::filesystem::path db_path(const temp_dir& dir) {
    return dir / "state/feedd.db";
}

std::vector<storage::stored_item> stored_items(const temp_dir& dir) {
    auto db = storage::database::open(db_path(dir), storage::open_mode::read_only);
    return db.items({});
}

std::vector<storage::feed_row> stored_feeds(const temp_dir& dir) {
    auto db = storage::database::open(db_path(dir), storage::open_mode::read_only);
    return db.feeds();
}

const storage::feed_row* find_feed(const std::vector<storage::feed_row>& feeds,
                                   const std::string& url) {
    for (const auto& f : feeds) {
        if (f.config_url == url) return &f;
    }
    return nullptr;
}

// How many of the time-ordered indexes the file has (a first import builds them when its round
// is over; storage::database::defer_time_indexes).
int time_indexes(const temp_dir& dir) {
    SQLite::Database raw(db_path(dir).string(), SQLite::OPEN_READONLY);
    return raw
        .execAndGet(
            "SELECT count(*) FROM sqlite_schema "
            "WHERE type = 'index' AND name IN ('items_newest', 'stories_newest')")
        .getInt();
}

constexpr const char* indexes_built_line = "time-ordered indexes built";

run_result poll_once(const temp_dir& dir, const std::filesystem::path& config) {
    return run_feedd({"poll", "--config", config.string(), "--once"}, dir.path());
}

TEST(daemon, first_poll_stores_every_item_and_second_poll_is_conditional) {
    http_server server;
    auto feed_a = http_response::ok(rss("alpha", 5));
    feed_a.etag = "\"a-v1\"";
    server.set("/a.xml", feed_a);
    auto feed_b = http_response::ok(atom("beta", 3), "application/atom+xml");
    feed_b.last_modified = "Sat, 14 Jun 2025 12:00:00 GMT";
    server.set("/b.xml", feed_b);
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/a.xml"), server.url("/b.xml")});

    const auto first = poll_once(dir, config);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.out.find("8 new items"), std::string::npos) << first.out;
    EXPECT_EQ(stored_items(dir).size(), 8u);
    EXPECT_NE(first.err.find(indexes_built_line), std::string::npos) << first.err;
    EXPECT_EQ(time_indexes(dir), 2);

    const auto second = poll_once(dir, config);
    ASSERT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(second.err.find(indexes_built_line), std::string::npos) << second.err;
    EXPECT_EQ(time_indexes(dir), 2);
    ASSERT_EQ(server.hits("/a.xml"), 2);
    ASSERT_EQ(server.hits("/b.xml"), 2);
    EXPECT_EQ(server.requests("/a.xml").back().header("If-None-Match"), "\"a-v1\"");
    EXPECT_EQ(server.requests("/b.xml").back().header("If-Modified-Since"),
              "Sat, 14 Jun 2025 12:00:00 GMT");
    EXPECT_EQ(stored_items(dir).size(), 8u);
    for (const auto& f : stored_feeds(dir)) {
        EXPECT_EQ(f.last_outcome, "not_modified") << f.config_url;
        EXPECT_EQ(f.last_status, 304);
        EXPECT_EQ(f.error_count, 0);
    }
    // The request identifies us.
    const auto agent = server.requests("/a.xml").front().header("User-Agent");
    ASSERT_TRUE(agent.has_value());
    EXPECT_EQ(agent->rfind("feedd/", 0), 0u);
}

TEST(daemon, gzip_bodies_are_decoded) {
    http_server server;
    auto feed = http_response::ok(rss("zipped", 4));
    feed.gzip = true;
    server.set("/z.xml", feed);
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/z.xml")});
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    EXPECT_EQ(server.requests("/z.xml").front().header("Accept-Encoding").value_or("").find("gzip"),
              0u);
    EXPECT_EQ(stored_items(dir).size(), 4u);
}

TEST(daemon, permanent_redirect_updates_the_stored_url_once_repeated_and_temporary_does_not) {
    http_server server;
    server.set("/old.xml", http_response::redirect(301, "/new.xml"));
    server.set("/new.xml", http_response::ok(rss("moved", 2)));
    server.set("/tmp.xml", http_response::redirect(302, "/target.xml"));
    server.set("/target.xml", http_response::ok(rss("target", 1)));
    server.set("/once.xml", http_response::redirect(301, "/elsewhere.xml"));
    server.set("/elsewhere.xml", http_response::ok(rss("elsewhere", 1)));
    temp_dir dir;
    const auto config = write_config(
        dir, {server.url("/old.xml"), server.url("/tmp.xml"), server.url("/once.xml")});
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    // One 301 is not enough: a misconfigured server must not move a feed for good.
    const auto after_one_feeds = stored_feeds(dir);
    const auto* after_one = find_feed(after_one_feeds, server.url("/old.xml"));
    ASSERT_NE(after_one, nullptr);
    EXPECT_EQ(after_one->url, server.url("/old.xml"));
    // The server fixed its mistake: the feed answers again where it always was.
    server.set("/once.xml", http_response::ok(rss("once", 1)));
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);

    const auto feeds = stored_feeds(dir);
    const auto* moved = find_feed(feeds, server.url("/old.xml"));
    ASSERT_NE(moved, nullptr);
    EXPECT_EQ(moved->url, server.url("/new.xml"));
    EXPECT_EQ(server.hits("/old.xml"), 2);  // the third poll went straight to the new URL
    EXPECT_EQ(server.hits("/new.xml"), 3);
    const auto* temporary = find_feed(feeds, server.url("/tmp.xml"));
    ASSERT_NE(temporary, nullptr);
    EXPECT_EQ(temporary->url, server.url("/tmp.xml"));
    EXPECT_EQ(server.hits("/tmp.xml"), 3);
    const auto* once = find_feed(feeds, server.url("/once.xml"));
    ASSERT_NE(once, nullptr);
    EXPECT_EQ(once->url, server.url("/once.xml"));
    EXPECT_EQ(server.hits("/elsewhere.xml"), 1);
}

TEST(daemon, failing_feeds_are_recorded_and_never_stop_the_others) {
    http_server server;
    server.set("/gone.xml", http_response::error(404));
    server.set("/broken.xml", http_response::error(500));
    server.set("/page.html",
               http_response::ok("<html><body><p>Not a feed</p></body></html>", "text/html"));
    server.set("/good.xml", http_response::ok(rss("good", 3)));
    temp_dir dir;
    const auto config = write_config(
        dir, {server.url("/gone.xml"), server.url("/broken.xml"), server.url("/page.html"),
              server.url("/good.xml"), "http://127.0.0.1:1/refused.xml"});
    const auto result = poll_once(dir, config);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("4 feeds failed"), std::string::npos) << result.out;

    const auto feeds = stored_feeds(dir);
    const auto expect_outcome = [&](const std::string& url, const std::string& outcome,
                                    int status) {
        const auto* f = find_feed(feeds, url);
        ASSERT_NE(f, nullptr) << url;
        EXPECT_EQ(f->last_outcome, outcome) << url;
        EXPECT_EQ(f->last_status, status) << url;
        EXPECT_EQ(f->error_count, outcome == "ok" ? 0 : 1) << url;
        if (outcome != "ok") {
            EXPECT_FALSE(f->last_error.empty()) << url;
            EXPECT_GT(f->next_poll, *f->last_fetch) << url;
        }
    };
    expect_outcome(server.url("/gone.xml"), "http_client", 404);
    expect_outcome(server.url("/broken.xml"), "http_server", 500);
    expect_outcome(server.url("/page.html"), "not_a_feed", 200);
    expect_outcome(server.url("/good.xml"), "ok", 200);
    expect_outcome("http://127.0.0.1:1/refused.xml", "network", 0);
    EXPECT_EQ(stored_items(dir).size(), 3u);

    // `feedd feeds` shows the failures to a person.
    const auto status = run_feedd({"feeds", "--config", config.string()}, dir.path());
    EXPECT_EQ(status.exit_code, 0);
    EXPECT_NE(status.out.find("http_client"), std::string::npos) << status.out;
    EXPECT_NE(status.out.find("4 failing"), std::string::npos) << status.out;
}

// Serves a response at path that never sends a byte (the fetch times out).
void serve_stalled(http_server& server, const std::string& path) {
    http_response hung;
    hung.stall = true;
    server.set(path, hung);
}

TEST(daemon, a_stalled_server_times_out_and_an_oversized_body_is_refused) {
    http_server server;
    serve_stalled(server, "/hung.xml");
    server.set("/huge.xml", http_response::ok(rss("huge", 400)));
    server.set("/fine.xml", http_response::ok(rss("fine", 2)));
    temp_dir dir;
    const auto config = write_config(
        dir, {server.url("/hung.xml"), server.url("/huge.xml"), server.url("/fine.xml")},
        "max_body = \"16KiB\"");
    const auto result = poll_once(dir, config);
    ASSERT_EQ(result.exit_code, 0) << result.err;

    const auto feeds = stored_feeds(dir);
    const auto* hung_feed = find_feed(feeds, server.url("/hung.xml"));
    ASSERT_NE(hung_feed, nullptr);
    EXPECT_EQ(hung_feed->last_outcome, "timeout");
    const auto* huge_feed = find_feed(feeds, server.url("/huge.xml"));
    ASSERT_NE(huge_feed, nullptr);
    EXPECT_EQ(huge_feed->last_outcome, "too_large");
    EXPECT_EQ(huge_feed->item_count, 0);
    EXPECT_EQ(stored_items(dir).size(), 2u);
}

// Refreshes are committed in groups that may span several drains of the writer's queue
// (daemon/service.cpp): a feed that stalls must not hold back the commit of the others.
TEST(daemon, a_stalled_feed_does_not_hold_back_the_commit_of_the_others) {
    http_server server;
    serve_stalled(server, "/hung.xml");
    server.set("/fine.xml", http_response::ok(rss("fine", 3)));
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/hung.xml"), server.url("/fine.xml")});
    child_process poll(FEEDD_BINARY, {"poll", "--config", config.string(), "--once"}, dir.path());

    bool seen_while_stalled = false;
    eventually(
        [&] {
            if (!poll.running()) return true;
            try {
                seen_while_stalled = stored_items(dir).size() == 3;
            } catch (const std::exception&) {
                // the database does not exist yet, or its schema is being created
            }
            return seen_while_stalled;
        },
        10s);
    EXPECT_TRUE(seen_while_stalled) << "the fine feed's items were committed only at the end";
    ASSERT_EQ(poll.wait(10s), 0) << poll.err();
    const auto feeds = stored_feeds(dir);
    const auto* hung_feed = find_feed(feeds, server.url("/hung.xml"));
    ASSERT_NE(hung_feed, nullptr);
    EXPECT_EQ(hung_feed->last_outcome, "timeout");
    EXPECT_EQ(stored_items(dir).size(), 3u);
}

TEST(daemon, restarting_between_polls_stores_nothing_twice) {
    http_server server;
    auto feed = http_response::ok(rss("steady", 6));
    feed.honour_conditional = false;  // every poll gets the full document again
    feed.etag = "\"s1\"";
    server.set("/s.xml", feed);
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/s.xml")}, "");

    // The daemon polls the new feed at start-up; stop it.
    {
        child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path());
        ASSERT_TRUE(eventually([&] { return server.hits("/s.xml") == 1; }));
        ASSERT_TRUE(eventually([&] {
            return std::filesystem::exists(db_path(dir)) && stored_feeds(dir).at(0).last_fetch;
        }));
        daemon.send(SIGTERM);
        ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
    }
    // Restarted, it remembers the schedule: the feed is not due for 15 minutes.
    {
        child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path());
        ASSERT_TRUE(
            eventually([&] { return daemon.err().find("mode=daemon") != std::string::npos; }));
        std::this_thread::sleep_for(1500ms);  // more than one scheduler tick
        EXPECT_EQ(server.hits("/s.xml"), 1);
        daemon.send(SIGTERM);
        ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
    }
    // poll --once fetches every feed whatever its schedule: the full document again.
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    EXPECT_EQ(server.hits("/s.xml"), 2);
    EXPECT_EQ(stored_items(dir).size(), 6u);

    feed.body = rss("steady", 8);  // two new items appear, six stay
    server.set("/s.xml", feed);
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    EXPECT_EQ(stored_items(dir).size(), 8u);
    EXPECT_EQ(stored_feeds(dir).at(0).item_count, 8);
}

// One poller per database (storage/poller_lock.hpp): a second `poll --once` or `run` on a
// database the daemon polls is refused at once and changes nothing; readers and the short
// writers go on working; and a daemon killed with SIGKILL leaves no stale lock behind.
TEST(daemon, a_second_poller_is_refused_while_one_runs_and_a_killed_one_leaves_no_lock) {
    http_server server;
    server.set("/a.xml", http_response::ok(rss("alpha", 4)));
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/a.xml")});
    std::filesystem::create_directories(dir / "daemon");
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir / "daemon");
    ASSERT_TRUE(eventually([&] {
        try {
            return stored_feeds(dir).at(0).last_fetch.has_value();
        } catch (const std::exception&) {
            return false;  // not created or migrated yet
        }
    })) << daemon.err();
    const auto feed_before = stored_feeds(dir).at(0);

    // Two pollers would each hand out story ids: a second one stops before it opens the store.
    const auto expected = fmt::format(
        "feedd: {} is being polled by another feedd (pid {}); stop it first or use another "
        "[storage] path",
        db_path(dir).string(), daemon.pid());
    server.set("/a.xml", http_response::ok(rss("alpha", 6)));
    const auto started = std::chrono::steady_clock::now();
    const auto poll = poll_once(dir, config);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 5s) << "it must not wait for the lock";
    EXPECT_EQ(poll.exit_code, 1);
    EXPECT_NE(poll.err.find(expected), std::string::npos) << poll.err;
    EXPECT_EQ(poll.out, "");
    const auto run = run_feedd({"run", "--config", config.string()}, dir.path(), 10s);
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.err.find(expected), std::string::npos) << run.err;
    // The store is untouched: nothing fetched, nothing written.
    EXPECT_EQ(server.hits("/a.xml"), 1);
    EXPECT_EQ(stored_items(dir).size(), 4u);
    const auto feed_after = stored_feeds(dir).at(0);
    EXPECT_EQ(feed_after.last_fetch, feed_before.last_fetch);
    EXPECT_EQ(feed_after.next_poll, feed_before.next_poll);

    // Readers and the short writers take no lock.
    const auto items = run_feedd({"query", "items", "--config", config.string()}, dir.path());
    EXPECT_EQ(items.exit_code, 0) << items.err;
    EXPECT_NE(items.out.find("alpha story 3"), std::string::npos) << items.out;
    const auto feeds = run_feedd({"feeds", "--config", config.string()}, dir.path());
    EXPECT_EQ(feeds.exit_code, 0) << feeds.err;
    const auto prune = run_feedd({"prune", "--config", config.string()}, dir.path());
    EXPECT_EQ(prune.exit_code, 0) << prune.err;
    const auto rebuild = run_feedd({"topics", "rebuild", "--config", config.string()}, dir.path());
    EXPECT_EQ(rebuild.exit_code, 0) << rebuild.err;

    // The kernel drops the lock of a killed daemon: the next poller starts at once.
    daemon.send(SIGKILL);
    ASSERT_EQ(daemon.wait(10s), -SIGKILL);
    const auto after_kill = poll_once(dir, config);
    ASSERT_EQ(after_kill.exit_code, 0) << after_kill.err;
    EXPECT_NE(after_kill.out.find("2 new items stored"), std::string::npos) << after_kill.out;
    EXPECT_EQ(stored_items(dir).size(), 6u);
}

TEST(daemon, sigterm_during_a_poll_exits_cleanly_with_a_consistent_database) {
    http_server server;
    http_response hung;
    hung.stall = true;
    server.set("/hung.xml", hung);
    for (int i = 0; i < 5; ++i) {
        server.set(fmt::format("/f{}.xml", i), http_response::ok(rss(fmt::format("f{}", i), 10)));
    }
    temp_dir dir;
    std::vector<std::string> urls{server.url("/hung.xml")};
    for (int i = 0; i < 5; ++i)
        urls.push_back(server.url(fmt::format("/f{}.xml", i)));
    // A long timeout: the stalled fetch is still in flight when the signal comes.
    write_file(
        dir / "feedd.toml",
        "[storage]\npath = \"state/feedd.db\"\n[fetch]\ntimeout = \"60s\"\n" + [&] {
            std::string feeds;
            for (const auto& u : urls)
                feeds += "[[feed]]\nurl = \"" + u + "\"\n";
            return feeds;
        }());

    child_process poll(FEEDD_BINARY, {"poll", "--config", (dir / "feedd.toml").string(), "--once"},
                       dir.path());
    ASSERT_TRUE(eventually([&] { return server.hits("/hung.xml") == 1; }));
    ASSERT_TRUE(eventually([&] {
        std::size_t stored = 0;
        try {
            stored = stored_items(dir).size();
        } catch (const std::exception&) {
            // not created yet
        }
        return stored == 50;
    }));
    poll.send(SIGTERM);
    const auto code = poll.wait(10s);
    ASSERT_TRUE(code.has_value()) << "feedd did not stop after SIGTERM";
    EXPECT_EQ(*code, 0) << poll.err();

    auto db = storage::database::open(db_path(dir), storage::open_mode::read_only);
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_EQ(db.items({}).size(), 50u);
    // The interrupted fetch is not held against the feed.
    for (const auto& f : db.feeds()) {
        EXPECT_EQ(f.error_count, 0) << f.config_url;
    }
}

TEST(daemon, https_feeds_are_verified_against_the_configured_ca) {
    http_server trusted(server_tls::test());
    trusted.set("/secure.xml", http_response::ok(rss("secure", 2)));
    http_server untrusted(server_tls::untrusted());
    untrusted.set("/secure.xml", http_response::ok(rss("forged", 2)));
    temp_dir dir;
    const auto config =
        write_config(dir, {trusted.url("/secure.xml"), untrusted.url("/secure.xml")},
                     fmt::format("ca_file = \"{}\"", server_tls::test_ca().string()));
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    const auto feeds = stored_feeds(dir);
    ASSERT_NE(find_feed(feeds, trusted.url("/secure.xml")), nullptr);
    EXPECT_EQ(find_feed(feeds, trusted.url("/secure.xml"))->last_outcome, "ok");
    ASSERT_NE(find_feed(feeds, untrusted.url("/secure.xml")), nullptr);
    EXPECT_EQ(find_feed(feeds, untrusted.url("/secure.xml"))->last_outcome, "tls");
    EXPECT_EQ(stored_items(dir).size(), 2u);
}

TEST(daemon, local_files_and_opml_subscriptions_are_followed) {
    temp_dir dir;
    write_file(dir / "feeds/local.xml", rss("local", 3));
    write_file(dir / "feeds/other.xml", atom("other", 2));
    write_file(dir / "subs.opml",
               "<?xml version=\"1.0\"?><opml version=\"2.0\"><head><title>s</title></head><body>"
               "<outline text=\"Tech\"><outline text=\"Other\" type=\"rss\" "
               "xmlUrl=\"feeds/other.xml\"/></outline></body></opml>");
    const auto config = write_file(dir / "feedd.toml",
                                   "opml = [\"subs.opml\"]\n[storage]\npath = \"state/feedd.db\"\n"
                                   "[[feed]]\nurl = \"feeds/local.xml\"\ntags = [\"mine\"]\n");
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    EXPECT_EQ(stored_items(dir).size(), 5u);
    const auto feeds = stored_feeds(dir);
    ASSERT_EQ(feeds.size(), 2u);
    bool tagged = false;
    for (const auto& f : feeds) {
        for (const auto& tag : f.tags)
            tagged = tagged || tag == "Tech";
    }
    EXPECT_TRUE(tagged) << "OPML outline category should become a tag";

    // The JSON Lines view has one object per item with the documented fields.
    const auto listing =
        run_feedd({"query", "items", "--config", config.string(), "--json"}, dir.path());
    ASSERT_EQ(listing.exit_code, 0) << listing.err;
    EXPECT_EQ(std::count(listing.out.begin(), listing.out.end(), '\n'), 5);
    for (const char* field :
         {"\"feed\":", "\"id\":", "\"title\":", "\"link\":", "\"published\":", "\"summary\":"}) {
        EXPECT_NE(listing.out.find(field), std::string::npos) << field;
    }
    const auto limited = run_feedd(
        {"query", "items", "--db", db_path(dir).string(), "--json", "--limit", "2"}, dir.path());
    EXPECT_EQ(std::count(limited.out.begin(), limited.out.end(), '\n'), 2);
}

// A stand-in for systemd's notification socket: collects the datagrams feedd sends.
class notify_socket {
  public:
    explicit notify_socket(const std::filesystem::path& path) : path_(path) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::snprintf(address.sun_path, sizeof address.sun_path, "%s", path.c_str());
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0)
            throw std::runtime_error("cannot bind " + path.string());
        timeval timeout{0, 100000};
        ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    }
    ~notify_socket() { ::close(fd_); }

    // Receives until a message contains `wanted` or the deadline passes.
    bool wait_for(const std::string& wanted, std::chrono::milliseconds timeout = 10s) {
        return eventually(
            [&] {
                char buffer[4096];
                const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
                if (n > 0) {
                    messages_.emplace_back(buffer, static_cast<std::size_t>(n));
                    received_.push_back(std::chrono::steady_clock::now());
                }
                return !messages_.empty() && messages_.back().find(wanted) != std::string::npos;
            },
            timeout);
    }
    const std::vector<std::string>& messages() const { return messages_; }

    // What systemd sets for a Type=notify unit with WatchdogSec=200ms.
    std::vector<std::string> environment() const {
        return {"NOTIFY_SOCKET=" + path_.string(), "WATCHDOG_USEC=200000"};
    }

    // The longest time between two messages containing `wanted`.
    std::chrono::steady_clock::duration longest_gap(const std::string& wanted) const {
        std::chrono::steady_clock::duration gap{};
        std::optional<std::chrono::steady_clock::time_point> previous;
        for (std::size_t i = 0; i < messages_.size(); ++i) {
            if (messages_[i].find(wanted) == std::string::npos) continue;
            if (previous) gap = std::max(gap, received_[i] - *previous);
            previous = received_[i];
        }
        return gap;
    }

  private:
    std::filesystem::path path_;
    int fd_ = -1;
    std::vector<std::string> messages_;
    std::vector<std::chrono::steady_clock::time_point> received_;
};

TEST(daemon, tells_systemd_when_ready_alive_and_stopping) {
    http_server server;
    server.set("/n.xml", http_response::ok(rss("notified", 2)));
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/n.xml")});
    notify_socket systemd(dir / "notify.sock");
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path(),
                         systemd.environment());
    ASSERT_TRUE(systemd.wait_for("READY=1")) << daemon.err();
    EXPECT_NE(systemd.messages().back().find("STATUS=following 1 feeds"), std::string::npos);
    ASSERT_TRUE(systemd.wait_for("WATCHDOG=1")) << daemon.err();
    EXPECT_NE(systemd.messages().back().find("STATUS=following 1 feeds, 0 failing"),
              std::string::npos)
        << systemd.messages().back();
    daemon.send(SIGTERM);
    ASSERT_TRUE(systemd.wait_for("STOPPING=1"));
    EXPECT_EQ(daemon.wait(10s), 0) << daemon.err();
}

// A writer that cannot write (another process holds the database's write lock) stops
// WATCHDOG=1, so systemd would restart a daemon whose writer hangs; the pings come back
// once the lock is gone, and the reload that waited for it completes.
TEST(daemon, watchdog_pings_stop_while_the_writer_is_stuck) {
    http_server server;
    server.set("/w.xml", http_response::ok(rss("watched", 2)));
    server.set("/x.xml", http_response::ok(rss("extra", 1)));
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/w.xml")});
    notify_socket systemd(dir / "notify.sock");
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path(),
                         systemd.environment());
    ASSERT_TRUE(systemd.wait_for("READY=1")) << daemon.err();
    ASSERT_TRUE(eventually([&] { return stored_items(dir).size() == 2u; })) << daemon.err();
    ASSERT_TRUE(systemd.wait_for("WATCHDOG=1")) << daemon.err();
    EXPECT_LT(systemd.longest_gap("WATCHDOG=1"), 2s);
    {
        SQLite::Database lock(db_path(dir).string(), SQLite::OPEN_READWRITE);
        lock.exec("BEGIN IMMEDIATE");
        // The reload's feed sync needs the write lock (the busy timeout is 5 s).
        write_config(dir, {server.url("/w.xml"), server.url("/x.xml")});
        daemon.send(SIGHUP);
        systemd.wait_for("never sent", 3s);  // collects what arrives meanwhile
        lock.exec("ROLLBACK");
    }
    ASSERT_TRUE(systemd.wait_for("WATCHDOG=1")) << daemon.err();
    EXPECT_GE(systemd.longest_gap("WATCHDOG=1"), 2s);
    ASSERT_TRUE(eventually([&] { return server.hits("/x.xml") == 1; })) << daemon.err();
    daemon.send(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0) << daemon.err();
}

// When each request arrived, for tests of how many fetches run at once.
struct arrival_log {
    std::mutex mutex;
    std::vector<std::chrono::steady_clock::time_point> times;
    std::vector<std::chrono::steady_clock::time_point> sorted() {
        std::lock_guard lock(mutex);
        auto out = times;
        std::sort(out.begin(), out.end());
        return out;
    }
};

// Feeds /<name><i>.xml (i < feeds), each answered after `delay` with `items` items and its
// arrival logged; returns their URLs.
std::vector<std::string> serve_delayed(http_server& server, const std::string& name, int feeds,
                                       int items, std::chrono::milliseconds delay,
                                       arrival_log& log) {
    std::vector<std::string> urls;
    for (int i = 0; i < feeds; ++i) {
        const auto path = fmt::format("/{}{}.xml", name, i);
        server.set(path, [&log, name, i, items, delay](const recorded_request&) {
            {
                std::lock_guard lock(log.mutex);
                log.times.push_back(std::chrono::steady_clock::now());
            }
            auto response = http_response::ok(rss(fmt::format("{}{}", name, i), items));
            response.delay = delay;
            return response;
        });
        urls.push_back(server.url(path));
    }
    return urls;
}

// A config following urls with these [fetch] settings.
std::filesystem::path config_with_fetch(const temp_dir& dir, const std::string& fetch,
                                        const std::vector<std::string>& urls) {
    std::string text = "[storage]\npath = \"state/feedd.db\"\n[fetch]\n" + fetch;
    for (const auto& u : urls)
        text += "[[feed]]\nurl = \"" + u + "\"\n";
    return write_file(dir / "feedd.toml", text);
}

TEST(daemon, fetches_per_host_stay_within_the_cap) {
    http_server server;
    arrival_log log;
    constexpr auto answer_delay = 200ms;
    const auto urls = serve_delayed(server, "capped", 6, 1, answer_delay, log);
    temp_dir dir;
    ASSERT_EQ(poll_once(dir, config_with_fetch(dir, "per_host = 2\n", urls)).exit_code, 0);
    const auto arrivals = log.sorted();
    ASSERT_EQ(arrivals.size(), 6u);
    // With two fetches at most in flight, a third request can only start after one of
    // the first two was answered, which takes at least answer_delay. (A slow machine
    // only widens the gaps, so this holds however loaded the machine is.)
    for (std::size_t i = 2; i < arrivals.size(); ++i) {
        EXPECT_GE(arrivals[i] - arrivals[i - 2], answer_delay - 5ms) << "request " << i;
    }
    EXPECT_EQ(stored_items(dir).size(), 6u);
}

// Back-pressure from the writer (daemon/fetch_window.hpp): with concurrency 64, the first
// wave is 10 fetches (max_documents_in_flight), the 11th starts only once one of them was
// answered; and however the window moves, every feed is polled and stored once, none dropped.
TEST(daemon, the_fetch_window_starts_at_10_and_drops_no_refresh) {
    http_server server;
    arrival_log log;
    constexpr auto answer_delay = 200ms;
    constexpr int slow_feeds = 24;
    constexpr int fast_feeds = 120;
    const std::string fetch = "concurrency = 64\nper_host = 64\n";
    const auto slow = serve_delayed(server, "slow", slow_feeds, 2, answer_delay, log);
    temp_dir slow_dir;
    ASSERT_EQ(poll_once(slow_dir, config_with_fetch(slow_dir, fetch, slow)).exit_code, 0);
    const auto arrivals = log.sorted();
    ASSERT_EQ(arrivals.size(), static_cast<std::size_t>(slow_feeds));
    // A slow machine only widens the gap, so this holds however loaded it is.
    EXPECT_GE(arrivals[10] - arrivals[0], answer_delay - 5ms);
    EXPECT_EQ(stored_items(slow_dir).size(), 2u * slow_feeds);

    // Fast answers: documents pile up in front of the writer and the window shrinks.
    const auto fast = serve_delayed(server, "fast", fast_feeds, 5, 0ms, log);
    temp_dir fast_dir;
    const auto first = poll_once(fast_dir, config_with_fetch(fast_dir, fetch, fast));
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(stored_items(fast_dir).size(), 5u * fast_feeds);
    const auto feeds = stored_feeds(fast_dir);
    ASSERT_EQ(feeds.size(), static_cast<std::size_t>(fast_feeds));
    for (const auto& f : feeds) {
        EXPECT_EQ(f.last_outcome, "ok") << f.config_url;
        EXPECT_EQ(server.hits(f.config_url.substr(f.config_url.rfind('/'))), 1) << f.config_url;
    }
}

TEST(daemon, retry_after_on_429_postpones_the_next_poll) {
    http_server server;
    auto busy = http_response::error(429);
    busy.headers.emplace_back("Retry-After", "7200");
    server.set("/busy.xml", busy);
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/busy.xml")});
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    const auto feed = stored_feeds(dir).at(0);
    EXPECT_EQ(feed.last_outcome, "http_client");
    EXPECT_EQ(feed.last_status, 429);
    ASSERT_TRUE(feed.last_fetch);
    EXPECT_GE(feed.next_poll - *feed.last_fetch, 2h);
}

// At the default level the log says what each round of polls did in one line, and only
// failures get a line of their own: a journal following thousands of feeds stays readable.
TEST(daemon, logs_one_line_per_round_and_a_line_per_failing_feed_only) {
    http_server server;
    server.set("/a.xml", http_response::ok(rss("a", 3)));
    server.set("/b.xml", http_response::ok(rss("b", 2)));
    server.set("/gone.xml", http_response::error(404));
    temp_dir dir;
    const auto config =
        write_config(dir, {server.url("/a.xml"), server.url("/b.xml"), server.url("/gone.xml")});
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path());
    ASSERT_TRUE(eventually([&] { return daemon.err().find("info round ") != std::string::npos; }))
        << daemon.err();
    const auto log = daemon.err();
    EXPECT_NE(log.find("info round feeds=3 "), std::string::npos) << log;
    EXPECT_NE(log.find("outcomes=\"1 http_client, 2 ok\" new=5 known=0 failed=1 failing=1"),
              std::string::npos)
        << log;
    EXPECT_NE(log.find("warning feed=" + server.url("/gone.xml") + " outcome=http_client"),
              std::string::npos)
        << log;
    EXPECT_EQ(log.find("outcome=ok"), std::string::npos) << log;  // successes: debug only
    EXPECT_EQ(log.find("info round ", log.find("info round ") + 1), std::string::npos) << log;

    // A feed added by SIGHUP within the minute: its round's line waits for the minute to
    // end, and the stop writes it, so nothing polled goes unaccounted.
    server.set("/c.xml", http_response::ok(rss("c", 4)));
    write_config(dir, {server.url("/a.xml"), server.url("/b.xml"), server.url("/gone.xml"),
                       server.url("/c.xml")});
    daemon.send(SIGHUP);
    ASSERT_TRUE(eventually([&] { return stored_items(dir).size() == 9u; })) << daemon.err();
    std::this_thread::sleep_for(300ms);
    const auto second = daemon.err().find("info round ", log.find("info round ") + 1);
    EXPECT_EQ(second, std::string::npos) << daemon.err();
    daemon.send(SIGTERM);
    ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
    const auto end = daemon.err();
    const auto last = end.rfind("info round ");
    ASSERT_NE(last, end.find("info round ")) << end;
    EXPECT_NE(end.find("feeds=1 ", last), std::string::npos) << end;
    EXPECT_NE(end.find("new=4 ", last), std::string::npos) << end;
}

TEST(daemon, a_first_import_builds_its_time_ordered_indexes_once_its_round_is_over) {
    http_server server;
    server.set("/fine.xml", http_response::ok(rss("fine", 3)));
    auto slow = http_response::ok(rss("slow", 4));
    slow.delay = 3s;  // the round lasts until it answers
    server.set("/slow.xml", slow);
    temp_dir dir;
    const auto config = write_config_fetching(
        dir, {server.url("/fine.xml"), server.url("/slow.xml")}, "timeout = \"20s\"\n");
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path());
    // Mid-round, with the digest thread's connection open: stored, but no indexes yet.
    ASSERT_TRUE(eventually([&] {
        try {
            return stored_items(dir).size() == 3u;
        } catch (const std::exception&) {
            return false;  // the schema is being created
        }
    })) << daemon.err();
    EXPECT_EQ(time_indexes(dir), 0);
    EXPECT_EQ(daemon.err().find(indexes_built_line), std::string::npos) << daemon.err();

    ASSERT_TRUE(eventually([&] {
        return daemon.err().find(indexes_built_line) != std::string::npos;
    })) << daemon.err();
    EXPECT_EQ(time_indexes(dir), 2);
    EXPECT_EQ(stored_items(dir).size(), 7u);
    daemon.send(SIGTERM);
    ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
    auto db = storage::database::open(db_path(dir), storage::open_mode::read_write);
    EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(daemon, a_host_that_asks_to_wait_does_not_hold_back_the_round_line_or_the_indexes) {
    http_server server;
    server.set("/a.xml", http_response::ok(rss("a", 3)));
    auto busy = http_response::error(429);
    busy.headers.emplace_back("Retry-After", "3600");
    server.set("/busy.xml", busy);
    server.set("/c.xml", http_response::ok(rss("c", 2)));
    temp_dir dir;
    // One fetch at a time, in this order: after the 429 the host's last feed waits an hour.
    const auto config = write_config_fetching(
        dir, {server.url("/a.xml"), server.url("/busy.xml"), server.url("/c.xml")},
        "timeout = \"5s\"\nconcurrency = 1\nper_host = 1\n");
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path());
    ASSERT_TRUE(eventually([&] {
        return daemon.err().find(indexes_built_line) != std::string::npos;
    })) << daemon.err();
    EXPECT_EQ(time_indexes(dir), 2);
    EXPECT_EQ(server.hits("/busy.xml"), 1);
    EXPECT_EQ(server.hits("/c.xml"), 0);  // still waiting for the host
    EXPECT_EQ(stored_items(dir).size(), 3u);
    // The round is over too: its line is in the log without the held feed.
    ASSERT_TRUE(eventually([&] {
        return daemon.err().find("info round feeds=2 ") != std::string::npos;
    })) << daemon.err();
    daemon.send(SIGTERM);
    ASSERT_EQ(daemon.wait(10s), 0) << daemon.err();
}

TEST(daemon, sighup_applies_a_new_feed_list_and_survives_a_broken_one) {
    http_server server;
    server.set("/one.xml", http_response::ok(rss("one", 2)));
    server.set("/two.xml", http_response::ok(rss("two", 3)));
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/one.xml")});
    child_process daemon(FEEDD_BINARY, {"run", "--config", config.string()}, dir.path());
    ASSERT_TRUE(eventually([&] { return server.hits("/one.xml") == 1; })) << daemon.err();

    write_config(dir, {server.url("/one.xml"), server.url("/two.xml")});
    daemon.send(SIGHUP);
    ASSERT_TRUE(eventually([&] { return server.hits("/two.xml") == 1; })) << daemon.err();
    ASSERT_TRUE(eventually([&] { return stored_items(dir).size() == 5u; }));
    EXPECT_EQ(daemon.err().find("until the next start"), std::string::npos) << daemon.err();

    write_file(dir / "feedd.toml", "[storage\nthis is not toml");
    daemon.send(SIGHUP);
    ASSERT_TRUE(eventually([&] {
        return daemon.err().find("reload failed, keeping the previous configuration") !=
               std::string::npos;
    })) << daemon.err();
    EXPECT_TRUE(daemon.running());

    daemon.send(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0) << daemon.err();
    EXPECT_EQ(stored_feeds(dir).size(), 2u);
}

TEST(daemon, sighup_names_the_settings_it_cannot_apply_until_a_restart) {
    http_server server;
    server.set("/one.xml", http_response::ok(rss("one", 2)));
    temp_dir dir;
    const auto config = write_config(dir, {server.url("/one.xml")});
    // --db and --listen win over the file: a reload must not report them as the file's changes.
    child_process daemon(FEEDD_BINARY,
                         {"run", "--config", config.string(), "--db", (dir / "other.db").string(),
                          "--listen", "127.0.0.1:0"},
                         dir.path());
    ASSERT_TRUE(eventually([&] { return server.hits("/one.xml") == 1; })) << daemon.err();
    daemon.send(SIGHUP);
    ASSERT_TRUE(eventually([&] {
        return daemon.err().find("reloaded config=") != std::string::npos;
    })) << daemon.err();

    write_file(config, fmt::format("[storage]\npath = \"elsewhere.db\"\nkeep = \"30d\"\n\n[fetch]\n"
                                   "timeout = \"9s\"\n\n[[feed]]\nurl = \"{}\"\n",
                                   server.url("/one.xml")));
    daemon.send(SIGHUP);
    ASSERT_TRUE(eventually([&] {
        return daemon.err().find("until the next start") != std::string::npos;
    })) << daemon.err();
    const auto err = daemon.err();
    ASSERT_NE(err.find("warning reload: "), std::string::npos) << err;
    const auto line = err.substr(err.find("warning reload: "));
    EXPECT_EQ(line.substr(0, line.find('\n')),
              "warning reload: [storage] keep, [fetch] changed; kept as they were until the next "
              "start")
        << err;
    EXPECT_EQ(err.find("warning reload: "), err.rfind("warning reload: "))
        << "the first reload: " << err;
    daemon.send(SIGTERM);
    EXPECT_EQ(daemon.wait(10s), 0) << daemon.err();
    EXPECT_FALSE(std::filesystem::exists(dir / "elsewhere.db"));
    EXPECT_TRUE(std::filesystem::exists(dir / "other.db"));
}

TEST(daemon, config_errors_name_the_file_line_and_key) {
    temp_dir dir;
    const auto config = write_file(dir / "broken.toml",
                                   "[storage]\npath = \"x.db\"\n\n[[feed]]\nurl = \"feeds/a.xml\"\n"
                                   "intervall = \"15m\"\n");
    const auto result = poll_once(dir, config);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("broken.toml:6"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("intervall"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("interval"), std::string::npos) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "x.db"));
}

TEST(daemon, a_missing_database_gets_a_hint_not_a_crash) {
    temp_dir dir;
    const auto result =
        run_feedd({"query", "items", "--db", (dir / "none.db").string()}, dir.path());
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("no database at"), std::string::npos) << result.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "none.db"));
}

}  // namespace
}  // namespace feedd::test

namespace feedd::test {
namespace {

// An RSS feed that published an item every `gap` up to a minute ago, with extra
// channel elements (hints): recent dates keep the learnt interval out of the way.
std::string recent_rss(const std::string& name, int items, std::chrono::minutes gap,
                       const std::string& channel_extra = "") {
    std::string out = fmt::format(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>{0}</title>"
        "<link>https://{0}.example/</link>{1}",
        name, channel_extra);
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    for (int i = 0; i < items; ++i) {
        const auto published = now - 1min - gap * i;
        out += fmt::format(
            "<item><title>{0} {1}</title><guid>{0}-{1}</guid>"
            "<pubDate>{2:%a, %d %b %Y %H:%M:%S} GMT</pubDate></item>",
            name, i, published);
    }
    return out + "</channel></rss>\n";
}

TEST(daemon_schedule, retry_after_on_503_holds_back_every_feed_of_the_host_across_restarts) {
    http_server server;
    auto busy = http_response::error(503);
    busy.headers.emplace_back("Retry-After", "3600");
    server.set("/busy.xml", busy);
    // per_host = 1 makes the order deterministic: the 503 comes first, then nothing.
    server.set("/other.xml", http_response::ok(rss("other", 2)));
    temp_dir dir;
    const auto config =
        write_file(dir / "feedd.toml",
                   fmt::format("[storage]\npath = \"state/feedd.db\"\n[fetch]\nper_host = 1\n"
                               "[[feed]]\nurl = \"{}\"\n[[feed]]\nurl = \"{}\"\n",
                               server.url("/busy.xml"), server.url("/other.xml")));
    const auto first = poll_once(dir, config);
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_EQ(server.hits("/busy.xml"), 1);
    EXPECT_EQ(server.hits("/other.xml"), 0) << "the host asked everyone to wait";
    EXPECT_NE(first.out.find("deferred"), std::string::npos) << first.out;
    // A new process remembers the host's wait: the database holds it.
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    EXPECT_EQ(server.hits("/busy.xml"), 1);
    EXPECT_EQ(server.hits("/other.xml"), 0);

    const auto feeds = run_feedd({"feeds", "--config", config.string()}, dir.path());
    ASSERT_EQ(feeds.exit_code, 0) << feeds.err;
    EXPECT_NE(feeds.out.find("Retry-After 1h"), std::string::npos) << feeds.out;
}

TEST(daemon_schedule, ttl_and_cache_control_set_the_next_poll_and_feeds_says_why) {
    http_server server;
    server.set("/ttl.xml", http_response::ok(recent_rss("ttl", 4, 10min, "<ttl>180</ttl>")));
    auto cached = http_response::ok(recent_rss("cached", 4, 10min));
    cached.headers.emplace_back("Cache-Control", "public, max-age=7200");
    server.set("/cached.xml", cached);
    server.set("/plain.xml", http_response::ok(recent_rss("plain", 4, 10min)));
    // One item a day for the last ten days: polled about twice a day, not every 15 minutes.
    server.set("/slow.xml", http_response::ok(recent_rss("slow", 10, 24h)));
    auto failing = http_response::error(500);
    server.set("/failing.xml", failing);
    temp_dir dir;
    const auto config = write_config(
        dir, {server.url("/ttl.xml"), server.url("/cached.xml"), server.url("/plain.xml"),
              server.url("/failing.xml"), server.url("/slow.xml")});
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);
    ASSERT_EQ(poll_once(dir, config).exit_code, 0);

    const auto feeds = stored_feeds(dir);
    const auto delay = [&](const std::string& path) {
        const auto* f = find_feed(feeds, server.url(path));
        EXPECT_NE(f, nullptr) << path;
        return f != nullptr && f->last_fetch ? f->next_poll - *f->last_fetch
                                             : std::chrono::seconds(0);
    };
    EXPECT_GE(delay("/ttl.xml"), 3h);
    EXPECT_GE(delay("/cached.xml"), 2h);
    EXPECT_LT(delay("/plain.xml"), 2h);
    EXPECT_GE(delay("/slow.xml"), 10h);
    EXPECT_LE(delay("/slow.xml"), 15h);
    EXPECT_GE(delay("/failing.xml"), 30min) << "second failure: doubled";
    const auto* ttl = find_feed(feeds, server.url("/ttl.xml"));
    ASSERT_NE(ttl, nullptr);
    EXPECT_EQ(ttl->poll_reason.rfind("ttl 3h", 0), 0u) << ttl->poll_reason;
    EXPECT_EQ(ttl->schedule.ttl, std::chrono::seconds(3h));

    const auto listing = run_feedd({"feeds", "--config", config.string()}, dir.path());
    ASSERT_EQ(listing.exit_code, 0) << listing.err;
    EXPECT_NE(listing.out.find("back-off after 2 errors"), std::string::npos) << listing.out;
    EXPECT_NE(listing.out.find("Cache-Control/Expires 2h"), std::string::npos) << listing.out;
}

}  // namespace
}  // namespace feedd::test
