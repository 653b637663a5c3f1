#include "stories/fold.hpp"

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

TEST(FoldText, EmptyStaysEmpty) {
    EXPECT_EQ(fold_text(""), "");
}

}  // namespace
}  // namespace feedd::stories
