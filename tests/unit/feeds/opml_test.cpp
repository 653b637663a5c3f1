#include "feeds/opml.hpp"

#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

using tags = std::vector<std::string>;

std::string data(const std::string& name) {
    return test::read_file(std::string(FEEDD_TEST_DATA) + "/opml/" + name);
}

const opml_feed* find(const opml_result& result, const std::string& url) {
    for (const auto& feed : result.feeds) {
        if (feed.url == url) return &feed;
    }
    return nullptr;
}

TEST(opml, nested_folders_become_tags_in_order) {
    const auto result = parse_opml(data("nested.opml"));
    ASSERT_TRUE(result) << result.error;

    const auto* wire = find(result, "https://wire.example/rss");
    ASSERT_NE(wire, nullptr);
    EXPECT_EQ(wire->title, "Wire");  // title wins over text
    // Every enclosing folder, outermost first; a folder's title wins over its text.
    EXPECT_EQ(wire->tags, (tags{"News", "World news"}));

    const auto* agence = find(result, "https://agence.example/feed.xml");  // lowercase xmlurl
    ASSERT_NE(agence, nullptr);
    EXPECT_EQ(agence->title, "Agence & Co");  // text when there is no title, entities decoded
    EXPECT_EQ(agence->tags, (tags{"News", "World news"}));
}

TEST(opml, category_attribute_adds_tags) {
    const auto result = parse_opml(data("nested.opml"));
    ASSERT_TRUE(result) << result.error;
    // Leaving the inner folder drops its tag; the URL is trimmed; "/Cities/Boston" splits.
    const auto* paper = find(result, "https://paper.example/atom");
    ASSERT_NE(paper, nullptr);
    EXPECT_EQ(paper->tags, (tags{"News", "Cities", "Boston", "weather"}));

    const auto* local = find(result, "feeds/local.xml");  // kept relative: the caller resolves it
    ASSERT_NE(local, nullptr);
    EXPECT_EQ(local->tags, tags{"solo"});
}

TEST(opml, outlines_without_feed_url_are_ignored) {
    const auto result = parse_opml(data("nested.opml"));
    ASSERT_TRUE(result) << result.error;
    std::vector<std::string> urls;
    for (const auto& feed : result.feeds)
        urls.push_back(feed.url);
    // type="link" with url=, type="rss" without any URL, and empty folders add nothing;
    // url= on type="rss" (OPML 1.0 exporters) counts. Document order is kept.
    EXPECT_EQ(urls,
              (std::vector<std::string>{
                  "https://wire.example/rss", "https://agence.example/feed.xml",
                  "https://paper.example/atom", "https://old.example/rss.xml", "feeds/local.xml"}));
    const auto* old = find(result, "https://old.example/rss.xml");
    ASSERT_NE(old, nullptr);
    EXPECT_TRUE(old->tags.empty());
}

TEST(opml, duplicate_tags_and_blank_parts_are_dropped) {
    const auto result = parse_opml(R"(<opml version="2.0"><body>
        <outline text="tech"><outline title=" " text="">
          <outline xmlUrl="https://a.example/" category="tech, ,/tech//linux/,linux" title=""/>
        </outline></outline></body></opml>)");
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feeds.size(), 1u);
    EXPECT_EQ(result.feeds[0].tags, (tags{"tech", "linux"}));
    EXPECT_FALSE(result.feeds[0].title.has_value());
}

TEST(opml, feed_outline_children_are_not_subscriptions) {
    const auto result = parse_opml(R"(<opml version="1.0"><body>
        <outline text="Feed" xmlUrl="https://a.example/rss">
          <outline text="Inner" xmlUrl="https://b.example/rss"/>
        </outline></body></opml>)");
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feeds.size(), 1u);
    EXPECT_EQ(result.feeds[0].url, "https://a.example/rss");
}

TEST(opml, declared_latin1_encoding_is_decoded) {
    const auto result = parse_opml(data("latin1.opml"));
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feeds.size(), 1u);
    EXPECT_EQ(result.feeds[0].title, "Caf\xc3\xa9");
}

// pugixml decodes only UTF-8/16/32 and Latin-1: a windows-1252 export (declared, or not
// declared and not UTF-8) kept its bytes, so tags and titles were not UTF-8.
TEST(opml, other_declared_encodings_and_stray_bytes_become_utf8) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        // A declared windows-1252 (é, €), a declared KOI8-R, and undeclared bytes that are no
        // UTF-8 (read as windows-1252).
        {"<?xml version=\"1.0\" encoding=\"windows-1252\"?>\n", "Caf\xe9 \x80"},
        {"<?xml version=\"1.0\" encoding=\"koi8-r\"?>\n", "\xee\xcf\xd7\xcf\xd3\xd4\xc9"},
        {"", "Caf\xe9"},
    };
    const std::vector<std::string> expected = {"Caf\xc3\xa9 \xe2\x82\xac", "Новости",
                                               "Caf\xc3\xa9"};
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const auto result =
            parse_opml(cases[i].first + "<opml><body><outline text=\"" + cases[i].second +
                       "\"><outline xmlUrl=\"https://a.example/\"/></outline></body></opml>");
        ASSERT_TRUE(result) << result.error;
        ASSERT_EQ(result.feeds.size(), 1u);
        EXPECT_EQ(result.feeds[0].tags, tags{expected[i]}) << i;
    }
}

TEST(opml, deep_nesting_does_not_exhaust_the_stack) {
    std::string doc = "<opml><body>";
    constexpr int depth = 20000;
    for (int i = 0; i < depth; ++i)
        doc += "<outline text=\"f\">";
    doc += "<outline xmlUrl=\"https://deep.example/\"/>";
    for (int i = 0; i < depth; ++i)
        doc += "</outline>";
    doc += "</body></opml>";
    const auto result = parse_opml(doc);
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feeds.size(), 1u);
    EXPECT_EQ(result.feeds[0].tags, tags{"f"});
}

// Each feed copies its folders' titles as tags, so one long folder title over many feeds
// asked for far more memory than the file holds (here 150 MiB from a 256 KiB file); the
// result is now bounded and such a file is refused whole, naming the line.
TEST(opml, a_folder_title_repeated_for_many_feeds_is_refused_not_multiplied) {
    std::string doc = "<opml><body>\n<outline text=\"" + std::string(256 * 1024, 'x') + "\">\n";
    for (int i = 0; i < 600; ++i)
        doc += fmt::format("<outline xmlUrl=\"https://f{}.example/\"/>\n", i);
    doc += "</outline></body></opml>";
    const auto result = parse_opml(doc);
    EXPECT_FALSE(result);
    EXPECT_TRUE(result.feeds.empty());
    EXPECT_NE(result.error.find("MiB"), std::string::npos) << result.error;
    EXPECT_EQ(result.error.rfind("line ", 0), 0u) << result.error;
}

// Thousands of distinct nested folders, or category parts, on one feed: each tag was
// searched for in the list so far (quadratic: minutes for these; the 400,000 category parts
// alone ~8 comparisons·10^10, past scripts/test's 300 s per test). Now linear. No wall time is
// asserted: the per-test timeout tells the two apart.
TEST(opml, many_distinct_folder_or_category_tags_take_linear_time) {
    constexpr int depth = 100000;
    std::string nested = "<opml><body>";
    for (int i = 0; i < depth; ++i)
        nested += fmt::format("<outline text=\"f{}\">", i);
    nested += "<outline xmlUrl=\"https://deep.example/\"/>";
    for (int i = 0; i < depth; ++i)
        nested += "</outline>";
    nested += "</body></opml>";
    std::string categories;
    for (int i = 0; i < 400000; ++i)
        categories += fmt::format("{}c{}", i == 0 ? "" : ",", i);
    const std::string flat = "<opml><body><outline xmlUrl=\"https://flat.example/\" category=\"" +
                             categories + "\"/></body></opml>";
    const auto deep = parse_opml(nested);
    const auto wide = parse_opml(flat);
    ASSERT_TRUE(deep) << deep.error;
    ASSERT_TRUE(wide) << wide.error;
    ASSERT_EQ(deep.feeds.size(), 1u);
    ASSERT_EQ(deep.feeds[0].tags.size(), static_cast<std::size_t>(depth));
    EXPECT_EQ(deep.feeds[0].tags.back(), "f99999");
    ASSERT_EQ(wide.feeds.size(), 1u);
    EXPECT_EQ(wide.feeds[0].tags.size(), 400000u);
}

// "Billion laughs": pugixml does not read the DOCTYPE's entity declarations, so nothing is
// expanded (the references stay as written) and the parse stays small and fast.
TEST(opml, entity_declarations_are_not_expanded) {
    std::string doc = "<?xml version=\"1.0\"?>\n<!DOCTYPE opml [\n<!ENTITY lol \"lol\">\n";
    for (int i = 1; i <= 9; ++i) {
        doc += fmt::format("<!ENTITY lol{} \"", i);
        for (int j = 0; j < 10; ++j)
            doc += i == 1 ? "&lol;" : fmt::format("&lol{};", i - 1);
        doc += "\">\n";
    }
    doc +=
        "<!ENTITY ext SYSTEM \"file:///etc/passwd\">\n]>\n<opml><body>"
        "<outline text=\"&lol9;\" category=\"&ext;\" xmlUrl=\"https://lol.example/\"/>"
        "</body></opml>";
    const auto result = parse_opml(doc);
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feeds.size(), 1u);
    EXPECT_EQ(result.feeds[0].title, "&lol9;");
    EXPECT_EQ(result.feeds[0].tags, tags{"&ext;"});
}

TEST(opml, malformed_document_reports_the_line) {
    const auto result = parse_opml(data("malformed.opml"));
    EXPECT_FALSE(result);
    // The unclosed <outline> on line 4 is detected at the mismatched </body> on line 5.
    EXPECT_EQ(result.error.rfind("line 5: ", 0), 0u) << result.error;
    EXPECT_NE(result.error.find("expected"), std::string::npos) << result.error;
    EXPECT_TRUE(result.feeds.empty());
}

TEST(opml, other_xml_is_not_opml) {
    const auto result = parse_opml(data("not_opml.xml"));
    EXPECT_FALSE(result);
    EXPECT_NE(result.error.find("line 2: "), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("<rss>"), std::string::npos) << result.error;
    EXPECT_NE(result.error.find("expected <opml>"), std::string::npos) << result.error;
}

TEST(opml, missing_body_and_empty_input_are_errors) {
    const auto no_body = parse_opml(data("no_body.opml"));
    EXPECT_FALSE(no_body);
    EXPECT_NE(no_body.error.find("no <body>"), std::string::npos) << no_body.error;

    const auto empty = parse_opml("");
    EXPECT_FALSE(empty);
    EXPECT_EQ(empty.error.rfind("line 1: ", 0), 0u) << empty.error;

    const auto text = parse_opml("just some text\n");
    EXPECT_FALSE(text);
}

TEST(opml, empty_body_is_valid_and_empty) {
    const auto result = parse_opml("<opml version=\"2.0\"><head/><body/></opml>");
    EXPECT_TRUE(result) << result.error;
    EXPECT_TRUE(result.feeds.empty());
}

// A hostile OPML file cannot put terminal escape sequences into `feedd feeds` (titles) or
// tags: C0 controls (as character references, which pugixml decodes), DEL and C1 controls
// are dropped from titles, folder labels and categories, as from feed titles.
TEST(opml, control_characters_are_dropped_from_titles_and_tags) {
    const auto result = parse_opml(
        "<opml version=\"2.0\"><body>"
        "<outline text=\"&#27;]0;owned&#7;World&#127;\">"
        "<outline text=\"&#27;[2J&#27;[31mRed\xC2\x9D"
        "31m News\" xmlUrl=\"https://a.example/rss\""
        " category=\"Sport&#27;[5m,/x&#8;y/z\"/>"
        "</outline>"
        "<outline title=\"&#27;[0m Two&#10;lines&#155;\" xmlUrl=\"https://b.example/rss\"/>"
        "</body></opml>");
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feeds.size(), 2u);
    EXPECT_EQ(result.feeds[0].title, "[2J[31mRed31m News");
    EXPECT_EQ(result.feeds[0].tags, (tags{"]0;ownedWorld", "Sport[5m", "xy", "z"}));
    EXPECT_EQ(result.feeds[1].title, "[0m Two\nlines\u203a");  // line breaks stay (opml_write)
    for (const auto& feed : result.feeds) {
        for (const auto& text : feed.tags) {
            EXPECT_EQ(text.find_first_of("\x1b\x07\x7f\x08\n"), std::string::npos) << text;
        }
    }
}

TEST(opml_write, round_trips_titles_tags_and_order_through_parse_opml) {
    const std::vector<opml_feed> feeds = {
        {"https://wire.example/rss", "Wire", {"News", "World"}},
        {"https://paper.example/atom?a=1&b=2", "Paper \"Daily\" <Edition> & Co", {"News"}},
        {"https://solo.example/feed", std::nullopt, {}},
        {"https://agency.example/rss", "Agency", {"News", "World"}},
        {"file:///var/feeds/local.xml", "Local", {"Mine", "\u00c9t\u00e9"}},
    };
    const std::string text = write_opml(feeds, "My <feeds>");
    const auto back = parse_opml(text);
    ASSERT_TRUE(back) << back.error << "\n" << text;
    ASSERT_EQ(back.feeds.size(), feeds.size()) << text;
    // Feeds sharing a folder path are written together, in first-appearance order.
    const std::vector<std::string> order = {
        "https://wire.example/rss", "https://agency.example/rss",
        "https://paper.example/atom?a=1&b=2", "https://solo.example/feed",
        "file:///var/feeds/local.xml"};
    for (std::size_t i = 0; i < order.size(); ++i) {
        EXPECT_EQ(back.feeds[i].url, order[i]);
    }
    for (const auto& original : feeds) {
        const auto* read = find(back, original.url);
        ASSERT_NE(read, nullptr) << original.url;
        EXPECT_EQ(read->title, original.title) << original.url;
        EXPECT_EQ(read->tags, original.tags) << original.url;
    }
    EXPECT_NE(text.find("<opml version=\"2.0\">"), std::string::npos);
    EXPECT_NE(text.find("<title>My &lt;feeds&gt;</title>"), std::string::npos);
    EXPECT_NE(text.find("xmlUrl=\"https://paper.example/atom?a=1&amp;b=2\""), std::string::npos);
}

TEST(opml_write, nested_fixture_survives_read_write_read) {
    const auto first = parse_opml(data("nested.opml"));
    ASSERT_TRUE(first) << first.error;
    const auto second = parse_opml(write_opml(first.feeds, "again"));
    ASSERT_TRUE(second) << second.error;
    ASSERT_EQ(second.feeds.size(), first.feeds.size());
    for (const auto& feed : first.feeds) {
        const auto* read = find(second, feed.url);
        ASSERT_NE(read, nullptr) << feed.url;
        EXPECT_EQ(read->title, feed.title);
        EXPECT_EQ(read->tags, feed.tags);
    }
}

TEST(opml_write, control_characters_and_line_breaks_are_safe) {
    const std::vector<opml_feed> feeds = {{"https://x.example/rss",
                                           std::string("Line\none\ttab\x01"
                                                       "bell\x0b"),
                                           {"a\nb"}}};
    const auto back = parse_opml(write_opml(feeds, "t\x02"));
    ASSERT_TRUE(back) << back.error;
    ASSERT_EQ(back.feeds.size(), 1U);
    EXPECT_EQ(back.feeds[0].title, "Line\none\ttabbell");
    EXPECT_EQ(back.feeds[0].tags, tags{"a\nb"});
}

TEST(opml_write, deep_tag_lists_go_to_the_category_attribute) {
    opml_feed feed{"https://deep.example/rss", "Deep", {}};
    for (std::size_t i = 0; i < max_opml_folder_depth + 5; ++i) {
        feed.tags.push_back(fmt::format("t{}", i));
    }
    const auto back = parse_opml(write_opml({feed}, "deep"));
    ASSERT_TRUE(back) << back.error;
    ASSERT_EQ(back.feeds.size(), 1U);
    EXPECT_EQ(back.feeds[0].tags, feed.tags);
}

TEST(opml_write, empty_list_is_valid_opml) {
    const auto back = parse_opml(write_opml({}, ""));
    ASSERT_TRUE(back) << back.error;
    EXPECT_TRUE(back.feeds.empty());
}

}  // namespace
}  // namespace feedd::feeds
