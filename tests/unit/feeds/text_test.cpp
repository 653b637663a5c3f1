#include "feeds/text.hpp"

#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "tests/support/block_offsets.hpp"

namespace feedd::feeds {
namespace {

TEST(text, decodes_numeric_and_named_entities) {
    EXPECT_EQ(decode_entities("a &amp; b"), "a & b");
    EXPECT_EQ(decode_entities("&#8217;&#x2019;"), "\u2019\u2019");
    EXPECT_EQ(decode_entities("caf&eacute; &nbsp;"), "caf\u00e9 \u00a0");
    EXPECT_EQ(decode_entities("&hellip;"), "\u2026");
}

TEST(text, leaves_unknown_references_and_bare_ampersands) {
    EXPECT_EQ(decode_entities("AT&T"), "AT&T");
    EXPECT_EQ(decode_entities("&bogus; &#; &"), "&bogus; &#; &");
}

TEST(text, maps_c1_references_to_windows_1252) {
    EXPECT_EQ(decode_entities("don&#146;t"), "don\u2019t");
}

// drop_control_characters finds candidates 16 bytes at a time: each control, at every offset
// across those blocks, is dropped or mapped, and what looks like one but is not stays.
TEST(text, drop_control_characters_at_every_offset) {
    const std::pair<std::string_view, std::string_view> cases[] = {
        {"\x1b", ""},
        {{"\0", 1}, ""},
        {"\x01", ""},
        {"\x1f", ""},
        {"\x7f", ""},
        {"\xc2\x9b", "\u203a"},  // C1 as its windows-1252 character
        {"\xc2\x80", "\u20ac"},
        {"\xc2\x9d", ""},  // no windows-1252 character
        {"\xc2\x81", ""},
        {"\t\n\r", "\t\n\r"},
        {"\xc2\xa0", "\xc2\xa0"},  // NBSP shares the lead byte
        {"\xc3\x9b", "\xc3\x9b"},
        {"\xe2\x80\x9c", "\xe2\x80\x9c"},
    };
    for (const auto& at : test::block_offsets()) {
        for (const auto& [raw, kept] : cases) {
            std::string text = at.with(raw);
            drop_control_characters(text);
            EXPECT_EQ(text, at.with(kept)) << "offset " << at.left.size();
        }
    }
    std::string only_controls("\x1b[0m\x7f\xc2\x90", 8);
    drop_control_characters(only_controls);
    EXPECT_EQ(only_controls, "[0m");
}

TEST(text, html_entity_lookup) {
    EXPECT_EQ(html_entity("nbsp"), U'\u00a0');
    EXPECT_EQ(html_entity("apos"), U'\'');
    EXPECT_FALSE(html_entity("nosuch").has_value());
}

TEST(text, html_to_text_strips_tags_and_collapses_whitespace) {
    EXPECT_EQ(html_to_text("<b>bold</b>   and\n\t<i>italic</i>"), "bold and italic");
    EXPECT_EQ(html_to_text("  padded  "), "padded");
    EXPECT_EQ(html_to_text(""), "");
}

TEST(text, block_elements_separate_words) {
    EXPECT_EQ(html_to_text("<p>one</p><p>two</p>"), "one two");
    EXPECT_EQ(html_to_text("line<br>break<br/>again"), "line break again");
    EXPECT_EQ(html_to_text("<ul><li>a</li><li>b</li></ul>"), "a b");
    EXPECT_EQ(html_to_text("<h1>t</h1>x"), "t x");
    EXPECT_EQ(html_to_text("in<span>line</span>"), "inline");
}

TEST(text, decodes_entities_after_stripping) {
    EXPECT_EQ(html_to_text("&lt;not a tag&gt; &amp;amp;"), "<not a tag> &amp;");
    EXPECT_EQ(html_to_text("a&nbsp;&nbsp;b"), "a b");
}

TEST(text, drops_comments_scripts_and_styles) {
    EXPECT_EQ(html_to_text("a<!-- hidden -->b"), "ab");
    EXPECT_EQ(html_to_text("a<script>var x = '<p>';</script>b"), "ab");
    EXPECT_EQ(html_to_text("a<STYLE>p { }</STYLE>b"), "ab");
}

TEST(text, keeps_text_that_only_looks_like_markup) {
    EXPECT_EQ(html_to_text("1 < 2 and 3 > 2"), "1 < 2 and 3 > 2");
    EXPECT_EQ(html_to_text("<!' x"), "<!' x");
}

TEST(text, tag_ends_at_the_first_gt_outside_a_quoted_value) {
    EXPECT_EQ(html_to_text("a<a href=\"x>y\" title='1>2'>b</a>c"), "abc");
    EXPECT_EQ(html_to_text("a<img alt=\"\" src='>'>b"), "ab");
    // A quote not right after '=' opens nothing; an unclosed value runs to the end.
    EXPECT_EQ(html_to_text("a<b x\"y>c\">d"), "ac\">d");
    EXPECT_EQ(html_to_text("a<a href=\"x>b"), "a");
    EXPECT_EQ(html_to_text("a<br"), "a");
}

TEST(text, stray_quote_in_tag_does_not_swallow_text) {
    EXPECT_EQ(html_to_text("<a href=http://example.com/\">example</a>"), "example");
    EXPECT_EQ(html_to_text("<a title=\"x > y\">z</a>"), "z");
}

TEST(text, collapse_whitespace_includes_unicode_spaces) {
    EXPECT_EQ(collapse_whitespace("a\u00a0\u2003\u3000b "), "a b");
    EXPECT_EQ(collapse_whitespace("\n\n"), "");
}

// collapse_whitespace copies eight bytes at a time: spaces, controls and multi-byte
// characters at every offset of a word must come out as a byte-at-a-time reading gives.
TEST(text, collapse_whitespace_handles_every_offset_in_a_word) {
    const std::string pieces[] = {" ",      "\t",     "\n\r ",  "\u00a0", "\u2009",
                                  "\u3000", "\u00e9", "\u2013", "\x01",   "~"};
    for (std::size_t offset = 0; offset < 17; ++offset) {
        for (const auto& piece : pieces) {
            const std::string left(offset, 'x');
            const std::string input = left + piece + "yyyyyyyyyyyyyyyyyyy" + piece;
            const bool is_space = piece == " " || piece == "\t" || piece == "\n\r " ||
                                  piece == "\u00a0" || piece == "\u2009" || piece == "\u3000";
            const std::string expected =
                is_space ? (offset == 0 ? "yyyyyyyyyyyyyyyyyyy" : left + " yyyyyyyyyyyyyyyyyyy")
                         : input;
            EXPECT_EQ(collapse_whitespace(input), expected) << "offset " << offset;
        }
    }
}

// What collapse_whitespace must do, one byte at a time: runs of ASCII and Unicode spaces become
// one ' ', dropped at both ends.
std::string collapse_reference(std::string_view text) {
    const std::string_view unicode_spaces[] = {
        "\u00a0", "\u1680", "\u2000", "\u2001", "\u2002", "\u2003", "\u2004", "\u2005", "\u2006",
        "\u2007", "\u2008", "\u2009", "\u200a", "\u2028", "\u2029", "\u202f", "\u205f", "\u3000"};
    std::string out;
    bool pending = false;
    for (std::size_t i = 0; i < text.size();) {
        std::size_t width = std::string_view(" \t\n\r\f\v").find(text[i]) != std::string_view::npos;
        for (const auto space : unicode_spaces) {
            width = text.substr(i).starts_with(space) ? space.size() : width;
        }
        if (width > 0) {
            pending = true;
            i += width;
            continue;
        }
        if (pending && !out.empty()) {
            out += ' ';
        }
        pending = false;
        out += text[i++];
    }
    return out;
}

// collapse_whitespace copies 16 bytes at a time where it can: random mixes of words, single
// and repeated spaces, controls, Unicode spaces, other multi-byte characters and stray bytes
// at every alignment must come out as the byte-at-a-time reading.
TEST(text, collapse_whitespace_matches_a_byte_at_a_time_reading) {
    const std::string_view pieces[] = {"word",   "x",      " ",      "  ",     "\t",     "\n\r",
                                       "\x01",   "\x7f",   "\u00a0", "\u00a9", "\u00e9", "\u1680",
                                       "\u1e9e", "\u2003", "\u200b", "\u2013", "\u201c", "\u202f",
                                       "\u205f", "\u2060", "\u3000", "\u3001", "\x80",   "\xe2\x80",
                                       "\xe2",   "\xc2",   "!",      "~"};
    std::mt19937 random(20261128);
    for (int round = 0; round < 3000; ++round) {
        std::string input;
        const auto count = random() % 24;
        for (std::size_t k = 0; k < count; ++k) {
            input += pieces[random() % std::size(pieces)];
        }
        ASSERT_EQ(collapse_whitespace(input), collapse_reference(input)) << '"' << input << '"';
    }
}

TEST(text, escape_html_escapes_markup_characters) {
    EXPECT_EQ(escape_html("<a href=\"x\">&</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;");
}

// escape_html looks for markup characters 16 bytes at a time: each at every offset of a
// longer text, and text with none, come out as written.
TEST(text, escape_html_finds_markup_characters_at_every_offset) {
    const std::pair<std::string, std::string> cases[] = {
        {"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "'"}};
    for (const auto& at : test::block_offsets()) {
        for (const auto& [raw, escaped] : cases) {
            EXPECT_EQ(escape_html(at.with(raw)), at.with(escaped)) << at.left.size();
        }
    }
}

TEST(text, trim_removes_ascii_whitespace_only) {
    EXPECT_EQ(trim(" \t x y \r\n"), "x y");
}

TEST(text, teaser_cuts_at_a_word_within_the_budget) {
    EXPECT_EQ(teaser("  short\n text ", 20), "short text");
    EXPECT_EQ(teaser("one two, three four", 10), "one two\u2026");  // the comma goes too
    EXPECT_EQ(teaser("one two three", 9), "one two\u2026");
    // No space to cut at: a character boundary, never half of "é".
    EXPECT_EQ(teaser("\u00e9\u00e9\u00e9", 3), "\u00e9\u2026");
    EXPECT_EQ(teaser("", 5), "");
}

}  // namespace
}  // namespace feedd::feeds
