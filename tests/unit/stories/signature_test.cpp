#include "stories/signature.hpp"

#include <string>

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace feedd::stories
