#include "feeds/parse_json.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace feedd::feeds {
namespace {

namespace json = boost::json;
using namespace std::chrono;

TEST(parse_json, empty_feed_has_every_key_with_null) {
    feed f;
    const auto v = json::parse(to_json(f)).as_object();
    EXPECT_EQ(v.at("format"), "rss");
    for (const char* key :
         {"version", "title", "link", "feed_url", "description", "language", "updated", "image"}) {
        ASSERT_TRUE(v.contains(key)) << key;
        EXPECT_TRUE(v.at(key).is_null()) << key;
    }
    EXPECT_TRUE(v.at("items").as_array().empty());
}

TEST(parse_json, item_fields_and_date_format) {
    feed f;
    f.format = feed_format::atom;
    f.version = "1.0";
    f.updated = sys_days{2025y / 6 / 14} + 12h + 3min + 4s;
    item it;
    it.title = "T \"quoted\" \u00e9";
    it.published = sys_days{2025y / 6 / 14};
    it.authors.push_back({"Ann", std::nullopt, "http://a"});
    it.categories = {"x"};
    it.enclosures.push_back({"http://e/a.mp3", "audio/mpeg", 12});
    it.enclosures.push_back({"http://e/b", std::nullopt, std::nullopt});
    f.items.push_back(it);
    const auto v = json::parse(to_json(f)).as_object();
    EXPECT_EQ(v.at("format"), "atom");
    EXPECT_EQ(v.at("updated"), "2025-06-14T12:03:04Z");
    const auto& i = v.at("items").as_array().at(0).as_object();
    for (const char* key : {"id", "title", "link", "published", "updated", "authors", "summary",
                            "content_html", "categories", "enclosures"}) {
        EXPECT_TRUE(i.contains(key)) << key;
    }
    EXPECT_EQ(i.at("title"), "T \"quoted\" \u00e9");
    EXPECT_EQ(i.at("published"), "2025-06-14T00:00:00Z");
    EXPECT_TRUE(i.at("updated").is_null());
    const auto& author = i.at("authors").as_array().at(0).as_object();
    EXPECT_EQ(author.at("name"), "Ann");
    EXPECT_TRUE(author.at("email").is_null());
    EXPECT_EQ(i.at("categories").as_array().at(0), "x");
    const auto& encs = i.at("enclosures").as_array();
    EXPECT_EQ(encs.at(0).as_object().at("length"), 12);
    EXPECT_TRUE(encs.at(1).as_object().at("type").is_null());
    EXPECT_TRUE(encs.at(1).as_object().at("length").is_null());
}

}  // namespace
}  // namespace feedd::feeds
