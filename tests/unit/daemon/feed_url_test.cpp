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

TEST(feed_url, host_key_is_the_lowercased_host_and_empty_for_files) {
    EXPECT_EQ(host_key("https://Feeds.Example.ORG:8443/rss"), "feeds.example.org");
    EXPECT_EQ(host_key("http://127.0.0.1:8080/feeds/1.xml"), "127.0.0.1");
    EXPECT_EQ(host_key("file:///srv/feed.xml"), "");
}

}  // namespace
}  // namespace feedd::daemon
