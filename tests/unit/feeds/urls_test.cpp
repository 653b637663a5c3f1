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
    // ".." above the root is dropped (RFC 3986 5.2.4); Boost.URL 1.81 kept it.
    EXPECT_EQ(resolve_url("http://example.org/feed.xml", "../../x.html?q=1"),
              "http://example.org/x.html?q=1");
    EXPECT_EQ(resolve_url("http://example.org/a/feed.xml", "../../.."), "http://example.org/");
    EXPECT_EQ(resolve_url("http://example.org/a/b.xml", "../..x/y"), "http://example.org/..x/y");
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

// Boost.URL 1.81's port_number() reads 83728 as 18192 (its overflow check misses it); the
// fetcher and the config read ports with tcp_port instead.
TEST(urls, tcp_port_accepts_1_to_65535_and_nothing_else) {
    EXPECT_EQ(tcp_port("1"), 1);
    EXPECT_EQ(tcp_port("8080"), 8080);
    EXPECT_EQ(tcp_port("65535"), 65535);
    EXPECT_EQ(tcp_port("0080"), 80);
    for (const char* bad : {"", "0", "000", "65536", "83728", "99999", "18446744073709551697", "-1",
                            "+80", "8o", " 80"}) {
        EXPECT_FALSE(tcp_port(bad).has_value()) << bad;
    }
}

TEST(urls, http_url_check) {
    EXPECT_TRUE(is_http_url("http://x"));
    EXPECT_TRUE(is_http_url("HTTPS://x"));
    EXPECT_FALSE(is_http_url("tag:x"));
    EXPECT_FALSE(is_http_url("/relative"));
}

// The extractors skip the xml:base walk for such references: resolve_url must return them as
// given (trimmed) whatever the base.
TEST(urls, a_reference_with_a_scheme_resolves_to_itself) {
    for (const char* ref : {"https://a.example/x", "mailto:a@b.example", "urn:uuid:1-2",
                            "tag:a.example,2005:x", "x-y+z.w:rest", "http:relative"}) {
        EXPECT_TRUE(starts_with_scheme(ref)) << ref;
        EXPECT_EQ(resolve_url("https://base.example/dir/", std::string("  ") + ref + "\n"), ref);
        EXPECT_EQ(resolve_url("not a base", ref), ref);
    }
    for (const char* ref : {"/x", "x/y:z", "../a", "?q=1", "#f", "", ":x", "1a:b", "a b:c"}) {
        EXPECT_FALSE(starts_with_scheme(ref)) << ref;
    }
}

}  // namespace
}  // namespace feedd::feeds
