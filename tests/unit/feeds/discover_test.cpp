#include "feeds/discover.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/random_edits.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

std::string data(const std::string& name) {
    return test::read_file(std::string(FEEDD_TEST_DATA) + "/discover/" + name);
}

TEST(discover, finds_feed_links_in_any_quoting_and_order_resolved_against_base) {
    const auto found = discover_feeds(data("blog.html"), "https://blog.example/index.html");
    ASSERT_EQ(found.size(), 5U);
    EXPECT_EQ(found[0].url, "https://blog.example/site/feed.xml");
    EXPECT_EQ(found[0].type, "application/rss+xml");
    EXPECT_EQ(found[0].title, "Posts & news");                 // entities decoded
    EXPECT_EQ(found[1].url, "https://blog.example/atom.xml");  // upper case, single quotes
    EXPECT_EQ(found[1].type, "application/atom+xml");
    EXPECT_EQ(found[1].title, "Atom");
    EXPECT_EQ(found[2].url, "https://blog.example/site/comments.json");  // unquoted values
    EXPECT_EQ(found[2].type, "application/feed+json");
    EXPECT_EQ(found[3].url, "https://other.example/rss");  // multi-line tag, type parameters
    EXPECT_FALSE(found[3].title.has_value());
    EXPECT_EQ(found[4].url, "https://blog.example/all-posts");  // rel="feed" needs no type
    EXPECT_FALSE(found[4].type.has_value());
}

TEST(discover, ignores_links_in_title_script_style_and_comments) {
    const auto found = discover_feeds(data("blog.html"), "https://blog.example/");
    for (const auto& feed : found) {
        EXPECT_EQ(feed.url.find("/in-"), std::string::npos) << feed.url;
        EXPECT_NE(feed.url, "https://blog.example/rss.xml") << "an <a> is not a <link>";
        EXPECT_EQ(feed.url.find("oembed"), std::string::npos) << feed.url;
    }
}

TEST(discover, without_base_links_resolve_against_the_page_url) {
    const auto found =
        discover_feeds(R"(<link rel=alternate type="application/atom+xml" href="../feed.atom">)",
                       "http://example.org/a/b/page.html");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].url, "http://example.org/a/feed.atom");
}

TEST(discover, without_any_url_relative_links_stay_as_given) {
    const auto found =
        discover_feeds(R"(<link rel="alternate" type="application/rss+xml" href="rss.xml">)", "");
    ASSERT_EQ(found.size(), 1U);
    EXPECT_EQ(found[0].url, "rss.xml");
}

TEST(discover, page_without_feeds_gives_nothing) {
    EXPECT_TRUE(discover_feeds(data("nofeeds.html"), "https://x.example/").empty());
    EXPECT_TRUE(discover_feeds("", "").empty());
}

TEST(discover, truncated_and_hostile_markup_is_survived) {
    EXPECT_TRUE(
        discover_feeds("<link rel=\"alternate\" type=\"application/rss+xml\" href=\"", "").empty());
    EXPECT_TRUE(
        discover_feeds("<script><link rel=alternate type=application/rss+xml href=x>", "").empty());
    EXPECT_TRUE(
        discover_feeds("<!-- <link rel=alternate type=application/rss+xml href=x>", "").empty());
    EXPECT_TRUE(discover_feeds(std::string(100000, '<'), "").empty());
    // An unclosed tag at the end still counts: browsers would not, but nothing is lost.
    const auto open = discover_feeds("<link rel=alternate type=application/rss+xml href=x", "");
    ASSERT_EQ(open.size(), 1U);
    EXPECT_EQ(open[0].url, "x");
}

TEST(discover, meta_charset) {
    EXPECT_EQ(html_meta_charset(data("blog.html")), "utf-8");
    EXPECT_EQ(html_meta_charset(R"(<html><head><!-- <meta charset="koi8-r"> -->
<META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset='Windows-1251'"></head>)"),
              "windows-1251");
    EXPECT_EQ(html_meta_charset("<meta name=description content=x>"), "");
    EXPECT_EQ(html_meta_charset(data("nofeeds.html")), "");
}

TEST(discover, feed_types) {
    EXPECT_TRUE(is_feed_type("application/rss+xml"));
    EXPECT_TRUE(is_feed_type("Application/Atom+XML"));
    EXPECT_TRUE(is_feed_type("application/feed+json"));
    EXPECT_TRUE(is_feed_type("application/json"));
    EXPECT_TRUE(is_feed_type("application/rdf+xml"));
    EXPECT_TRUE(is_feed_type("application/x.atom+xml"));
    EXPECT_TRUE(is_feed_type("application/rss+xml; charset=utf-8"));
    EXPECT_FALSE(is_feed_type("text/html"));
    EXPECT_FALSE(is_feed_type("application/json+oembed"));
    EXPECT_FALSE(is_feed_type(""));
}

TEST(discover, arbitrary_edits_of_a_page_never_crash) {
    std::mt19937 rng(20261128);  // fixed seed: deterministic
    const std::string page = data("blog.html");
    for (int round = 0; round < 2000; ++round) {
        const auto doc = test::randomly_edited(page, rng, 40, "<>&;\"'/=!- ");
        for (const auto& feed : discover_feeds(doc, "https://blog.example/")) {
            EXPECT_FALSE(feed.url.empty());
        }
    }
}

}  // namespace
}  // namespace feedd::feeds
