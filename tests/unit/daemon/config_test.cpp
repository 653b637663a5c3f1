#include "daemon/config.hpp"

#include <cctype>
#include <chrono>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using tags = std::vector<std::string>;

const fs::path data_dir = fs::path(FEEDD_TEST_DATA) / "config";

class config_test : public ::testing::Test {
  protected:
    fs::path write(const std::string& text, const std::string& name = "feedd.toml") {
        return test::write_file(dir_ / name, text);
    }

    config load(const std::string& text) { return load_config(write(text)); }

    // The message of the config_error that loading `text` throws ("" if none).
    std::string error_of(const std::string& text) { return error_of_file(write(text)); }

    static std::string error_of_file(const fs::path& file) {
        try {
            load_config(file);
        } catch (const config_error& e) {
            return e.what();
        }
        ADD_FAILURE() << "no config_error for " << file;
        return {};
    }

    // Asserts the `FILE:LINE: KEY: ` prefix and that each fragment appears.
    void expect_error(const std::string& text, int line, const std::string& key,
                      std::initializer_list<std::string> fragments) {
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

    std::string file_url(const fs::path& path) { return "file://" + path.generic_string(); }

    test::temp_dir tmp_;
    const fs::path dir_ = tmp_.path();
};

TEST_F(config_test, complete_file_sets_every_key) {
    const auto cfg = load_config(data_dir / "complete.toml");
    EXPECT_EQ(cfg.file, data_dir / "complete.toml");
    EXPECT_TRUE(cfg.file.is_absolute());
    EXPECT_EQ(cfg.storage_path, data_dir / "state" / "news.db");
    EXPECT_EQ(cfg.default_interval, 90min);

    EXPECT_EQ(cfg.fetch.connect_timeout, 2500ms);
    EXPECT_EQ(cfg.fetch.total_timeout, 45s);
    EXPECT_EQ(cfg.fetch.max_body_bytes, 8u * 1024 * 1024);
    EXPECT_EQ(cfg.fetch.max_concurrency, 8);
    EXPECT_EQ(cfg.fetch.per_host_concurrency, 3);
    EXPECT_EQ(cfg.fetch.user_agent, "feedd-test/1.0 (+https://example.org/bot)");
    EXPECT_EQ(cfg.fetch.extra_ca_file, (data_dir / "../tls/ca.pem").lexically_normal());

    ASSERT_EQ(cfg.feeds.size(), 5u);
    // [[feed]] tables first, in order; the OPML's copy of example.org only adds tags.
    EXPECT_EQ(cfg.feeds[0].url, "https://example.org/rss");
    EXPECT_EQ(cfg.feeds[0].title, "Example");
    EXPECT_EQ(cfg.feeds[0].tags, (tags{"world", "wire", "Science", "Europe", "Paris"}));
    EXPECT_EQ(cfg.feeds[0].interval, 30min);

    EXPECT_EQ(cfg.feeds[1].url, file_url(data_dir / "feeds") + "/local%20feed.xml");
    EXPECT_FALSE(cfg.feeds[1].title);
    EXPECT_TRUE(cfg.feeds[1].tags.empty());
    EXPECT_EQ(cfg.feeds[1].interval, 90min);  // the [poll] default

    EXPECT_EQ(cfg.feeds[2].url, "file:///srv/feeds/with%20space.xml");
    EXPECT_EQ(cfg.feeds[2].tags, tags{"local"});

    // Then OPML outlines: folders become tags; relative xmlUrl is next to the OPML file.
    EXPECT_EQ(cfg.feeds[3].url, "https://lab.example/feed");
    EXPECT_EQ(cfg.feeds[3].title, "Lab Notes");
    EXPECT_EQ(cfg.feeds[3].tags, tags{"Science"});
    EXPECT_EQ(cfg.feeds[3].interval, 90min);
    EXPECT_EQ(cfg.feeds[4].url, file_url(data_dir / "opml-feeds" / "near.xml"));
    EXPECT_EQ(cfg.feeds[4].title, "Next to the OPML");
}

TEST_F(config_test, defaults_apply_when_keys_are_absent) {
    const auto cfg = load("[[feed]]\nurl = \"https://a.example/rss\"\n");
    const fetch_config defaults;
    EXPECT_EQ(cfg.file, dir_ / "feedd.toml");
    EXPECT_EQ(cfg.storage_path, dir_ / "feedd.db");
    EXPECT_EQ(cfg.default_interval, 15min);
    EXPECT_EQ(cfg.fetch.connect_timeout, 10s);
    EXPECT_EQ(cfg.fetch.total_timeout, 30s);
    EXPECT_EQ(cfg.fetch.max_body_bytes, 16u * 1024 * 1024);
    EXPECT_EQ(cfg.fetch.max_concurrency, 16);
    EXPECT_EQ(cfg.fetch.per_host_concurrency, 2);
    EXPECT_EQ(cfg.fetch.user_agent, defaults.user_agent);
    EXPECT_FALSE(cfg.fetch.extra_ca_file);
    ASSERT_EQ(cfg.feeds.size(), 1u);
    EXPECT_EQ(cfg.feeds[0].interval, 15min);
    EXPECT_FALSE(cfg.feeds[0].title);

    EXPECT_TRUE(load("# nothing yet\n").feeds.empty());
}

TEST_F(config_test, relative_config_path_becomes_absolute) {
    test::write_file(dir_ / "etc" / "feedd.toml",
                     "[storage]\npath = \"../var/./news.db\"\n[[feed]]\nurl = \"a b.xml\"\n");
    const auto previous = fs::current_path();
    fs::current_path(dir_);
    config cfg;
    std::string message;
    try {
        cfg = load_config("etc/feedd.toml");
        test::write_file(dir_ / "etc" / "bad.toml", "[poll]\ninterval = 5\n");
        message = error_of_file("etc/bad.toml");
    } catch (...) {
        fs::current_path(previous);
        throw;
    }
    fs::current_path(previous);
    EXPECT_EQ(cfg.file, dir_ / "etc" / "feedd.toml");
    EXPECT_EQ(cfg.storage_path, dir_ / "var" / "news.db");
    ASSERT_EQ(cfg.feeds.size(), 1u);
    EXPECT_EQ(cfg.feeds[0].url, file_url(dir_ / "etc") + "/a%20b.xml");
    // Messages name the file as the user wrote it.
    EXPECT_EQ(message.rfind("etc/bad.toml:2: poll.interval: ", 0), 0u) << message;
}

TEST_F(config_test, absolute_paths_are_kept) {
    const auto cfg = load(
        "[storage]\npath = \"/var/lib/feedd/../feedd/state.db\"\n"
        "[[feed]]\nurl = \"/srv/feeds/a.xml\"\n");
    EXPECT_EQ(cfg.storage_path, fs::path("/var/lib/feedd/state.db"));
    EXPECT_EQ(cfg.feeds[0].url, "file:///srv/feeds/a.xml");
}

TEST_F(config_test, local_paths_are_percent_encoded_file_urls) {
    const auto cfg = load(
        "[[feed]]\nurl = \"news/50% #1?.xml\"\n"
        "[[feed]]\nurl = \"caf\u00e9.xml\"\n"
        "[[feed]]\nurl = \"file://localhost/tmp/x.xml\"\n"
        "[[feed]]\nurl = \"file:/tmp/y.xml\"\n");
    ASSERT_EQ(cfg.feeds.size(), 4u);
    EXPECT_EQ(cfg.feeds[0].url, file_url(dir_ / "news") + "/50%25%20%231%3F.xml");
    EXPECT_EQ(cfg.feeds[1].url, file_url(dir_) + "/caf%C3%A9.xml");
    EXPECT_EQ(cfg.feeds[2].url, "file:///tmp/x.xml");
    EXPECT_EQ(cfg.feeds[3].url, "file:///tmp/y.xml");
}

TEST_F(config_test, short_intervals_are_raised_to_the_minimum) {
    const auto cfg = load(
        "[poll]\ninterval = \"10s\"\n"
        "[[feed]]\nurl = \"https://a.example/\"\n"
        "[[feed]]\nurl = \"https://b.example/\"\ninterval = \"0s\"\n"
        "[[feed]]\nurl = \"https://c.example/\"\ninterval = \"2m\"\n");
    EXPECT_EQ(cfg.default_interval, min_interval);
    EXPECT_EQ(cfg.feeds[0].interval, min_interval);
    EXPECT_EQ(cfg.feeds[1].interval, min_interval);
    EXPECT_EQ(cfg.feeds[2].interval, 2min);
}

TEST_F(config_test, duplicate_feeds_are_merged_into_the_first) {
    test::write_file(dir_ / "a.xml", "<rss/>");
    const auto cfg = load(
        "[[feed]]\nurl = \"https://example.org/rss\"\ntags = [\"a\", \"b\"]\n"
        "[[feed]]\nurl = \"a.xml\"\n"
        "[[feed]]\nurl = \"HTTPS://Example.ORG/rss\"\ntitle = \"Later title\"\n"
        "tags = [\"b\", \"c\"]\ninterval = \"1h\"\n"
        "[[feed]]\nurl = \"./sub/../a.xml\"\ntags = [\"local\"]\n"
        "[[feed]]\nurl = \"" +
        file_url(dir_ / "a.xml") + "\"\ntitle = \"A\"\n");
    ASSERT_EQ(cfg.feeds.size(), 2u);
    EXPECT_EQ(cfg.feeds[0].url, "https://example.org/rss");  // the first spelling is kept
    EXPECT_EQ(cfg.feeds[0].tags, (tags{"a", "b", "c"}));
    EXPECT_EQ(cfg.feeds[0].title, "Later title");  // it had none
    EXPECT_EQ(cfg.feeds[0].interval, 15min);       // the first one's
    EXPECT_EQ(cfg.feeds[1].url, file_url(dir_ / "a.xml"));
    EXPECT_EQ(cfg.feeds[1].tags, tags{"local"});
    EXPECT_EQ(cfg.feeds[1].title, "A");
}

TEST_F(config_test, opml_outlines_become_tagged_feeds) {
    test::write_file(dir_ / "lists" / "subs.opml", R"(<?xml version="1.0"?>
<opml version="1.0"><body>
  <outline text="Tech"><outline text="Linux">
    <outline text="LWN" xmlUrl="https://lwn.example/rss" category="kernel"/>
  </outline></outline>
  <outline text="Config feed again" xmlUrl="https://a.example/rss"/>
  <outline text="Local" xmlUrl="local.xml"/>
</body></opml>)");
    const auto cfg = load(
        "opml = [\"lists/subs.opml\"]\n[poll]\ninterval = \"20m\"\n"
        "[[feed]]\nurl = \"https://a.example/rss\"\ntags = [\"x\"]\n");
    ASSERT_EQ(cfg.feeds.size(), 3u);
    EXPECT_EQ(cfg.feeds[0].url, "https://a.example/rss");
    EXPECT_EQ(cfg.feeds[0].title, "Config feed again");
    EXPECT_EQ(cfg.feeds[0].tags, tags{"x"});
    EXPECT_EQ(cfg.feeds[1].url, "https://lwn.example/rss");
    EXPECT_EQ(cfg.feeds[1].title, "LWN");
    EXPECT_EQ(cfg.feeds[1].tags, (tags{"Tech", "Linux", "kernel"}));
    EXPECT_EQ(cfg.feeds[1].interval, 20min);
    EXPECT_EQ(cfg.feeds[2].url, file_url(dir_ / "lists" / "local.xml"));
}

TEST_F(config_test, unknown_keys_suggest_the_nearest) {
    expect_error(
        "[[feed]]\nurl = \"https://a.example/\"\n\n[[feed]]\nurl = \"b.xml\"\n"
        "intervall = \"30m\"\n",
        6, "feed[2].intervall",
        {R"(unknown key "intervall" in [[feed]] (did you mean "interval"?))"});
    expect_error("[poll]\ninterval = \"1h\"\n\n[fetc]\ntimeout = \"1s\"\n", 4, "fetc",
                 {"unknown section [fetc] (did you mean [fetch]?)"});
    expect_error("[[feeds]]\nurl = \"x\"\n", 1, "feeds",
                 {"unknown section [[feeds]] (did you mean [[feed]]?)"});
    expect_error("[fetch]\nuser-agent = \"x\"\n", 2, "fetch.user-agent",
                 {R"(unknown key "user-agent" in [fetch] (did you mean "user_agent"?))"});
    expect_error("[storage]\npaht = \"x.db\"\n", 2, "storage.paht",
                 {R"(unknown key "paht" in [storage] (did you mean "path"?))"});
    expect_error("opml = []\nverbose = true\n", 2, "verbose",
                 {R"(unknown key "verbose")", R"(expected one of: "opml" [storage] [poll] )"});
}

TEST_F(config_test, wrong_types_say_what_is_expected) {
    expect_error("[poll]\ninterval = true\n", 2, "poll.interval",
                 {R"(got a boolean; expected a string like "15m")"});
    expect_error("[[feed]]\nurl = \"https://a.example/\"\ntags = \"world\"\n", 3, "feed[1].tags",
                 {"got a string; expected an array of strings"});
    expect_error("[[feed]]\nurl = \"https://a.example/\"\ntags = [\"world\",\n  2]\n", 4,
                 "feed[1].tags[2]", {"got an integer; expected an array of strings"});
    expect_error("[[feed]]\nurl = 42\n", 2, "feed[1].url", {"got an integer; expected a string"});
    expect_error("storage = \"x.db\"\n", 1, "storage",
                 {"got a string; expected a section [storage]"});
    expect_error("\n[feed]\nurl = \"https://a.example/\"\n", 2, "feed",
                 {"got a table; expected [[feed]] tables"});
    expect_error("[fetch]\nconcurrency = \"16\"\n", 2, "fetch.concurrency",
                 {"got a string; expected an integer from 1 to 1024"});
    expect_error("[fetch]\nconcurrency = 0\n", 2, "fetch.concurrency",
                 {"0 is out of range; expected an integer from 1 to 1024"});
    expect_error("[fetch]\nper_host = 65\n", 2, "fetch.per_host",
                 {"65 is out of range; expected an integer from 1 to 64"});
    expect_error("opml = \"subs.opml\"\n", 1, "opml", {"expected an array of strings"});
    expect_error("[fetch]\nuser_agent = \"feedd\\r\\nX-Evil: 1\"\n", 2, "fetch.user_agent",
                 {"control character; expected a single line"});
}

TEST_F(config_test, bare_integer_durations_are_ambiguous) {
    expect_error(
        "[[feed]]\nurl = \"https://a.example/\"\n\n[[feed]]\nurl = \"https://b.example/\"\n"
        "interval = 30\n",
        6, "feed[2].interval",
        {"bare number 30 has no unit", R"(expected a string with a unit, like "30m")"});
    expect_error("[fetch]\ntimeout = \"30\"\n", 2, "fetch.timeout",
                 {R"("30" has no unit)", R"("30m" or "30s")"});
}

TEST_F(config_test, bad_durations_and_sizes_name_the_value) {
    expect_error("[poll]\ninterval = \"500ms\"\n", 2, "poll.interval",
                 {"\"500ms\": milliseconds are only allowed for timeouts"});
    expect_error("[poll]\ninterval = \"1.5h\"\n", 2, "poll.interval",
                 {R"("1.5h": fractions are not supported; expected whole numbers)"});
    expect_error("[poll]\ninterval = \"15min\"\n", 2, "poll.interval",
                 {R"("15min": unknown unit "min"; expected a duration like "90s")"});
    expect_error("[fetch]\ntimeout = \"0s\"\n", 2, "fetch.timeout", {"expected a positive"});
    expect_error("[fetch]\nmax_body = \"16\"\n", 2, "fetch.max_body",
                 {R"("16" has no unit)", "KiB"});
    expect_error("[fetch]\nmax_body = \"16 XB\"\n", 2, "fetch.max_body", {R"(unknown unit "XB")"});
    expect_error("[fetch]\nmax_body = 0\n", 2, "fetch.max_body", {"expected a positive"});
    expect_error("[fetch]\nmax_body = 1.5\n", 2, "fetch.max_body",
                 {R"(got a float; expected an integer number of bytes or a string like "16MiB")"});
}

TEST_F(config_test, sizes_accept_decimal_and_binary_units) {
    EXPECT_EQ(load("[fetch]\nmax_body = 4096\n").fetch.max_body_bytes, 4096u);
    EXPECT_EQ(load("[fetch]\nmax_body = \"2MB\"\n").fetch.max_body_bytes, 2'000'000u);
    EXPECT_EQ(load("[fetch]\nmax_body = \"512 KiB\"\n").fetch.max_body_bytes, 512u * 1024);
    EXPECT_EQ(load("[fetch]\nmax_body = \"1GiB\"\n").fetch.max_body_bytes, 1024u * 1024 * 1024);
    EXPECT_EQ(load("[fetch]\nmax_body = \"100B\"\n").fetch.max_body_bytes, 100u);
}

TEST_F(config_test, feed_without_url_names_its_table) {
    expect_error("[[feed]]\nurl = \"https://a.example/\"\n\n[[feed]]\ntitle = \"No URL\"\n", 4,
                 "feed[2].url", {"missing; expected url = "});
}

TEST_F(config_test, bad_urls_name_the_value) {
    expect_error("[[feed]]\nurl = \"ftp://files.example/feed.xml\"\n", 2, "feed[1].url",
                 {R"(unsupported URL scheme "ftp" in "ftp://files.example/feed.xml")",
                  "expected an http(s) URL, a file:// URL or a local path"});
    expect_error("[[feed]]\nurl = \"http:///feed.xml\"\n", 2, "feed[1].url",
                 {R"("http:///feed.xml" has no host)"});
    expect_error("[[feed]]\nurl = \"https://exa mple.org/rss\"\n", 2, "feed[1].url",
                 {R"("https://exa mple.org/rss" is not a valid URL)"});
    expect_error("[[feed]]\nurl = \"file://server/share/x.xml\"\n", 2, "feed[1].url",
                 {"names a remote host; expected file:///absolute/path"});
    expect_error("[[feed]]\nurl = \"  \"\n", 2, "feed[1].url", {"empty URL"});
}

// Boost.URL takes any run of digits as a port and its port_number() wraps some (83728 was
// fetched from 18192); 0 and 65536 passed the config and failed only at fetch time.
TEST_F(config_test, ports_outside_1_to_65535_are_rejected) {
    for (const std::string port : {"65536", "83728", "99999", "0", "00000", "1000000"}) {
        const std::string url = "http://127.0.0.1:" + port + "/ok.xml";
        expect_error("[[feed]]\nurl = \"" + url + "\"\n", 2, "feed[1].url",
                     {"\"" + url + "\": port " + port + " is out of range; expected 1-65535"});
    }
    const auto cfg = load(
        "[[feed]]\nurl = \"http://127.0.0.1:65535/a.xml\"\n"
        "[[feed]]\nurl = \"https://example.org:1/b.xml\"\n"
        "[[feed]]\nurl = \"http://example.org:/c.xml\"\n");  // "host:" is the default port
    ASSERT_EQ(cfg.feeds.size(), 3u);
    EXPECT_EQ(cfg.feeds[0].url, "http://127.0.0.1:65535/a.xml");
    EXPECT_EQ(cfg.feeds[1].url, "https://example.org:1/b.xml");
    EXPECT_THROW(feed_url_argument("http://127.0.0.1:83728/ok.xml"), config_error);
    EXPECT_EQ(feed_url_argument("http://127.0.0.1:8080/ok.xml"), "http://127.0.0.1:8080/ok.xml");
}

// A fragment is never sent to a server (RFC 9110 4.2.4): a URL copied from a browser with
// "#top" names the same feed, and once was refused with "is not a valid URL (leftover)".
TEST_F(config_test, a_fragment_is_dropped_from_a_feed_url) {
    const auto cfg = load(
        "[[feed]]\nurl = \"https://example.org/feed.xml#top\"\n"
        "[[feed]]\nurl = \"https://example.org/feed.xml\"\ntags = [\"b\"]\n"
        "[[feed]]\nurl = \"https://example.org/other.xml?page=2#\"\n");
    ASSERT_EQ(cfg.feeds.size(), 2u);  // the first two are one feed
    EXPECT_EQ(cfg.feeds[0].url, "https://example.org/feed.xml");
    EXPECT_EQ(cfg.feeds[0].tags, tags{"b"});
    EXPECT_EQ(cfg.feeds[1].url, "https://example.org/other.xml?page=2");
    EXPECT_EQ(feed_url_argument("https://Example.org/feed.xml#section-2"),
              "https://example.org/feed.xml");
}

// An internationalised host has to be written in its ASCII (punycode) form: feedd converts
// no host names (Boost.URL 1.81 has no IDNA). The error says so instead of "(leftover)".
TEST_F(config_test, a_non_ascii_host_is_refused_with_its_ascii_form_asked_for) {
    expect_error("[[feed]]\nurl = \"https://b\u00fccher.example/feed.xml\"\n", 2, "feed[1].url",
                 {"https://b\u00fccher.example/feed.xml", "host \"b\u00fccher.example\"", "ASCII",
                  "punycode", "xn--"});
    try {
        feed_url_argument("http://\u4f8b\u5b50.example/rss");
        ADD_FAILURE() << "no config_error";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find("xn--"), std::string::npos) << e.what();
        EXPECT_EQ(std::string(e.what()).find("leftover"), std::string::npos) << e.what();
    }
    // The punycode form is a host like any other.
    EXPECT_EQ(feed_url_argument("https://xn--bcher-kva.example/feed.xml"),
              "https://xn--bcher-kva.example/feed.xml");
}

// Non-ASCII text in the path or query is percent-encoded as UTF-8, as browsers send it.
TEST_F(config_test, non_ascii_in_a_path_is_percent_encoded) {
    EXPECT_EQ(feed_url_argument("https://example.org/b\u00fccher/feed.xml?q=\u00e9"),
              "https://example.org/b%C3%BCcher/feed.xml?q=%C3%A9");
}

TEST_F(config_test, syntax_errors_give_line_and_column) {
    const auto message = error_of("[poll]\ninterval = \"15m\"\n[fetch\n");
    const auto prefix = (dir_ / "feedd.toml").string() + ":3:";
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << message;
    EXPECT_NE(message.find("TOML syntax error"), std::string::npos) << message;
    // A column follows the line.
    ASSERT_GT(message.size(), prefix.size());
    EXPECT_TRUE(std::isdigit(static_cast<unsigned char>(message[prefix.size()]))) << message;
}

TEST_F(config_test, missing_files_are_named) {
    const auto missing = dir_ / "nope.toml";
    const auto message = error_of_file(missing);
    EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
    EXPECT_NE(message.find("No such file"), std::string::npos) << message;

    expect_error("[fetch]\nca_file = \"certs/extra.pem\"\n", 2, "fetch.ca_file",
                 {"no such file " + (dir_ / "certs" / "extra.pem").string(), "expected a PEM"});
}

TEST_F(config_test, opml_problems_name_the_config_line_and_the_opml_file) {
    test::write_file(dir_ / "a.opml", "<opml><body/></opml>");
    expect_error("# subscriptions\n\nopml = [\"a.opml\",\n  \"missing.opml\"]\n", 4, "opml[2]",
                 {"cannot read " + (dir_ / "missing.opml").string(), "No such file"});

    test::write_file(dir_ / "feed.xml", "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"/>\n");
    expect_error(
        "opml = [\"feed.xml\"]\n", 1, "opml[1]",
        {(dir_ / "feed.xml").string() + ": line 2: root element is <rss>; expected <opml>"});
}

// A configured title loses the controls a terminal would act on, as feed and OPML titles do.
TEST_F(config_test, a_feed_title_loses_terminal_controls) {
    const auto cfg = load(
        "[[feed]]\nurl = \"https://a.example/rss\"\ntitle = \"\\u001b[2JRed\\u0007 "
        "news\\u0081\"\n\n"
        "[[feed]]\nurl = \"https://b.example/rss\"\ntitle = \"\\u001b\\u0007\"\n");
    ASSERT_EQ(cfg.feeds.size(), 2u);
    EXPECT_EQ(cfg.feeds[0].title, "[2JRed news");
    EXPECT_FALSE(cfg.feeds[1].title);  // nothing left: as if none was given
}

// One URL listed 400,000 times, each time with another tag: merging searched the first
// listing's growing tag list for every tag, quadratic (200,000 took 115 s; this many, ~8 min,
// past scripts/test's 300 s per test). Now linear (~0.5 s; ~6 s under ASan on a busy host). No
// wall time is asserted here: the per-test timeout tells the two apart.
TEST_F(config_test, an_opml_repeating_one_feed_with_many_tags_loads_in_linear_time) {
    constexpr int listings = 400000;
    std::string doc = "<opml><body>\n";
    for (int i = 0; i < listings; ++i)
        doc += fmt::format("<outline xmlUrl=\"https://same.example/rss\" category=\"t{}\"/>\n", i);
    doc += "</body></opml>";
    test::write_file(dir_ / "same.opml", doc);
    const auto cfg = load("opml = [\"same.opml\"]\n");
    ASSERT_EQ(cfg.feeds.size(), 1u);
    EXPECT_EQ(cfg.feeds[0].tags.size(), static_cast<std::size_t>(listings));
    EXPECT_EQ(cfg.feeds[0].tags.back(), fmt::format("t{}", listings - 1));
}

// One outline we cannot follow in an exported OPML file skips that outline only;
// feed:// is how some readers export plain web URLs.
TEST_F(config_test, opml_outlines_with_odd_urls_are_skipped_or_mapped) {
    test::write_file(dir_ / "mixed.opml",
                     "<opml><body><outline text=\"Old\" xmlUrl=\"ftp://x.example/f\"/>"
                     "<outline text=\"Podcast\" xmlUrl=\"feed://pod.example/rss\"/>"
                     "<outline text=\"Secure\" xmlUrl=\"feed:https://s.example/rss\"/>"
                     "<outline text=\"Plain\" xmlUrl=\"https://p.example/rss\"/></body></opml>");
    const auto cfg = load("opml = [\"mixed.opml\"]\n");
    ASSERT_EQ(cfg.feeds.size(), 3u);
    EXPECT_EQ(cfg.feeds[0].url, "http://pod.example/rss");
    EXPECT_EQ(cfg.feeds[1].url, "https://s.example/rss");
    EXPECT_EQ(cfg.feeds[2].url, "https://p.example/rss");
}

TEST_F(config_test, http_urls_are_normalised_so_one_feed_written_two_ways_is_one_feed) {
    const auto cfg = load(
        "[[feed]]\nurl = \"HTTPS://News.Example.ORG\"\ntags = [\"a\"]\n"
        "[[feed]]\nurl = \"https://news.example.org/\"\ntags = [\"b\"]\n");
    ASSERT_EQ(cfg.feeds.size(), 1u);
    EXPECT_EQ(cfg.feeds[0].url, "https://news.example.org/");
    EXPECT_EQ(cfg.feeds[0].tags, (std::vector<std::string>{"a", "b"}));

    const auto dots = load(
        "[[feed]]\nurl = \"https://news.example.org/../../rss.xml\"\n"
        "[[feed]]\nurl = \"https://news.example.org/rss.xml\"\n");
    ASSERT_EQ(dots.feeds.size(), 1u);
    EXPECT_EQ(dots.feeds[0].url, "https://news.example.org/rss.xml");
}

TEST_F(config_test, stories_window_and_threshold) {
    const auto defaults = load("");
    EXPECT_EQ(defaults.stories.window, std::chrono::days(7));
    EXPECT_FALSE(defaults.stories.threshold);
    const auto set = load("[stories]\nwindow = \"2d\"\nthreshold = 0.45\n");
    EXPECT_EQ(set.stories.window, std::chrono::days(2));
    EXPECT_DOUBLE_EQ(set.stories.threshold.value_or(0), 0.45);

    expect_error("[stories]\nwindow = \"10m\"\n", 2, "stories.window", {"shorter than 1h"});
    expect_error("[stories]\nwindow = 7\n", 2, "stories.window", {"bare number 7 has no unit"});
    expect_error("[stories]\nthreshold = 1.5\n", 2, "stories.threshold",
                 {"1.5 is out of range; expected a number between 0 and 1"});
    expect_error("[stories]\nthreshold = \"high\"\n", 2, "stories.threshold",
                 {"got a string; expected a number between 0 and 1"});
    expect_error("[stories]\nwindw = \"7d\"\n", 2, "stories.windw",
                 {R"(unknown key "windw" in [stories] (did you mean "window"?))"});
}

TEST_F(config_test, storage_keep) {
    EXPECT_EQ(load("").keep, std::chrono::days(90));
    EXPECT_EQ(load("[storage]\nkeep = \"30d\"\n").keep, std::chrono::days(30));
    EXPECT_FALSE(load("[storage]\nkeep = \"forever\"\n").keep);
    EXPECT_FALSE(load("[storage]\nkeep = \"0\"\n").keep);
    EXPECT_FALSE(load("[storage]\nkeep = 0\n").keep);
    EXPECT_EQ(load("[storage]\nkeep = \"2d\"\n[stories]\nwindow = \"1d\"\n").keep,
              std::chrono::days(2));

    expect_error("[storage]\nkeep = \"90 days\"\n", 2, "storage.keep", {"90 days"});
    expect_error("[storage]\nkeep = 90\n", 2, "storage.keep", {"bare number 90 has no unit"});
    expect_error("[storage]\nkeep = \"12h\"\n", 2, "storage.keep",
                 {"shorter than 1d", R"(or "forever")"});
    expect_error("[storage]\npath = \"a.db\"\nkeep = \"3d\"\n", 3, "storage.keep",
                 {"3d is shorter than stories.window (7d)"});
    expect_error("[storage]\nkep = \"3d\"\n", 2, "storage.kep", {R"(did you mean "keep"?)"});
}

TEST(parse_duration, accepts_units_largest_first) {
    EXPECT_EQ(parse_duration("90s"), 90s);
    EXPECT_EQ(parse_duration("15m"), 15min);
    EXPECT_EQ(parse_duration("2h"), 2h);
    EXPECT_EQ(parse_duration("7d"), std::chrono::days(7));
    EXPECT_EQ(parse_duration("1h30m"), 90min);
    EXPECT_EQ(parse_duration(" 1d 2h 3m 4s "), 26h + 3min + 4s);
    EXPECT_EQ(parse_duration("15 m"), 15min);
}

TEST(parse_duration, rejects_malformed_values_without_a_position) {
    for (const char* text : {"", "15", "h", "15x", "1.5h", "30m1h", "1m1m", "500ms", "366d",
                             "99999999999999999999999s", "-5m"}) {
        try {
            parse_duration(text);
            ADD_FAILURE() << "accepted \"" << text << "\"";
        } catch (const config_error& e) {
            const std::string message = e.what();
            EXPECT_NE(message.find("expected"), std::string::npos) << message;
            // No file:line prefix: the caller adds the position it knows.
            EXPECT_TRUE(message.front() == '"' || message.rfind("empty", 0) == 0) << message;
        }
    }
    try {
        parse_duration("15");
        ADD_FAILURE() << "accepted a bare number";
    } catch (const config_error& e) {
        EXPECT_NE(std::string(e.what()).find(R"("15m" or "15s")"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace feedd::daemon
