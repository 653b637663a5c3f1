#include "stories/fold.hpp"

#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::stories {
namespace {

TEST(FoldText, CaseAccentsAndCompatibilityFormsFoldAlike) {
    EXPECT_EQ(fold_text("Café"), fold_text("CAFE"));
    EXPECT_EQ(fold_text("Straße"), "strasse");
    EXPECT_EQ(fold_text("ﬁnance"), "finance");  // ligature
    EXPECT_EQ(fold_text("ＡＢＣ"), "abc");      // full-width
    EXPECT_EQ(fold_text("Zürich Ünïcödé"), "zurich unicode");
}

TEST(FoldText, InvalidUtf8BecomesReplacementCharacter) {
    const std::string folded = fold_text(
        "a\xff"
        "B");
    EXPECT_EQ(folded,
              "a\xEF\xBF\xBD"
              "b");
}

TEST(FoldText, TheAsciiFastPathFoldsExactlyAsUtf8procDoesOnTheWholeText) {
    std::string every_ascii;
    for (int c = 1; c < 128; ++c)
        every_ascii += static_cast<char>(c);
    EXPECT_EQ(fold_text(every_ascii), fold_with_utf8proc(every_ascii));
    // ASCII bases next to combining marks (also several, out of canonical order),
    // ligatures, full-width and circled forms, final sigma, soft hyphen and
    // zero-width space, Hangul jamo that compose, ß, Turkish I.
    const std::vector<std::string> pieces = {"a",
                                             "E",
                                             "z",
                                             " ",
                                             "1",
                                             ".",
                                             "\xCC\x81",
                                             "\xCC\x88",
                                             "\xCC\xA3",
                                             "\xCC\x8A",
                                             "\xEF\xAC\x81",
                                             "\xEF\xBC\xA1",
                                             "\xE2\x91\xA0",
                                             "\xCE\xA3",
                                             "\xCF\x82",
                                             "\xC2\xAD",
                                             "\xE2\x80\x8B",
                                             "\xE1\x84\x80",
                                             "\xE1\x85\xA1",
                                             "\xE1\x86\xA8",
                                             "\xC3\x9F",
                                             "\xC4\xB0",
                                             "\xC3\xA9",
                                             "\xE2\x80\x99",
                                             "\xE2\x80\x94",
                                             "O",
                                             "n",
                                             "\xCC\x83"};
    std::mt19937 gen(7);
    for (int round = 0; round < 2000; ++round) {
        std::string text;
        const auto n = 1 + gen() % 12;
        for (unsigned i = 0; i < n; ++i)
            text += pieces[gen() % pieces.size()];
        ASSERT_EQ(fold_text(text), fold_with_utf8proc(text)) << text;
    }
}

TEST(FoldText, EmptyStaysEmpty) {
    EXPECT_EQ(fold_text(""), "");
}

}  // namespace
}  // namespace feedd::stories
