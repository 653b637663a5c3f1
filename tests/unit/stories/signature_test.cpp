#include <algorithm>
#include "stories/signature.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

#include "stories/normalise.hpp"

namespace feedd::stories {
namespace {

constexpr const char* title = "Acme Tools to close two Ohio plants";
constexpr const char* text =
    "Acme Tools Corp said its board approved a plan to close two plants in Ohio, cutting 400 "
    "jobs by the end of the year. The company said demand for its hand tools fell for a third "
    "straight quarter and that it would move production to its larger plant in Indiana.";

TEST(MakeSignature, IsDeterministicAndSized) {
    const signature a = make_signature(title, text);
    const signature b = make_signature(title, text);
    EXPECT_EQ(a, b);
    EXPECT_EQ(a.minhash.size(), 64U);
    EXPECT_GT(a.shingles, 40U);
    EXPECT_GT(a.text_words, 40U);
    EXPECT_GE(a.title_words, 5U);
}

TEST(MakeSignature, OutletRestylingGivesTheSameSignature) {
    const signature plain = make_signature(title, text);
    const std::string restyled = std::string("<p>CLEVELAND (Reuters) - ") + text +
                                 "</p><p>(Reporting by Jane Roe; Editing by John Doe)</p>";
    EXPECT_EQ(make_signature("UPDATE 1-ACME TOOLS TO CLOSE TWO OHIO PLANTS - Reuters", restyled),
              plain);
}

// Stored signatures are compared across machines, so the AVX2 MinHash loop (32-slot
// multiples on CPUs that have it) and the generic one must agree value for value: 16 slots
// take the generic loop, 64 the vector one on such a CPU, and the slots' constants follow
// the seed in order, so the 16 are the 64's first 16.
TEST(MakeSignature, TheVectorAndGenericMinHashLoopsAgree) {
    signature_options sixteen;
    sixteen.hashes = 16;
    const auto all = make_signature(title, text).minhash;
    const auto first = make_signature(title, text, sixteen).minhash;
    ASSERT_EQ(all.size(), 64U);
    ASSERT_EQ(first.size(), 16U);
    EXPECT_TRUE(std::equal(first.begin(), first.end(), all.begin()));
}

TEST(MakeSignature, OptionsChangeTheValues) {
    signature_options fewer;
    fewer.hashes = 16;
    EXPECT_EQ(make_signature(title, text, fewer).minhash.size(), 16U);
    signature_options seeded;
    seeded.seed = 42;
    EXPECT_NE(make_signature(title, text, seeded).minhash, make_signature(title, text).minhash);
}

TEST(MakeSignature, HeadlineOnlyItemsAreSignedByTheirHeadline) {
    const signature sig = make_signature(title, "");
    EXPECT_EQ(sig.text_words, 0U);
    EXPECT_FALSE(sig.minhash.empty());
    EXPECT_TRUE(make_signature("", "").minhash.empty());
}

TEST(EncodeSignature, RoundTrips) {
    const signature sig = make_signature(title, text);
    const std::string bytes = encode_signature(sig);
    EXPECT_EQ(bytes.size(), 14U + 2U * sig.title_words + 4U * sig.minhash.size());
    const auto back = decode_signature(bytes);
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(*back, sig);
    const auto empty = decode_signature(encode_signature(make_signature("", "")));
    ASSERT_TRUE(empty.has_value());
    EXPECT_TRUE(empty->minhash.empty());
}

TEST(DecodeSignature, RejectsCorruptBytes) {
    const std::string bytes = encode_signature(make_signature(title, text));
    EXPECT_FALSE(decode_signature("").has_value());
    EXPECT_FALSE(decode_signature(bytes.substr(0, bytes.size() - 1)).has_value());
    EXPECT_FALSE(decode_signature(bytes + "x").has_value());
    std::string wrong_version = bytes;
    wrong_version[0] = 9;
    EXPECT_FALSE(decode_signature(wrong_version).has_value());
    std::string too_many_title_words = bytes;
    too_many_title_words[13] = 100;
    EXPECT_FALSE(decode_signature(too_many_title_words).has_value());
}

// Full-width forms of ASCII letters and digits (U+FF10..): NFKC folds them back to ASCII, so the
// text takes the general (utf8proc) path of the normaliser instead of its ASCII fast path.
std::string full_width(std::string_view ascii) {
    std::string out;
    for (const char c : ascii) {
        const bool alnum =
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum) {
            out.push_back(c);
            continue;
        }
        const auto cp = static_cast<unsigned>(0xFF00 + static_cast<unsigned>(c) - 0x20);
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return out;
}

TEST(MakeSignature, AsciiFastPathSignsLikeTheGeneralPath) {
    // House-style variants, furniture phrases, a dateline and a word longer than the fast
    // path's buffer: every rule that looks at words must see the same words on both paths.
    const std::string ascii =
        "LOWELL, March 3 - Acme Tools said profit rose 5 per cent to 12 million dollars, and "
        "its Supercalifragilisticexpialidociousness division said sales fell 7 percent.\n"
        "The company said it would follow us on Twitter here (Reporting by Jane Doe; Editing "
        "by John Roe) and more from the board.\nRead more about the plan\n"
        "The post Acme results appeared first on Example News.\n"
        "All rights reserved. Copyright 2026 Example.";
    std::string tabs = ascii;  // tabs end words through the general ASCII path, not the fast one
    for (auto& c : tabs) {
        if (c == ' ') c = '\t';
    }
    const std::string wide = full_width(ascii);
    ASSERT_NE(wide, ascii);
    const std::string expected = normalise_text(ascii);
    EXPECT_NE(expected.find("pct"), std::string::npos);       // "per cent" became "pct"
    EXPECT_EQ(expected.find("appeared"), std::string::npos);  // furniture went
    EXPECT_EQ(normalise_text(tabs), expected);
    EXPECT_EQ(normalise_text(wide), expected);
    const signature fast = make_signature(title, ascii);
    EXPECT_EQ(make_signature(title, tabs), fast);
    EXPECT_EQ(make_signature(title, wide), fast);
    EXPECT_EQ(make_signature(full_width(title), wide), fast);
}

}  // namespace
}  // namespace feedd::stories
