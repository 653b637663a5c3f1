#include "daemon/feed_url.hpp"

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

TEST(feed_url, file_url_gives_the_decoded_path) {
    EXPECT_EQ(file_url_path("file:///srv/feeds/a%20b.xml"),
              std::filesystem::path("/srv/feeds/a b.xml"));
    EXPECT_EQ(file_url_path("https://example.org/feed.xml"), std::nullopt);
    EXPECT_EQ(file_url_path("not a url"), std::nullopt);
}

TEST(feed_url, host_key_is_the_registrable_domain_and_empty_for_files) {
    EXPECT_EQ(host_key("https://Feeds.Example.ORG:8443/rss"), "example.org");
    EXPECT_EQ(host_key("https://news.bbc.co.uk/rss.xml"), "bbc.co.uk");
    EXPECT_EQ(host_key("https://a.example.co.uk/x"), host_key("https://b.example.co.uk/y"));
    EXPECT_EQ(host_key("https://alice.github.io/feed.xml"), "alice.github.io");
    EXPECT_EQ(host_key("http://localhost:8080/feed.xml"), "localhost");
    EXPECT_EQ(host_key("http://127.0.0.1:8080/feeds/1.xml"), "127.0.0.1");
    EXPECT_EQ(host_key("file:///srv/feed.xml"), "");
}

TEST(feed_url, loopback_hosts_are_recognised) {
    EXPECT_TRUE(is_loopback_host("127.0.0.1"));
    EXPECT_TRUE(is_loopback_host("localhost"));
    EXPECT_TRUE(is_loopback_host("[::1]"));
    EXPECT_FALSE(is_loopback_host("example.org"));
    EXPECT_FALSE(is_loopback_host("127.example.org"));
}

}  // namespace
}  // namespace feedd::daemon
