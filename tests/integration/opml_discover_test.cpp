// `feedd opml export` and `feedd discover` as scripts use them: real files, a real
// config, and a real HTTP server on 127.0.0.1 for discovery by URL.
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "feeds/opml.hpp"
#include "tests/support/http_server.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

const std::filesystem::path data_dir = FEEDD_TEST_DATA;

const feeds::opml_feed* find(const feeds::opml_result& result, const std::string& url) {
    for (const auto& feed : result.feeds) {
        if (feed.url == url) return &feed;
    }
    return nullptr;
}

std::filesystem::path write_config(const temp_dir& dir) {
    write_file(dir / "subs.opml", R"(<?xml version="1.0"?>
<opml version="1.0"><head><title>s</title></head><body>
  <outline text="Tech"><outline text="Linux">
    <outline type="rss" text="Kernel &amp; Co" xmlUrl="https://kernel.example/rss"/>
  </outline></outline>
</body></opml>)");
    return write_file(dir / "feedd.toml", R"(opml = ["subs.opml"]
[storage]
path = "feedd.db"

[[feed]]
url = "https://wire.example/rss?a=1&b=2"
title = "Wire <World>"
tags = ["news", "world"]

[[feed]]
url = "https://untitled.example/atom"
)");
}

TEST(opml_export, writes_config_and_opml_feeds_that_read_back_with_tags) {
    temp_dir dir;
    const auto config = write_config(dir);
    const auto r = run_feedd({"opml", "export", "--config", config.string()}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto back = feeds::parse_opml(r.out);
    ASSERT_TRUE(back) << back.error << "\n" << r.out;
    ASSERT_EQ(back.feeds.size(), 3U) << r.out;

    const auto* wire = find(back, "https://wire.example/rss?a=1&b=2");
    ASSERT_NE(wire, nullptr) << r.out;
    EXPECT_EQ(wire->title, "Wire <World>");
    EXPECT_EQ(wire->tags, (std::vector<std::string>{"news", "world"}));
    const auto* kernel = find(back, "https://kernel.example/rss");
    ASSERT_NE(kernel, nullptr) << r.out;
    EXPECT_EQ(kernel->title, "Kernel & Co");
    EXPECT_EQ(kernel->tags, (std::vector<std::string>{"Tech", "Linux"}));
    const auto* untitled = find(back, "https://untitled.example/atom");
    ASSERT_NE(untitled, nullptr);
    EXPECT_FALSE(untitled->title.has_value());
}

TEST(opml_export, out_file_is_written_and_a_bad_config_fails_cleanly) {
    temp_dir dir;
    const auto config = write_config(dir);
    const auto out = dir / "export.opml";
    const auto r =
        run_feedd({"opml", "export", "-c", config.string(), "--out", out.string()}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(feeds::parse_opml(read_file(out)).feeds.size(), 3U);

    const auto unwritable = run_feedd(
        {"opml", "export", "-c", config.string(), "--out", (dir / "no/such/dir.opml").string()},
        dir.path());
    EXPECT_EQ(unwritable.exit_code, 1);
    EXPECT_NE(unwritable.err.find("no/such/dir.opml"), std::string::npos) << unwritable.err;

    const auto bad = write_file(dir / "bad.toml", "[[feed]]\nurl = 3\n");
    const auto broken = run_feedd({"opml", "export", "-c", bad.string()}, dir.path());
    EXPECT_EQ(broken.exit_code, 2);
    EXPECT_NE(broken.err.find("bad.toml:2"), std::string::npos) << broken.err;
    EXPECT_TRUE(broken.out.empty());
}

TEST(discover, lists_the_feeds_of_an_html_file) {
    temp_dir dir;
    const auto r = run_feedd({"discover", (data_dir / "discover/blog.html").string(), "--url",
                              "https://blog.example/index.html"},
                             dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("https://blog.example/site/feed.xml\tapplication/rss+xml\tPosts & news\n"),
              0U)
        << r.out;
    EXPECT_NE(r.out.find("https://blog.example/atom.xml\t"), std::string::npos) << r.out;

    const auto none =
        run_feedd({"discover", (data_dir / "discover/nofeeds.html").string()}, dir.path());
    EXPECT_EQ(none.exit_code, 1);
    EXPECT_TRUE(none.out.empty());
    EXPECT_NE(none.err.find("nofeeds.html: no feeds advertised"), std::string::npos) << none.err;
}

TEST(discover, titles_of_a_legacy_charset_page_come_out_as_utf8) {
    temp_dir dir;
    const auto r = run_feedd({"discover", "--json", (data_dir / "discover/cp1251.html").string(),
                              "--url", "http://ru.example/"},
                             dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto line = boost::json::parse(r.out).as_object();
    EXPECT_EQ(line.at("url").as_string(), "http://ru.example/rss");
    EXPECT_EQ(line.at("title").as_string(), "\u041d\u043e\u0432\u043e\u0441\u0442\u0438");
}

TEST(discover, fetches_a_page_over_http_and_resolves_against_its_final_url) {
    http_server server;
    server.set("/old", http_response::redirect(301, "/blog/"));
    server.set("/blog/", http_response::ok(R"(<html><head>
<link rel="alternate" type="application/atom+xml" title="Blog" href="feed.atom">
</head></html>)",
                                           "text/html; charset=utf-8"));
    temp_dir dir;
    const auto r = run_feedd({"discover", "--json", server.url("/old")}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto line = boost::json::parse(r.out).as_object();
    EXPECT_EQ(line.at("url").as_string(), server.url("/blog/feed.atom"));
    EXPECT_EQ(line.at("type"), "application/atom+xml");
    EXPECT_EQ(line.at("title"), "Blog");
    EXPECT_EQ(server.hits("/blog/"), 1);
}

TEST(discover, says_when_the_input_is_itself_a_feed) {
    http_server server;
    server.set("/feed.xml", http_response::ok(read_file(data_dir / "feeds/rss2_full.xml"),
                                              "application/rss+xml"));
    temp_dir dir;
    const auto r = run_feedd({"discover", "--json", server.url("/feed.xml")}, dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto line = boost::json::parse(r.out).as_object();
    EXPECT_EQ(line.at("self"), true);
    EXPECT_EQ(line.at("format"), "rss");
    EXPECT_EQ(line.at("url").as_string(), server.url("/feed.xml"));

    const auto file =
        run_feedd({"discover", (data_dir / "formats/atom03.xml").string()}, dir.path());
    ASSERT_EQ(file.exit_code, 0) << file.err;
    EXPECT_NE(file.out.find("is a feed (atom 0.3)"), std::string::npos) << file.out;
}

TEST(discover, a_failed_fetch_names_the_url_and_fails) {
    http_server server;
    server.set("/gone", http_response::error(404));
    temp_dir dir;
    const auto r = run_feedd({"discover", server.url("/gone")}, dir.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(r.err.find(server.url("/gone")), std::string::npos) << r.err;
}

}  // namespace
}  // namespace feedd::test
