// fetch_file (local files as if fetched), the outcome names, and HTTP-date handling.
#include "feeds/fetch.hpp"

#include <chrono>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "feeds/fetch_http_date.hpp"
#include "tests/support/temp_dir.hpp"

namespace {

using feedd::feeds::fetch_file;
using feedd::feeds::fetch_outcome;
using feedd::feeds::validators;
using feedd::test::temp_dir;
using feedd::test::write_file;

TEST(fetch_file, reads_the_file_with_validators_and_content_type) {
    temp_dir dir;
    auto path = write_file(dir / "feed.xml", "<rss/>");

    auto result = fetch_file(path, {}, 1024);

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, "<rss/>");
    EXPECT_EQ(result.content_type, "application/xml");
    ASSERT_TRUE(result.validators.etag);
    EXPECT_EQ(result.validators.etag->front(), '"');
    ASSERT_TRUE(result.validators.last_modified);
    EXPECT_TRUE(feedd::feeds::parse_http_date(*result.validators.last_modified))
        << *result.validators.last_modified;
    EXPECT_EQ(result.final_url, "file://" + std::filesystem::absolute(path).string());
    EXPECT_EQ(result.http_status, 0);
}

TEST(fetch_file, content_type_follows_the_extension) {
    temp_dir dir;
    EXPECT_EQ(fetch_file(write_file(dir / "f.json", "{}"), {}, 1024).content_type,
              "application/feed+json");
    EXPECT_EQ(fetch_file(write_file(dir / "f.rss", "x"), {}, 1024).content_type, "");
    EXPECT_EQ(fetch_file(write_file(dir / "f", "x"), {}, 1024).content_type, "");
}

TEST(fetch_file, unchanged_file_is_not_modified) {
    temp_dir dir;
    auto path = write_file(dir / "feed.xml", "<rss/>");
    auto first = fetch_file(path, {}, 1024);

    auto by_both = fetch_file(path, first.validators, 1024);
    auto by_date = fetch_file(path, {std::nullopt, first.validators.last_modified}, 1024);

    EXPECT_EQ(by_both.outcome, fetch_outcome::not_modified);
    EXPECT_TRUE(by_both.body.empty());
    EXPECT_EQ(by_both.validators.etag, first.validators.etag);
    EXPECT_EQ(by_date.outcome, fetch_outcome::not_modified);
}

TEST(fetch_file, changed_file_is_read_again) {
    temp_dir dir;
    auto path = write_file(dir / "feed.xml", "<rss/>");
    auto first = fetch_file(path, {}, 1024);
    write_file(path, "<rss>new</rss>");
    // Force a different mtime even on coarse file systems.
    std::filesystem::last_write_time(
        path, std::filesystem::last_write_time(path) + std::chrono::seconds(2));

    auto second = fetch_file(path, first.validators, 1024);

    EXPECT_EQ(second.outcome, fetch_outcome::ok) << second.error;
    EXPECT_EQ(second.body, "<rss>new</rss>");
    EXPECT_NE(second.validators.etag, first.validators.etag);
    EXPECT_NE(second.validators.last_modified, first.validators.last_modified);
}

TEST(fetch_file, same_second_rewrite_changes_the_etag) {
    temp_dir dir;
    auto path = write_file(dir / "feed.xml", "aaaa");
    const auto mtime = std::filesystem::last_write_time(path);
    auto first = fetch_file(path, {}, 1024);
    write_file(path, "bbbb");  // same size
    std::filesystem::last_write_time(path, mtime + std::chrono::milliseconds(1));

    auto second = fetch_file(path, first.validators, 1024);

    EXPECT_EQ(second.outcome, fetch_outcome::ok);
    EXPECT_EQ(second.body, "bbbb");
}

TEST(fetch_file, missing_file_is_network) {
    temp_dir dir;

    auto result = fetch_file(dir / "absent.xml", {}, 1024);

    EXPECT_EQ(result.outcome, fetch_outcome::network);
    EXPECT_NE(result.error.find("no such file"), std::string::npos) << result.error;
}

TEST(fetch_file, directory_is_network) {
    temp_dir dir;
    EXPECT_EQ(fetch_file(dir.path(), {}, 1024).outcome, fetch_outcome::network);
}

TEST(fetch_file, over_the_cap_is_too_large) {
    temp_dir dir;
    auto path = write_file(dir / "feed.xml", std::string(101, 'x'));

    auto over = fetch_file(path, {}, 100);
    auto exact = fetch_file(path, {}, 101);

    EXPECT_EQ(over.outcome, fetch_outcome::too_large);
    EXPECT_TRUE(over.body.empty());
    EXPECT_EQ(exact.outcome, fetch_outcome::ok);
    EXPECT_EQ(exact.body.size(), 101u);
}

TEST(fetch_outcome_names, round_trip) {
    for (auto outcome :
         {fetch_outcome::ok, fetch_outcome::not_modified, fetch_outcome::network,
          fetch_outcome::timeout, fetch_outcome::tls, fetch_outcome::http_client,
          fetch_outcome::http_server, fetch_outcome::too_large, fetch_outcome::not_a_feed}) {
        auto name = std::string(feedd::feeds::to_string(outcome));
        EXPECT_EQ(feedd::feeds::fetch_outcome_from_string(name), outcome) << name;
    }
    EXPECT_STREQ(feedd::feeds::to_string(fetch_outcome::not_modified), "not_modified");
    EXPECT_STREQ(feedd::feeds::to_string(fetch_outcome::http_client), "http_client");
    EXPECT_FALSE(feedd::feeds::fetch_outcome_from_string("OK"));
    EXPECT_FALSE(feedd::feeds::fetch_outcome_from_string(""));
}

TEST(http_date, formats_imf_fixdate) {
    using namespace std::chrono;
    auto t = sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(37);
    EXPECT_EQ(feedd::feeds::format_http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(feedd::feeds::format_http_date(t + milliseconds(999)),
              "Sun, 06 Nov 1994 08:49:37 GMT");
}

TEST(http_date, parses_the_three_forms) {
    using namespace std::chrono;
    const system_clock::time_point expected =
        sys_days{year{1994} / November / 6} + hours(8) + minutes(49) + seconds(37);
    EXPECT_EQ(feedd::feeds::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), expected);
    EXPECT_EQ(feedd::feeds::parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), expected);
    EXPECT_EQ(feedd::feeds::parse_http_date("Sun Nov  6 08:49:37 1994"), expected);
}

TEST(http_date, rejects_garbage) {
    EXPECT_FALSE(feedd::feeds::parse_http_date(""));
    EXPECT_FALSE(feedd::feeds::parse_http_date("120"));
    EXPECT_FALSE(feedd::feeds::parse_http_date("Sun, 31 Feb 1994 08:49:37 GMT"));
    EXPECT_FALSE(feedd::feeds::parse_http_date("Sun, 06 Nov 1994 25:49:37 GMT"));
    EXPECT_FALSE(feedd::feeds::parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"));
}

}  // namespace
