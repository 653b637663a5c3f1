#include "feeds/charset.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "tests/support/block_offsets.hpp"

namespace feedd::feeds {
namespace {

std::string decoded(std::string_view bytes, std::string_view http = "") {
    auto result = decode_document(bytes, http);
    return result.utf8.value_or("<error>");
}

TEST(charset, content_type_parameter) {
    EXPECT_EQ(charset_from_content_type("text/xml; charset=ISO-8859-1"), "iso-8859-1");
    EXPECT_EQ(charset_from_content_type("application/rss+xml;charset=\"utf-8\""), "utf-8");
    EXPECT_EQ(charset_from_content_type("text/xml"), "");
}

TEST(charset, utf8_passes_through_and_bom_is_removed) {
    EXPECT_EQ(decoded("<a>\xC3\xA9</a>"), "<a>\u00e9</a>");
    EXPECT_EQ(decoded("\xEF\xBB\xBF<a/>"), "<a/>");
}

TEST(charset, invalid_utf8_falls_back_to_windows_1252) {
    const auto result = decode_document("<a>caf\xE9 \x93q\x94</a>", "");
    EXPECT_EQ(result.encoding, "windows-1252");
    EXPECT_EQ(result.utf8.value(), "<a>caf\u00e9 \u201cq\u201d</a>");
}

TEST(charset, xml_declaration_names_the_encoding) {
    EXPECT_EQ(decoded("<?xml version=\"1.0\" encoding=\"iso-8859-7\"?><a>\xE1</a>"),
              "<?xml version=\"1.0\" encoding=\"iso-8859-7\"?><a>\u03b1</a>");
    EXPECT_EQ(decoded("<?xml version='1.0' encoding='koi8-r'?><a>\xC1</a>"),
              "<?xml version='1.0' encoding='koi8-r'?><a>\u0430</a>");
}

TEST(charset, http_charset_wins_over_the_declaration) {
    EXPECT_EQ(decoded("<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xE9</a>", "iso-8859-1"),
              "<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\u00e9</a>");
}

TEST(charset, utf16_with_bom) {
    const std::string le("\xFF\xFE<\0a\0/\0>\0", 10);
    EXPECT_EQ(decoded(le), "<a/>");
    const std::string be("\xFE\xFF\0<\0a\0/\0>", 10);
    EXPECT_EQ(decoded(be), "<a/>");
}

TEST(charset, utf16_without_bom_is_recognised_from_the_first_characters) {
    const std::string le("<\0?\0x\0m\0l\0", 10);
    EXPECT_EQ(decoded(le), "<?xml");
}

// ASCII text as UTF-16 or UTF-32 code units, with `bad` (one code unit that is no
// character: a lone surrogate, or past U+10FFFF) in place of every '#'.
std::string wide(std::string_view ascii, std::size_t unit, bool big_endian, std::uint32_t bad) {
    std::string out;
    for (const char c : ascii) {
        const std::uint32_t value = c == '#' ? bad : static_cast<unsigned char>(c);
        for (std::size_t i = 0; i < unit; ++i) {
            const std::size_t shift = 8 * (big_endian ? unit - 1 - i : i);
            out.push_back(static_cast<char>((value >> shift) & 0xFFU));
        }
    }
    return out;
}

// A bad code unit becomes one U+FFFD, and the units after it stay aligned: the rest of
// the document reads as written.
TEST(charset, a_bad_utf16_or_utf32_code_unit_is_replaced_and_the_rest_decodes) {
    const std::string_view text = "<a>x # y</a><b>#</b><c>z</c>";
    const std::string expected = "<a>x \uFFFD y</a><b>\uFFFD</b><c>z</c>";
    struct form {
        std::string_view bom;
        std::size_t unit;
        bool big_endian;
        std::uint32_t bad;
    };
    const form forms[] = {
        {{"\xFF\xFE", 2}, 2, false, 0xD800},       // high surrogate, no low one after it
        {{"\xFF\xFE", 2}, 2, false, 0xDC00},       // low surrogate alone
        {{"\xFE\xFF", 2}, 2, true, 0xD83D},        //
        {{"\xFF\xFE\0\0", 4}, 4, false, 0xD800},   // surrogates are not UTF-32 either
        {{"\0\0\xFE\xFF", 4}, 4, true, 0x110000},  // past U+10FFFF
    };
    for (const auto& f : forms) {
        const std::string bytes = std::string(f.bom) + wide(text, f.unit, f.big_endian, f.bad);
        EXPECT_EQ(decoded(bytes), expected) << f.unit << " bytes, bad unit " << f.bad;
    }
}

TEST(charset, unknown_label_is_read_as_utf8) {
    EXPECT_TRUE(decoded("<?xml version=\"1.0\" encoding=\"x-nonsense\"?><a>\xC3\xA9</a>")
                    .ends_with("<a>\u00e9</a>"));
}

TEST(charset, a_label_that_garbles_the_markup_is_ignored) {
    EXPECT_EQ(decoded("<?xml version=\"1.0\" encoding=\"ucs-2\"?><a>x</a>"),
              "<?xml version=\"1.0\" encoding=\"ucs-2\"?><a>x</a>");
}

TEST(charset, c1_controls_become_windows_1252_punctuation) {
    EXPECT_EQ(decoded("don\xC2\x92t"), "don\u2019t");
}

// Found by the charset fuzzer: glibc's iconv reads the label "utf\r8" as UTF-8 and
// copied the invalid bytes through.
TEST(charset, an_odd_spelling_of_utf8_still_gives_valid_utf8) {
    const auto header = charset_from_content_type("application/rss+xml; charset=\"UTF\r8\"");
    const auto result = decode_document("<?xml versio\xA6\xA6\xAE?><rss/>", header);
    ASSERT_TRUE(result.utf8.has_value()) << result.error;
    EXPECT_TRUE(is_valid_utf8(*result.utf8));
    EXPECT_NE(result.utf8->find("\uFFFD"), std::string::npos);
}

TEST(charset, to_valid_utf8_replaces_each_bad_byte) {
    EXPECT_EQ(to_valid_utf8("a\xFF"
                            "b\xE2\x82"),
              "a\uFFFD"
              "b\uFFFD\uFFFD");
    EXPECT_EQ(to_valid_utf8("caf\xC3\xA9"), "caf\xC3\xA9");
}

TEST(charset, utf8_validation) {
    EXPECT_TRUE(is_valid_utf8("plain \xE2\x82\xAC"));
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
    EXPECT_FALSE(is_valid_utf8("\xE2\x82"));      // truncated
}

// is_valid_utf8 skips ASCII 16 bytes at a time: a valid or ill-formed sequence at every
// offset of a longer text must be judged as it is.
TEST(charset, is_valid_utf8_judges_sequences_at_every_offset) {
    const std::pair<std::string_view, bool> sequences[] = {
        {"\xC3\xA9", true},  {"\xE2\x80\x9C", true},  {"\xF0\x9F\x98\x80", true},
        {"\xC0\xAF", false}, {"\xED\xA0\x80", false}, {"\xE2\x82", false},
        {"\x80", false},     {"\xFF", false},         {"\xF4\x90\x80\x80", false}};
    for (const auto& at : test::block_offsets()) {
        for (const auto& [sequence, valid] : sequences) {
            EXPECT_EQ(is_valid_utf8(at.with(sequence)), valid) << "offset " << at.left.size();
        }
    }
}

}  // namespace
}  // namespace feedd::feeds
