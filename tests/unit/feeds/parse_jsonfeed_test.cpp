#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feeds/parse.hpp"

namespace feedd::feeds {
namespace {

std::string date(const std::optional<timestamp>& t) {
    return t ? format_rfc3339(*t) : "null";
}

TEST(parse_jsonfeed, version_1_1) {
    const auto result = parse(R"({
  "version": "https://jsonfeed.org/version/1.1",
  "title": "My <Example> Feed",
  "home_page_url": "https://example.org/",
  "feed_url": "https://example.org/feed.json",
  "description": "desc",
  "language": "en",
  "icon": "/icon.png",
  "items": [
    {"id": "2", "url": "/second", "title": "Second", "content_html": "<p>Hello</p>",
     "summary": "sum", "date_published": "2020-02-02T10:00:00+01:00",
     "authors": [{"name": "Ann", "url": "https://ann.example"}], "tags": ["a", "b"],
     "attachments": [{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg", "size_in_bytes": 42}]},
    {"id": 1, "content_text": "1 < 2", "date_modified": "2020-01-01T00:00:00Z"}
  ]})",
                              "https://example.org/feed.json", "application/feed+json");
    ASSERT_TRUE(result) << result.error;
    const auto& f = *result.feed;
    EXPECT_EQ(f.format, feed_format::json);
    EXPECT_EQ(f.version, "1.1");
    EXPECT_EQ(f.title, "My <Example> Feed");
    EXPECT_EQ(f.link, "https://example.org/");
    EXPECT_EQ(f.feed_url, "https://example.org/feed.json");
    EXPECT_EQ(f.language, "en");
    EXPECT_EQ(f.image, "https://example.org/icon.png");
    EXPECT_EQ(date(f.updated), "2020-02-02T09:00:00Z");
    ASSERT_EQ(f.items.size(), 2U);
    const auto& a = f.items[0];
    EXPECT_EQ(a.id, "2");
    EXPECT_EQ(a.link, "https://example.org/second");
    EXPECT_EQ(a.content_html, "<p>Hello</p>");
    EXPECT_EQ(a.summary, "sum");
    EXPECT_EQ(date(a.published), "2020-02-02T09:00:00Z");
    EXPECT_EQ(a.authors.at(0).name, "Ann");
    EXPECT_EQ(a.categories, (std::vector<std::string>{"a", "b"}));
    ASSERT_EQ(a.enclosures.size(), 1U);
    EXPECT_EQ(a.enclosures[0].length, 42);
    const auto& b = f.items[1];
    EXPECT_EQ(b.id, "1");
    EXPECT_EQ(b.content_html, "1 &lt; 2");
    EXPECT_FALSE(b.title.has_value());
    EXPECT_EQ(date(b.updated), "2020-01-01T00:00:00Z");
}

TEST(parse_jsonfeed, version_1_0_single_author) {
    const auto result = parse(R"({"version": "https://jsonfeed.org/version/1", "title": "t",
      "items": [{"id": "x", "author": {"name": "Bob"}}]})",
                              "", "");
    ASSERT_TRUE(result) << result.error;
    EXPECT_EQ(result.feed->version, "1.0");
    EXPECT_EQ(result.feed->items.at(0).authors.at(0).name, "Bob");
}

TEST(parse_jsonfeed, json_that_is_not_a_feed_is_an_error) {
    EXPECT_FALSE(parse(R"({"hello": "world"})", "", ""));
    EXPECT_FALSE(parse(R"({"version": )", "", ""));
    EXPECT_FALSE(parse(R"([1, 2])", "", ""));
}

TEST(parse_jsonfeed, wrongly_typed_fields_are_ignored) {
    const auto result = parse(R"({"version": "https://jsonfeed.org/version/1.1", "title": 5,
      "items": [{"id": {"x": 1}, "tags": "notalist", "attachments": [{"url": 3}, {"nourl": true}]}, 7]})",
                              "", "");
    ASSERT_TRUE(result) << result.error;
    EXPECT_FALSE(result.feed->title.has_value());
    ASSERT_EQ(result.feed->items.size(), 1U);
    EXPECT_FALSE(result.feed->items[0].id.has_value());
    EXPECT_TRUE(result.feed->items[0].enclosures.empty());
}

// A size is a count of bytes: a double past int64 was cast to INT64_MIN (undefined), and
// negative or fractional sizes were kept.
TEST(parse_jsonfeed, size_in_bytes_is_kept_only_as_a_whole_non_negative_int64) {
    const std::pair<const char*, std::optional<std::int64_t>> cases[] = {
        {"42", 42},
        {"0", 0},
        {"1e3", 1000},
        {"4096.0", 4096},
        {"9223372036854775807", INT64_MAX},
        {"1e300", std::nullopt},
        {"-1e300", std::nullopt},
        {"9.3e18", std::nullopt},               // past INT64_MAX as a double
        {"9223372036854775808", std::nullopt},  // past INT64_MAX as an integer
        {"-5", std::nullopt},
        {"-0.5", std::nullopt},
        {"1.5", std::nullopt},
        {"\"42\"", std::nullopt},
        {"null", std::nullopt},
    };
    for (const auto& [size, expected] : cases) {
        const auto result = parse(
            std::string(R"({"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "1",)"
                        R"( "attachments": [{"url": "http://a.example/b", "size_in_bytes": )") +
                size + "}]}]}",
            "", "");
        ASSERT_TRUE(result) << size << ": " << result.error;
        ASSERT_EQ(result.feed->items.at(0).enclosures.size(), 1U) << size;
        EXPECT_EQ(result.feed->items[0].enclosures[0].length, expected) << size;
    }
}

// JSON strings reach the model unfiltered; control characters in them were printed to the
// terminal by `feedd query items` (the audit's esc.json sets the window title).
TEST(parse_jsonfeed, strings_lose_terminal_control_characters) {
    const auto result = parse(R"({"version": "https://jsonfeed.org/version/1.1",
      "title": "evil\u001b]0;pwned\u0007\u001b[2J",
      "description": "d\u009b1m\u007f",
      "items": [{"id": "e\u00001", "title": "\u001b[31mRED\u001b[0m don\u0092t",
                 "summary": "s\u009d\u0090", "content_text": "a\tb\nc\r\u001b",
                 "authors": [{"name": "A\u001bnn"}], "tags": ["t\u0085ag"],
                 "attachments": [{"url": "http://a.example/b", "mime_type": "audio/\u001bmpeg"}]}]})",
                              "", "");
    ASSERT_TRUE(result) << result.error;
    const auto& f = *result.feed;
    EXPECT_EQ(f.title, "evil]0;pwned[2J");
    EXPECT_EQ(f.description, "d\u203a1m");  // C1 as windows-1252, as decode_document does
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_EQ(it.id, "e1");
    EXPECT_EQ(it.title, "[31mRED[0m don\u2019t");
    EXPECT_EQ(it.summary, "s");  // 0x9D and 0x90 are no windows-1252 character
    EXPECT_EQ(it.content_html, "a\tb\nc\r");
    EXPECT_EQ(it.authors.at(0).name, "Ann");
    EXPECT_EQ(it.categories, (std::vector<std::string>{"t\u2026ag"}));
    EXPECT_EQ(it.enclosures.at(0).type, "audio/mpeg");
}

TEST(parse_jsonfeed, a_control_beside_a_space_leaves_no_double_or_outer_space) {
    // The fields are collapsed and trimmed before the controls go: the gap a control leaves
    // must not show (" Breaking", "x  y"), and an id must not change by a trailing space.
    const auto result = parse(R"({"version": "https://jsonfeed.org/version/1.1",
      "title": "\u001b Breaking",
      "items": [{"id": "g \u007f", "title": "a \u001b b", "summary": "x \u009d y",
                 "tags": ["\u001b"], "authors": [{"name": " \u001b"}]}]})",
                              "", "");
    ASSERT_TRUE(result) << result.error;
    const auto& f = *result.feed;
    EXPECT_EQ(f.title, "Breaking");
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_EQ(it.id, "g");
    EXPECT_EQ(it.title, "a b");
    EXPECT_EQ(it.summary, "x y");
    EXPECT_TRUE(it.categories.empty());
    for (const auto& author : it.authors)
        EXPECT_FALSE(author.name) << *author.name;
}

// Boost.JSON refuses a surrogate escape without its pair; one such title used to cost every item
// of the feed. It reads as U+FFFD, like a lone surrogate in a UTF-16 document; a proper pair, an
// escaped backslash before "u" and the same bytes outside a string are left alone.
TEST(parse_jsonfeed, a_lone_surrogate_escape_costs_one_character_not_the_feed) {
    const auto result = parse(R"({"version": "https://jsonfeed.org/version/1.1",
      "title": "lead \ud83d alone",
      "items": [{"id": "1", "title": "pair \ud83d\ude00 ok"},
                {"id": "2", "title": "trail \udc00 alone, lead at the end \ud800"},
                {"id": "3", "title": "two leads \ud800\ud800\udc00 then text"},
                {"id": "4", "title": "not an escape \\ud800 here", "tags": ["\"\ud800"]},
                {"id": "5", "title": "fine"}]})",
                              "", "");
    ASSERT_TRUE(result) << result.error;
    const auto& f = *result.feed;
    EXPECT_EQ(f.title, "lead \uFFFD alone");
    ASSERT_EQ(f.items.size(), 5U);
    EXPECT_EQ(f.items[0].title, "pair \U0001F600 ok");
    EXPECT_EQ(f.items[1].title, "trail \uFFFD alone, lead at the end \uFFFD");
    EXPECT_EQ(f.items[2].title, "two leads \uFFFD\U00010000 then text");
    EXPECT_EQ(f.items[3].title, "not an escape \\ud800 here");
    EXPECT_EQ(f.items[3].categories, (std::vector<std::string>{"\"\uFFFD"}));
    EXPECT_EQ(f.items[4].title, "fine");
}

}  // namespace
}  // namespace feedd::feeds
