#include "feeds/urls.hpp"

#include <gtest/gtest.h>

namespace feedd::feeds {
namespace {

TEST(urls, resolves_relative_references) {
    EXPECT_EQ(resolve_url("http://example.com/feeds/rss.xml", "/post/1"),
              "http://example.com/post/1");
    EXPECT_EQ(resolve_url("http://example.com/feeds/rss.xml", "post/1"),
              "http://example.com/feeds/post/1");
    EXPECT_EQ(resolve_url("http://example.com/a/b/", "../c"), "http://example.com/a/c");
    EXPECT_EQ(resolve_url("https://example.com/x", "//cdn.example.net/i.png"),
              "https://cdn.example.net/i.png");
    EXPECT_EQ(resolve_url("http://example.com/x?y", "#frag"), "http://example.com/x?y#frag");
}

TEST(urls, absolute_references_stay_as_given) {
    EXPECT_EQ(resolve_url("http://example.com/", "https://other.org/p"), "https://other.org/p");
    EXPECT_EQ(resolve_url("http://example.com/", "tag:example.com,2004:1"),
              "tag:example.com,2004:1");
}

TEST(urls, without_a_usable_base_the_reference_is_kept) {
    EXPECT_EQ(resolve_url("", "/post/1"), "/post/1");
    EXPECT_EQ(resolve_url("not a url", "post"), "post");
    EXPECT_EQ(resolve_url("http://example.com/", "  http://example.com/p  "),
              "http://example.com/p");
}

TEST(urls, stray_characters_are_encoded_rather_than_dropped) {
    EXPECT_EQ(resolve_url("http://example.com/", "a b"), "http://example.com/a%20b");
}

TEST(urls, http_url_check) {
    EXPECT_TRUE(is_http_url("http://x"));
    EXPECT_TRUE(is_http_url("HTTPS://x"));
    EXPECT_FALSE(is_http_url("tag:x"));
    EXPECT_FALSE(is_http_url("/relative"));
}

}  // namespace
}  // namespace feedd::feeds
