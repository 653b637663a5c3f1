// Whole-document fixtures: each tests/data/feeds/<case> is parsed and rendered,
// and must equal <case-stem>.expected.json (compared as JSON values).
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "feeds/parse.hpp"
#include "feeds/parse_json.hpp"

namespace feedd::feeds {
namespace {

namespace json = boost::json;

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

struct fixture {
    const char* file;
    const char* url;
    const char* content_type;
};

class parse_fixtures : public testing::TestWithParam<fixture> {};

TEST_P(parse_fixtures, matches_expected_json) {
    const auto& fx = GetParam();
    const std::string dir = std::string(FEEDD_TEST_DATA) + "/feeds/";
    const std::string bytes = read_file(dir + fx.file);
    ASSERT_FALSE(bytes.empty()) << fx.file;
    const std::string stem = std::string(fx.file).substr(0, std::string(fx.file).rfind('.'));
    const std::string expected_text = read_file(dir + stem + ".expected.json");
    ASSERT_FALSE(expected_text.empty()) << stem;

    const auto result = parse(bytes, fx.url, fx.content_type);
    ASSERT_TRUE(result) << result.error;
    const json::value got = json::parse(to_json(*result.feed));
    const json::value expected = json::parse(expected_text);
    EXPECT_EQ(got, expected) << "got:\n" << json::serialize(got);
}

INSTANTIATE_TEST_SUITE_P(
    feeds, parse_fixtures,
    testing::Values(fixture{"rss2_full.xml", "https://news.example.com/rss", ""},
                    fixture{"atom10_xml_base.xml", "", ""},
                    fixture{"rdf_latin1.xml", "", "application/rdf+xml"},
                    fixture{"jsonfeed11.json", "https://json.example.net/feed.json",
                            "application/feed+json"},
                    fixture{"rss091_sloppy.xml", "", "text/xml"}),
    [](const testing::TestParamInfo<fixture>& param_info) {
        std::string name = param_info.param.file;
        for (char& c : name) {
            if (c == '.' || c == '-') {
                c = '_';
            }
        }
        return name;
    });

// Spot checks of the fixtures' hardest rules, so a wrong regenerated expectation
// file can't silently bless a regression.
TEST(parse_fixtures_spot, key_values) {
    const std::string dir = std::string(FEEDD_TEST_DATA) + "/feeds/";
    const auto rss = parse(read_file(dir + "rss2_full.xml"), "https://news.example.com/rss", "");
    ASSERT_TRUE(rss) << rss.error;
    EXPECT_EQ(rss.feed->items.at(1).link, "https://news.example.com/world/2025/06/14/second");
    EXPECT_EQ(format_rfc3339(rss.feed->items.at(1).published.value()), "2025-06-14T13:00:00Z");
    EXPECT_EQ(rss.feed->items.at(0).enclosures.at(0).url,
              "https://news.example.com/audio/call.mp3");

    const auto atom = parse(read_file(dir + "atom10_xml_base.xml"), "", "");
    ASSERT_TRUE(atom) << atom.error;
    EXPECT_EQ(atom.feed->items.at(0).link, "http://blog.example.org/2005/07/post.html");
    EXPECT_EQ(atom.feed->items.at(1).title, "Plain <text> title");

    const auto rdf = parse(read_file(dir + "rdf_latin1.xml"), "", "");
    ASSERT_TRUE(rdf) << rdf.error;
    EXPECT_EQ(rdf.feed->items.at(0).title, "\u00c9t\u00e9 br\u00fblant");

    const auto sloppy = parse(read_file(dir + "rss091_sloppy.xml"), "", "");
    ASSERT_TRUE(sloppy) << sloppy.error;
    EXPECT_EQ(sloppy.feed->items.size(), 1U);  // the truncated second item is dropped
    EXPECT_EQ(sloppy.feed->items.at(0).summary, "Line one Line two bold");
}

}  // namespace
}  // namespace feedd::feeds
