#include "stories/fold.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::stories {
namespace {

// 1 to max_pieces of `pieces`, drawn at random.
std::string random_text(const std::vector<std::string>& pieces, std::mt19937& gen,
                        unsigned max_pieces) {
    std::string text;
    const auto n = 1 + gen() % max_pieces;
    for (unsigned i = 0; i < n; ++i)
        text += pieces[gen() % pieces.size()];
    return text;
}

// ASCII bases next to combining marks (also several, out of canonical order), ligatures,
// full-width and circled forms, final sigma, soft hyphen and zero-width space, Hangul jamo
// that compose, ß, Turkish I.
std::vector<std::string> fold_pieces() {
    return std::vector<std::string>{"a",
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
}

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
    const auto pieces = fold_pieces();
    std::mt19937 gen(7);
    for (int round = 0; round < 2000; ++round) {
        const auto text = random_text(pieces, gen, 12);
        ASSERT_EQ(fold_text(text), fold_with_utf8proc(text)) << text;
    }
}

TEST(FoldText, EmptyStaysEmpty) {
    EXPECT_EQ(fold_text(""), "");
    EXPECT_EQ(fold_words_once(""), "");
    EXPECT_EQ(fold_words_once("   "), "");
}

// What fold_words_once must equal: fold_text's runs between spaces, each once, in order.
std::string distinct_runs_of_folded(std::string_view text) {
    const std::string folded = fold_text(text);
    std::vector<std::string> kept;
    std::string out;
    std::size_t at = 0;
    while (at <= folded.size()) {
        auto end = folded.find(' ', at);
        if (end == std::string::npos) end = folded.size();
        const std::string run = folded.substr(at, end - at);
        at = end + 1;
        if (run.empty() || std::find(kept.begin(), kept.end(), run) != kept.end()) continue;
        kept.push_back(run);
        out += (out.empty() ? "" : " ") + run;
    }
    return out;
}

TEST(FoldWordsOnce, KeepsEachFoldedWordOnceInOrderOfFirstAppearance) {
    EXPECT_EQ(fold_words_once("Storm storm STORM warning  Café cafe CAFE\u00a0x"),
              "storm warning cafe x");
    // NFKC turns U+00A0 into a space, which splits the word like an ASCII one.
    EXPECT_EQ(fold_words_once("a\u00a0b a b"), "a b");
    // Words longer than the 16-byte blocks, and a repeat that only differs after 16 bytes.
    EXPECT_EQ(fold_words_once("Internationalisation internationalisation internationalisatioN "
                              "internationalisatioX"),
              "internationalisation internationalisatiox");
    // Far more distinct words than ~1 per 8 bytes of text: the word table grows.
    std::string numbers;
    for (int i = 0; i < 3000; ++i)
        numbers += std::to_string(i % 2000) + " ";
    EXPECT_EQ(fold_words_once(numbers), distinct_runs_of_folded(numbers));
    const auto once = fold_words_once(numbers);
    EXPECT_EQ(std::count(once.begin(), once.end(), ' '), 1999);
}

TEST(FoldWordsOnce, LongRunsOfAnotherScriptAndHugeTexts) {
    // One non-ASCII run of ~200 bytes (no ASCII byte in it): NFKC turns U+00A0 into spaces.
    std::string cyrillic;
    for (int i = 0; i < 8; ++i)
        cyrillic += "Москва\u00a0МОСКВА\u00a0Киев\u00a0";
    EXPECT_GT(cyrillic.size(), 64U);
    EXPECT_EQ(fold_words_once(cyrillic), "москва киев");
    EXPECT_EQ(fold_words_once(cyrillic), distinct_runs_of_folded(cyrillic));
    // 70,000 distinct words: the per-thread table grows past what it keeps, then a small text
    // is folded as before.
    std::string huge;
    for (int i = 0; i < 70000; ++i)
        huge += "w" + std::to_string(i) + " ";
    const auto once = fold_words_once(huge + huge);
    EXPECT_EQ(std::count(once.begin(), once.end(), ' '), 69999);
    EXPECT_EQ(once.size() + 1, huge.size());
    EXPECT_EQ(fold_words_once("b a B A"), "b a");
}

TEST(FoldWordsOnce, EqualsTheDistinctRunsOfFoldText) {
    // The pieces above, and words, repeats in other cases, runs of spaces, other
    // whitespace, invalid bytes and words longer than a 16-byte block.
    auto pieces = fold_pieces();
    for (const char* more : {" ", "  ", "word", "Word", "WORD", "\t", "\n", "\xC2\xA0", "\xFF",
                             "\xC3", "\xE2\x80\x83", "sixteen-bytes-ab", "Seventeen-bytes-x"})
        pieces.emplace_back(more);
    std::mt19937 gen(11);
    for (int round = 0; round < 3000; ++round) {
        const auto text = random_text(pieces, gen, 40);
        ASSERT_EQ(fold_words_once(text), distinct_runs_of_folded(text)) << text;
    }
}

}  // namespace
}  // namespace feedd::stories
