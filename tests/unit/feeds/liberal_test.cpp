// The liberal-XML recovery paths, one hand-written fixture each (tests/data/liberal/).
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "feeds/charset.hpp"
#include "feeds/parse.hpp"
#include "tests/support/block_offsets.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

feed parse_fixture(const std::string& name) {
    const std::string bytes = test::read_file(std::string(FEEDD_TEST_DATA) + "/liberal/" + name);
    EXPECT_FALSE(bytes.empty()) << name;
    auto result = parse(bytes, "", "");
    EXPECT_TRUE(result) << name << ": " << result.error;
    return result.feed.value_or(feed{});
}

TEST(liberal, html_entities_and_bare_ampersands) {
    const auto f = parse_fixture("html_entities.xml");
    EXPECT_EQ(f.title, "Fish & Chips \u2014 \u201cCaf\u00e9\u201d \u2026");
    EXPECT_EQ(f.link, "http://chips.example/?a=1&b=2");
    EXPECT_EQ(
        f.description,
        "Tom & Jerry \u00a9 2024 &unknownentity; \u20ac5 \u20ac6 \u2013");  // &#150; is cp1252
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].title, "AT&T");
}

TEST(liberal, junk_before_the_prolog_and_control_characters) {
    const auto f = parse_fixture("junk_and_controls.xml");
    EXPECT_EQ(f.title, "After junk");
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].title, "abc");
}

// repair() looks for '<', '&' and control characters 16 bytes at a time: each, at every
// offset across those blocks, is found and repaired (controls dropped, a bare '&' and an HTML
// entity kept as text, a stray '<' escaped).
TEST(liberal, repairs_are_found_at_every_offset) {
    const std::pair<std::string, std::string> cases[] = {
        {"\x01", ""}, {"\x1f", ""}, {"&", "&"}, {"&eacute;", "\u00e9"}, {"< ", "< "}};
    for (const auto& at : test::block_offsets()) {
        for (const auto& [raw, text] : cases) {
            const auto result = parse(
                "<rss version=\"2.0\"><channel><title>" + at.with(raw) + "</title></channel></rss>",
                "", "");
            ASSERT_TRUE(result) << at.left.size() << ": " << result.error;
            EXPECT_EQ(result.feed->title, at.with(text)) << "offset " << at.left.size();
        }
    }
}

// repair() drops control characters from text but passes CDATA over, so an ESC in a CDATA
// title reached the terminal through `feedd query items`. DEL, and references to the C1
// codes windows-1252 has no character for, went through in text too.
TEST(liberal, control_characters_in_cdata_and_references_are_dropped) {
    const auto result = parse(
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">"
        "<channel><title><![CDATA[t\x1b]0;pwned\x07]]></title>"
        "<item><title><![CDATA[y\x1b[31mRED\x7f]]></title><guid>g\x7f"
        "1</guid>"
        "<description><![CDATA[<p>a\x1b[2Jb\x01</p>]]></description>"
        "<content:encoded><![CDATA[<p>c\x1b\x08</p>]]></content:encoded>"
        "<category>x&#x9D;y&#144;z&#x9B;</category><author>e\x7f@x.example</author></item>"
        "</channel></rss>",
        "", "");
    ASSERT_TRUE(result) << result.error;
    const auto& f = *result.feed;
    EXPECT_EQ(f.title, "t]0;pwned");
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_EQ(it.title, "y[31mRED");
    EXPECT_EQ(it.id, "g1");
    EXPECT_EQ(it.summary, "a[2Jb");
    EXPECT_EQ(it.content_html, "<p>c</p>");
    EXPECT_EQ(it.categories, (std::vector<std::string>{"xyz\u203a"}));  // 0x9B is cp1252 '›'
    ASSERT_EQ(it.authors.size(), 1U);
    EXPECT_EQ(it.authors[0].email, "e@x.example");
}

TEST(liberal, a_control_beside_a_space_in_cdata_leaves_one_space) {
    const auto result = parse(
        "<rss version=\"2.0\"><channel><title>c</title><item><title><![CDATA[a \x1b b]]></title>"
        "<guid><![CDATA[g \x7f]]></guid></item></channel></rss>",
        "", "");
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feed->items.size(), 1U);
    EXPECT_EQ(result.feed->items[0].title, "a b");
    EXPECT_EQ(result.feed->items[0].id, "g");
}

TEST(liberal, undeclared_prefixes_keep_their_conventional_meaning) {
    const auto f = parse_fixture("undeclared_prefix.xml");
    ASSERT_EQ(f.items.size(), 1U);
    ASSERT_EQ(f.items[0].authors.size(), 1U);
    EXPECT_EQ(f.items[0].authors[0].name, "Una Declared");
    ASSERT_TRUE(f.items[0].published.has_value());
    EXPECT_EQ(format_rfc3339(*f.items[0].published), "2024-05-01T12:00:00Z");
    EXPECT_EQ(f.items[0].content_html, "<p>full</p>");
}

TEST(liberal, truncated_document_keeps_the_complete_items) {
    const auto f = parse_fixture("truncated.xml");
    EXPECT_EQ(f.title, "Cut short");
    ASSERT_EQ(f.items.size(), 2U);
    EXPECT_EQ(f.items[1].id, "2");
}

TEST(liberal, dtd_entities_are_never_expanded) {
    const auto f = parse_fixture("dtd_entities.xml");
    ASSERT_TRUE(f.title.has_value());
    EXPECT_EQ(f.title->find("lol"), f.title->rfind("lol")) << *f.title;  // not multiplied
    EXPECT_EQ(f.title->find("root:"), std::string::npos) << *f.title;    // no file read
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].title, "Still parsed");
}

TEST(liberal, a_reference_repair_cannot_see_still_gives_valid_utf8) {
    // repair() takes "<![CDATA[" inside the attribute for a section and passes over the
    // reference after it; pugixml reads an attribute, then text with the surrogate decoded.
    // The document parses completely, so only that reference can make the tree be checked.
    const std::string doc =
        "<rss version=\"2.0\"><channel><title>t</title><item>"
        "<title a=\"<![CDATA[\">x &#xD800; y ]]></title></item></channel></rss>";
    const auto result = parse(doc, "", "");
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feed->items.size(), 1U);
    const auto title = result.feed->items[0].title.value_or("");
    EXPECT_TRUE(is_valid_utf8(title)) << title;
    EXPECT_TRUE(title.starts_with("x \uFFFD")) << title;
}

}  // namespace
}  // namespace feedd::feeds
