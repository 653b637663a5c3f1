// One hand-written document per encoding family (tests/data/encodings/): the title
// must come out as the same UTF-8 text whatever the bytes were.
#include <string>

#include <gtest/gtest.h>

#include "feeds/charset.hpp"
#include "feeds/parse.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

struct encoded_case {
    const char* file;
    const char* title;
    const char* content_type;
};

class encodings : public testing::TestWithParam<encoded_case> {};

TEST_P(encodings, title_decodes_to_utf8) {
    const auto& c = GetParam();
    const std::string bytes =
        test::read_file(std::string(FEEDD_TEST_DATA) + "/encodings/" + c.file);
    ASSERT_FALSE(bytes.empty()) << c.file;
    const auto result = parse(bytes, "", c.content_type);
    ASSERT_TRUE(result) << c.file << ": " << result.error;
    EXPECT_EQ(result.feed->title, c.title) << c.file;
}

constexpr const char* polish = "Za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144";
constexpr const char* russian = "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440";
constexpr const char* greek =
    "\u039a\u03b1\u03bb\u03b7\u03bc\u03ad\u03c1\u03b1 \u03ba\u03cc\u03c3\u03bc\u03b5";
constexpr const char* japanese = "\u65e5\u672c\u8a9e\u306e\u30cb\u30e5\u30fc\u30b9";
constexpr const char* simplified = "\u4e2d\u6587\u65b0\u95fb";
constexpr const char* traditional = "\u4e2d\u6587\u65b0\u805e";
constexpr const char* korean = "\ud55c\uad6d\uc5b4 \ub274\uc2a4";
constexpr const char* unicode = "\u00dcn\u00efc\u00f6d\u00e9 \u2713";

INSTANTIATE_TEST_SUITE_P(
    families, encodings,
    testing::Values(
        // ISO-8859-x and aliases
        encoded_case{"iso-8859-2.xml", polish, ""}, encoded_case{"latin2.xml", polish, ""},
        encoded_case{"iso-8859-5.xml", russian, ""}, encoded_case{"iso-8859-7.xml", greek, ""},
        encoded_case{"iso-8859-15.xml", "\u20ac pour l'\u0153uvre", ""},
        // windows-125x
        encoded_case{"windows-1250.xml",
                     "P\u0159\u00edli\u0161 \u017elu\u0165ou\u010dk\u00fd k\u016f\u0148", ""},
        encoded_case{"windows-1251.xml", russian, ""}, encoded_case{"cp1251.xml", russian, ""},
        encoded_case{"windows-1252.xml", "\u201cQuotes\u201d \u2013 \u20ac5", ""},
        encoded_case{"windows-1253.xml", greek, ""},
        encoded_case{"windows-1254.xml", "G\u00fcnayd\u0131n d\u00fcnya", ""},
        encoded_case{"koi8-r.xml", russian, ""},
        // CJK multi-byte and their common aliases
        encoded_case{"shift_jis.xml", japanese, ""}, encoded_case{"x-sjis.xml", japanese, ""},
        encoded_case{"euc-jp.xml", japanese, ""}, encoded_case{"gb2312.xml", simplified, ""},
        encoded_case{"gbk.xml", traditional, ""}, encoded_case{"cp936.xml", traditional, ""},
        encoded_case{"gb18030.xml", "\u4e2d\u6587\u65b0\u95fb \U0001F600", ""},
        encoded_case{"big5.xml", traditional, ""}, encoded_case{"euc-kr.xml", korean, ""},
        encoded_case{"ks_c_5601-1987.xml", korean, ""},
        // UTF-16/32, with and without a BOM; UTF-8 with a BOM and by default
        encoded_case{"utf-16le-bom.xml", unicode, ""},
        encoded_case{"utf-16be-bom.xml", unicode, ""},
        encoded_case{"utf-16le-nobom.xml", unicode, ""},
        encoded_case{"utf-16be-nobom.xml", unicode, ""},
        encoded_case{"utf-32le-bom.xml", unicode, ""},
        encoded_case{"utf-32be-bom.xml", unicode, ""},
        encoded_case{"utf-32le-nobom.xml", unicode, ""},
        encoded_case{"utf-32be-nobom.xml", unicode, ""}, encoded_case{"utf-8-bom.xml", unicode, ""},
        encoded_case{"default-utf8.xml", "Gr\u00fc\u00dfe", ""},
        // Precedence and fallback: the HTTP charset beats the declaration; a declared
        // UTF-8 that is not valid UTF-8 is read as windows-1252.
        encoded_case{"http-overrides-declaration.xml", "\u041f\u0440\u0438\u0432\u0435\u0442",
                     "text/xml; charset=windows-1251"},
        encoded_case{"wrong-declared-utf8.xml", "\u201cSmart\u201d caf\u00e9", ""},
        encoded_case{"wrong-declared-utf8.xml", "\u201cSmart\u201d caf\u00e9",
                     "application/rss+xml; charset=UTF-8"}),
    [](const testing::TestParamInfo<encoded_case>& param_info) {
        std::string name = param_info.param.file;
        name = name.substr(0, name.rfind('.'));
        for (char& c : name) {
            if (c == '.' || c == '-') {
                c = '_';
            }
        }
        return name + (param_info.param.content_type[0] != '\0' ? "_http" : "");
    });

// The audit's case: a lone surrogate in one title of a UTF-16 feed. Every item after it
// must be read; skipping part of a code unit misaligned the rest and lost three of five.
TEST(encodings_utf16, a_lone_surrogate_costs_one_character_not_the_items_after_it) {
    std::string ascii = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel>";
    for (int i = 0; i < 5; ++i) {
        const std::string n = std::to_string(i);
        ascii += "<item><title>item " + n + (i == 2 ? " #" : "") + "</title><guid>g" + n +
                 "</guid></item>";
    }
    ascii += "</channel></rss>";
    std::string bytes = "\xFF\xFE";
    for (const char c : ascii) {
        bytes += c == '#' ? std::string("\x00\xD8", 2) : std::string{c, '\0'};  // U+D800 alone
    }
    const auto result = parse(bytes, "", "");
    ASSERT_TRUE(result) << result.error;
    ASSERT_EQ(result.feed->items.size(), 5u);
    for (int i = 0; i < 5; ++i) {
        const auto& item = result.feed->items[static_cast<std::size_t>(i)];
        EXPECT_EQ(item.title, "item " + std::to_string(i) + (i == 2 ? " \uFFFD" : ""));
        EXPECT_EQ(item.id, "g" + std::to_string(i));
    }
}

TEST(encodings_labels, aliases_reach_the_same_charset) {
    // The declared label is all that differs between these documents.
    const std::string body =
        "<rss version=\"2.0\"><channel><title>\xb0\xa1</title></channel></rss>";
    for (const char* label : {"euc-kr", "EUC-KR", "ks_c_5601-1987", "korean", "windows-949"}) {
        const std::string doc =
            "<?xml version=\"1.0\" encoding=\"" + std::string(label) + "\"?>" + body;
        const auto result = parse(doc, "", "");
        ASSERT_TRUE(result) << label << ": " << result.error;
        EXPECT_EQ(result.feed->title, "\uac00") << label;  // 가
    }
}

}  // namespace
}  // namespace feedd::feeds
