// Format detection, liberal recovery, encodings, limits and error values.
#include "feeds/parse.hpp"

#include <random>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/random_edits.hpp"

namespace feedd::feeds {
namespace {

feed parse_ok(std::string_view bytes, std::string_view url = "", std::string_view content_type = "",
              const parse_limits& limits = {}) {
    auto result = parse(bytes, url, content_type, limits);
    EXPECT_TRUE(result) << result.error;
    return result.feed.value_or(feed{});
}

TEST(parse, detects_format_from_root_element_or_brace) {
    EXPECT_EQ(parse_ok("<rss version=\"2.0\"><channel/></rss>").format, feed_format::rss);
    EXPECT_EQ(parse_ok("<feed xmlns=\"http://www.w3.org/2005/Atom\"/>").format, feed_format::atom);
    EXPECT_EQ(
        parse_ok("<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\"/>").format,
        feed_format::rdf);
    EXPECT_EQ(parse_ok("  {\"version\": \"https://jsonfeed.org/version/1\", \"items\": []}").format,
              feed_format::json);
}

TEST(parse, not_a_feed_is_an_error_value) {
    const auto html = parse("<html><body>hi</body></html>", "", "");
    EXPECT_FALSE(html);
    EXPECT_NE(html.error.find("not a feed"), std::string::npos);
    EXPECT_FALSE(parse("", "", ""));
    EXPECT_FALSE(parse("just text", "", ""));
}

TEST(parse, syntax_error_reports_line_and_column) {
    const auto result = parse("\n\n  <", "", "");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error.rfind("line ", 0), 0U) << result.error;
    EXPECT_NE(result.error.find("column"), std::string::npos);
}

TEST(parse, html_entities_and_bare_ampersands_are_recovered) {
    const auto f = parse_ok(
        "<rss version=\"2.0\"><channel><title>Caf&eacute;&nbsp;&amp; AT&T &hellip;</title>"
        "<link>http://e.org/?a=1&b=2</link></channel></rss>");
    EXPECT_EQ(f.title, "Caf\u00e9 & AT&T \u2026");
    EXPECT_EQ(f.link, "http://e.org/?a=1&b=2");
}

TEST(parse, unescaped_less_than_in_text_is_recovered) {
    const auto f = parse_ok(
        "<rss version=\"2.0\"><channel><title>1 < "
        "2</title><item><title>x</title></item></channel></rss>");
    EXPECT_EQ(f.title, "1 < 2");
    EXPECT_EQ(f.items.size(), 1U);
}

TEST(parse, ebcdic_document_is_decoded) {
    // "<?xml version='1.0'?><rss version='2.0'><channel><title>A</title></channel></rss>" in
    // IBM037.
    const std::string ascii =
        "<?xml version='1.0'?><rss version='2.0'><channel><title>A</title></channel></rss>";
    std::string ebcdic;
    for (const char c : ascii) {
        switch (c) {
            case '<':
                ebcdic += '\x4C';
                break;
            case '>':
                ebcdic += '\x6E';
                break;
            case '?':
                ebcdic += '\x6F';
                break;
            case '/':
                ebcdic += '\x61';
                break;
            case '=':
                ebcdic += '\x7E';
                break;
            case '\'':
                ebcdic += '\x7D';
                break;
            case '.':
                ebcdic += '\x4B';
                break;
            case ' ':
                ebcdic += '\x40';
                break;
            case '0':
            case '1':
            case '2':
                ebcdic += static_cast<char>(0xF0 + (c - '0'));
                break;
            default:
                // Letters: a–i C1–C9 (lower 81–89), j–r 91–99, s–z A2–A9.
                if (c >= 'a' && c <= 'i')
                    ebcdic += static_cast<char>(0x81 + (c - 'a'));
                else if (c >= 'j' && c <= 'r')
                    ebcdic += static_cast<char>(0x91 + (c - 'j'));
                else if (c >= 's' && c <= 'z')
                    ebcdic += static_cast<char>(0xA2 + (c - 's'));
                else if (c == 'A')
                    ebcdic += '\xC1';
        }
    }
    EXPECT_EQ(parse_ok(ebcdic).title, "A");
}

TEST(parse, junk_before_the_prolog_is_skipped) {
    const auto f = parse_ok(
        "\n\n  garbage\n<?xml version=\"1.0\"?><rss "
        "version=\"2.0\"><channel><title>t</title></channel></rss>");
    EXPECT_EQ(f.title, "t");
}

TEST(parse, truncated_document_keeps_its_complete_items) {
    const auto f = parse_ok(
        "<rss "
        "version=\"2.0\"><channel><title>t</title><item><title>a</title></item><item><title>b");
    EXPECT_EQ(f.title, "t");
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].title, "a");

    // Cut inside the first item: the channel survives, no half item.
    const auto first = parse_ok("<rss version=\"2.0\"><channel><title>t</title><item><title>a");
    EXPECT_EQ(first.title, "t");
    EXPECT_TRUE(first.items.empty());

    // Atom with prefixes, cut inside an attribute of the third entry.
    const auto atom = parse_ok(
        "<a:feed xmlns:a=\"http://www.w3.org/2005/Atom\"><a:entry><a:id>1</a:id></a:entry>"
        "<a:entry><a:id>2</a:id></a:entry><a:entry><a:link href=\"http://x");
    ASSERT_EQ(atom.items.size(), 2U);
    EXPECT_EQ(atom.items[1].id, "2");

    // A broken tag inside an item is the same: the items before it are kept.
    const auto broken = parse_ok(
        "<rss version=\"2.0\"><channel><item><title>a</title></item>"
        "<item><title>b</b></item><item><title>c</title></item></channel></rss>");
    ASSERT_EQ(broken.items.size(), 1U);

    // Stopped outside any item (after the last one closed): nothing is dropped.
    const auto after =
        parse_ok("<rss version=\"2.0\"><channel><item><title>a</title></item><item/><ttl>5</t");
    EXPECT_EQ(after.items.size(), 2U);
}

TEST(parse, control_characters_are_dropped) {
    const auto f = parse_ok(
        "<rss version=\"2.0\"><channel><title>a\x01"
        "b\x1f c\x7f</title>"
        "</channel></rss>");
    // XML allows DEL, but a terminal printing the title would act on it: dropped too.
    EXPECT_EQ(f.title, "ab c");
}

TEST(parse, dtd_entities_are_never_expanded) {
    const std::string laughs = R"(<?xml version="1.0"?>
<!DOCTYPE rss [
  <!ENTITY a "aaaaaaaaaa">
  <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
  <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
  <!ENTITY ext SYSTEM "file:///etc/passwd">
]>
<rss version="2.0"><channel><title>&c;</title><description>&ext;</description></channel></rss>)";
    const auto f = parse_ok(laughs);
    EXPECT_EQ(f.title, "&c;");
    EXPECT_EQ(f.description, "&ext;");
}

TEST(parse, cdata_is_left_alone_by_recovery) {
    const auto f = parse_ok(
        "<rss version=\"2.0\"><channel><item><description><![CDATA[a &nbsp; b & "
        "c]]></description></item></channel></rss>");
    EXPECT_EQ(f.items.at(0).summary, "a b & c");
}

TEST(parse, http_charset_wins) {
    const std::string doc =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss "
        "version=\"2.0\"><channel><title>caf\xE9</title></channel></rss>";
    EXPECT_EQ(parse_ok(doc, "", "text/xml; charset=iso-8859-1").title, "caf\u00e9");
}

TEST(parse, declared_legacy_encoding_is_converted) {
    const std::string doc =
        "<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss "
        "version=\"2.0\"><channel><title>\xCF\xF0\xE8\xE2\xE5\xF2</title></channel></rss>";
    EXPECT_EQ(parse_ok(doc).title, "\u041f\u0440\u0438\u0432\u0435\u0442");
}

TEST(parse, invalid_utf8_is_read_as_windows_1252) {
    const std::string doc =
        "<rss version=\"2.0\"><channel><title>\x93quoted\x94</title></channel></rss>";
    EXPECT_EQ(parse_ok(doc).title, "\u201cquoted\u201d");
}

TEST(parse, utf16_document_with_bom) {
    const std::string text =
        "<rss version=\"2.0\"><channel><title>\xC3\xA9t\xC3\xA9</title></channel></rss>";
    // Build UTF-16LE by hand: all characters but é are ASCII.
    std::string utf16 = "\xFF\xFE";
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\xC3') {
            utf16 += '\xE9';
            utf16 += '\0';
            ++i;
        } else {
            utf16 += text[i];
            utf16 += '\0';
        }
    }
    EXPECT_EQ(parse_ok(utf16).title, "\u00e9t\u00e9");
}

// pugixml parses the decoded (here also repaired) text in place; a document it rejects is read
// again from the input bytes, so a cut-short one still keeps its complete items.
TEST(parse, a_repaired_document_cut_short_keeps_its_complete_items) {
    const std::string doc =
        "<rss version=\"2.0\"><channel><title>a &nbsp; b</title>\n"
        "<item><title>x &eacute;</title></item>\n<item><title>y</title></item>\n<item><title>z";
    const auto f = parse_ok(doc);
    EXPECT_EQ(f.title, "a b");
    ASSERT_EQ(f.items.size(), 2U);
    EXPECT_EQ(f.items[0].title, "x \u00e9");
    EXPECT_EQ(f.items[1].title, "y");
    // The same document whole parses in place, with the same items before the third.
    const auto whole = parse_ok(doc + "</title></item></channel></rss>");
    ASSERT_EQ(whole.items.size(), 3U);
    EXPECT_EQ(whole.items[1].title, "y");
}

TEST(parse, too_many_items_is_an_error_naming_the_first_one_over) {
    std::string doc = "<rss version=\"2.0\"><channel>\n";
    for (int i = 0; i < 50; ++i) {
        doc += "<item><title>" + std::to_string(i) + "</title></item>\n";
    }
    doc += "</channel></rss>";
    parse_limits limits;
    limits.max_items = 10;
    const auto result = parse(doc, "", "", limits);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error, "line 12, column 1: more than 10 items");

    limits.max_items = 50;  // exactly at the cap is fine
    EXPECT_EQ(parse_ok(doc, "", "", limits).items.size(), 50U);
}

TEST(parse, too_many_atom_entries_and_json_items) {
    std::string atom = "<feed xmlns=\"http://www.w3.org/2005/Atom\">";
    std::string json = R"({"version": "https://jsonfeed.org/version/1.1", "items": [)";
    for (int i = 0; i < 4; ++i) {
        atom += "<entry><title>x</title></entry>";
        json += std::string(i > 0 ? "," : "") + R"({"id": "x"})";
    }
    atom += "</feed>";
    json += "]}";
    parse_limits limits;
    limits.max_items = 3;
    const auto a = parse(atom, "", "", limits);
    ASSERT_FALSE(a);
    EXPECT_EQ(a.error, "line 1, column 136: more than 3 items");
    const auto j = parse(json, "", "", limits);
    ASSERT_FALSE(j);
    EXPECT_EQ(j.error, "items[3]: more than 3 items");
}

TEST(parse, document_size_cap) {
    parse_limits limits;
    limits.max_document_bytes = 16;
    const auto result = parse("<rss version=\"2.0\"><channel/></rss>", "", "", limits);
    EXPECT_FALSE(result);
    EXPECT_NE(result.error.find("larger"), std::string::npos);
}

TEST(parse, nesting_depth_cap_names_the_element_too_deep) {
    std::string doc = "<rss version=\"2.0\"><channel><item>\n<description>";
    for (int i = 0; i < 1000; ++i) {
        doc += "<div>";
    }
    for (int i = 0; i < 1000; ++i) {
        doc += "</div>";
    }
    doc += "</description></item></channel></rss>";
    const auto result = parse(doc, "", "");
    EXPECT_FALSE(result);
    // Depth 256 is the 252nd <div>: 5 + 13 + 251 * 5 characters into line 2.
    EXPECT_EQ(result.error, "line 2, column 1274: nesting deeper than 256 elements");

    std::string json = "{\"version\": \"https://jsonfeed.org/version/1\", \"items\": [";
    json += std::string(5000, '[');
    const auto deep_json = parse(json, "", "");
    EXPECT_FALSE(deep_json);
    EXPECT_NE(deep_json.error.find("line 1, column "), std::string::npos) << deep_json.error;
}

TEST(parse, json_syntax_error_names_line_and_column) {
    const auto result =
        parse("{\"version\": \"https://jsonfeed.org/version/1\",\n  \"items\": [}", "", "");
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error.rfind("line 2, column 13: JSON: ", 0), 0U) << result.error;
}

TEST(parse, arbitrary_bytes_never_crash) {
    std::mt19937 rng(12345);  // fixed seed: deterministic
    const std::string seed_doc =
        "<?xml version=\"1.0\"?><rss version=\"2.0\" "
        "xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><channel>"
        "<title>t &amp; &nbsp;</title><item><title>a</title><dc:date>2004-01-01</dc:date>"
        "<description><![CDATA[<p>x</p>]]></description></item></channel></rss>";
    for (int round = 0; round < 2000; ++round) {
        const auto doc = test::randomly_edited(seed_doc, rng, 10, "<>&;\"'/![]{}");
        const auto result = parse(doc, "http://e.org/", "");
        EXPECT_TRUE(result || !result.error.empty());
    }
}

}  // namespace
}  // namespace feedd::feeds
