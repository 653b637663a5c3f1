#include "stories/clusterer.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "stories/signature.hpp"

namespace feedd::stories {
namespace {

// Invented stories. plants and earnings are the same company, different stories.
constexpr const char* plants =
    "Acme Tools Corp said its board approved a plan to close two plants in Ohio, cutting 400 "
    "jobs by the end of the year. The company said demand for its hand tools fell for a third "
    "straight quarter and that it would move production to its larger plant in Indiana. Union "
    "leaders said they would ask the state for help to keep at least one of the plants open.";
constexpr const char* earnings =
    "Acme Tools Corp reported a first quarter loss of 12 million dollars, against a profit a "
    "year ago, as sales of garden equipment slumped in a cold spring. Its chief executive told "
    "analysts on a call that price increases planned for the summer should restore margins, "
    "and the company kept its forecast for the full year unchanged.";
constexpr const char* harbour =
    "The port authority opened a new container terminal on the north side of the harbour on "
    "Tuesday, doubling the number of ships it can unload at once. Officials expect the terminal "
    "to bring traffic back from rival ports that grew while the old quays were being rebuilt "
    "over the last four years.";
constexpr const char* rates =
    "The central bank left its main interest rate unchanged at its meeting on Thursday and "
    "signalled that it was in no hurry to cut, saying inflation in services was still too "
    "high. Markets had priced in a small chance of a cut; the currency firmed after the "
    "decision and bond yields edged higher.";

signature sig(const std::string& title, const std::string& text) {
    return make_signature(title, text);
}

TEST(Clusterer, EditedCopiesJoinOneStoryAndOthersStartTheirOwn) {
    clusterer c;
    const auto first = c.add(1, 1000, sig("Acme Tools to close two Ohio plants", plants));
    EXPECT_TRUE(first.new_story);
    EXPECT_EQ(first.story, 1);
    EXPECT_EQ(first.matched_item, 0);

    const std::string copy = std::string("<p>CLEVELAND (Reuters) - ") + plants +
                             "</p><p>The post Acme to close plants appeared first on Widget "
                             "Daily.</p>";
    const auto second = c.add(2, 1600, sig("UPDATE 1-ACME TOOLS TO CLOSE TWO OHIO PLANTS", copy));
    EXPECT_FALSE(second.new_story);
    EXPECT_EQ(second.story, 1);
    EXPECT_EQ(second.matched_item, 1);
    EXPECT_GT(second.similarity, 0.9);
    EXPECT_FALSE(second.reason.empty());

    const auto other = c.add(3, 1700, sig("Port opens new terminal", harbour));
    EXPECT_TRUE(other.new_story);
    EXPECT_EQ(other.story, 2);
    EXPECT_EQ(c.windowed_items(), 3U);
}

TEST(Clusterer, TruncatedSummaryJoinsByContainment) {
    clusterer c;
    c.add(1, 0, sig("Acme Tools to close two Ohio plants", plants));
    // A feed summary: the first sentence and a bit, cut at a word, with a "..." tail.
    const std::string summary =
        "Acme Tools Corp said its board approved a plan to close two plants in Ohio, cutting 400 "
        "jobs by the end of the year. The company said demand for its hand tools [...]";
    const auto d = c.add(2, 60, sig("Acme Tools to close two Ohio plants - Widget Daily", summary));
    EXPECT_FALSE(d.new_story);
    EXPECT_EQ(d.story, 1);
    EXPECT_NE(d.reason.find("contain"), std::string::npos) << d.reason;
}

TEST(Clusterer, SameCompanyDifferentStoryStaysApart) {
    clusterer c;
    c.add(1, 0, sig("Acme Tools to close two Ohio plants", plants));
    const auto d = c.add(2, 3600, sig("Acme Tools posts first quarter loss", earnings));
    EXPECT_TRUE(d.new_story);
}

TEST(Clusterer, GenericHeadlineDoesNotMergeDifferentStories) {
    clusterer c;
    c.add(1, 0, sig("Market report", harbour));
    const auto d = c.add(2, 60, sig("Market report", rates));
    EXPECT_TRUE(d.new_story);
    // Even identical specific headlines are not enough when the texts differ.
    c.add(3, 120, sig("Acme Tools news", plants));
    EXPECT_TRUE(c.add(4, 180, sig("Acme Tools news", earnings)).new_story);
}

TEST(Clusterer, BestMatchingStoryWins) {
    clusterer c;
    c.add(1, 0, sig("Acme Tools to close two Ohio plants", plants));
    c.add(2, 10, sig("Central bank holds rates", rates));
    const auto d = c.add(3, 20, sig("Central bank keeps rates on hold", std::string(rates)));
    EXPECT_EQ(d.story, 2);
    EXPECT_EQ(d.matched_item, 2);
}

TEST(Clusterer, ItemMatchingTwoStoriesEquallyJoinsTheOlderStory) {
    // Two stories hold the same text (restored as they were stored: nothing merges stories).
    clusterer c;
    const signature s = sig("Acme Tools to close two Ohio plants", plants);
    c.restore(10, 7, 0, s);
    c.restore(11, 5, 10, s);
    const auto d = c.add(12, 20, s);
    EXPECT_FALSE(d.new_story);
    EXPECT_EQ(d.story, 5);  // the older (smaller) story id, whatever the insertion order
    EXPECT_EQ(d.matched_item, 11);
    EXPECT_EQ(c.next_story_id(), 8);
}

TEST(Clusterer, MembersExpireAfterTheWindow) {
    cluster_options options;
    options.window = std::chrono::hours(1);
    clusterer c(options);
    c.add(1, 0, sig("Acme Tools to close two Ohio plants", plants));
    c.add(2, 1800, sig("Port opens new terminal", harbour));
    const auto late = c.add(3, 3601 + 1, sig("Acme Tools to close two Ohio plants", plants));
    EXPECT_TRUE(late.new_story);  // item 1 left the window
    EXPECT_EQ(c.windowed_items(), 2U);
    c.expire(1800 + 3601);
    EXPECT_EQ(c.windowed_items(), 1U);
    EXPECT_GT(c.memory_bytes(), 0U);
}

TEST(Clusterer, RestoreRebuildsTheSameIndex) {
    cluster_options options;
    options.window = std::chrono::hours(2);
    struct input {
        item_id item;
        std::int64_t time;
        signature sig;
    };
    const std::string summary =
        "Acme Tools Corp said its board approved a plan to close two plants in Ohio, cutting 400 "
        "jobs by the end of the year...";
    const std::vector<input> before = {
        {1, 0, sig("Acme Tools to close two Ohio plants", plants)},
        {2, 600, sig("Port opens new terminal", harbour)},
        {3, 1200, sig("Acme Tools posts loss", earnings)},
        {4, 4000, sig("ACME TOOLS TO CLOSE TWO OHIO PLANTS", summary)},
        {5, 7300, sig("Central bank holds rates", rates)},
        {6, 7400, sig("", "")},
    };
    const std::vector<input> after = {
        {7, 7500, sig("Acme Tools to close Ohio plants | Widget Daily", plants)},
        {8, 7600, sig("Port terminal opens", harbour)},
        {9, 7700, sig("Rates on hold", rates)},
        {10, 7800, sig("Acme loss", earnings)},
    };
    clusterer live(options);
    std::vector<cluster_decision> stored;
    for (const auto& in : before)
        stored.push_back(live.add(in.item, in.time, in.sig));

    // The restart: only members still inside the window are restored, in their original order.
    clusterer restarted(options);
    const std::int64_t now = before.back().time;
    for (std::size_t i = 0; i < before.size(); ++i) {
        if (before[i].time < now - options.window.count()) continue;
        restarted.restore(before[i].item, stored[i].story, before[i].time, before[i].sig);
    }
    restarted.set_next_story_id(live.next_story_id());
    live.expire(now);
    EXPECT_EQ(restarted.windowed_items(), live.windowed_items());

    for (const auto& in : after) {
        const auto a = live.add(in.item, in.time, in.sig);
        const auto b = restarted.add(in.item, in.time, in.sig);
        EXPECT_EQ(a.story, b.story) << in.item;
        EXPECT_EQ(a.new_story, b.new_story) << in.item;
        EXPECT_EQ(a.matched_item, b.matched_item) << in.item;
        EXPECT_EQ(a.similarity, b.similarity) << in.item;
        EXPECT_EQ(a.reason, b.reason) << in.item;
    }
    // Item 7 joined story 4's copy (item 4 is still in the window), item 10 found item 3 gone.
    EXPECT_FALSE(live.add(11, 7900, sig("Acme Tools to close two Ohio plants", plants)).new_story);
}

TEST(Clusterer, RejectsSignaturesOfAnotherSize) {
    clusterer c;
    c.add(1, 0, sig("Acme Tools to close two Ohio plants", plants));
    signature_options fewer;
    fewer.hashes = 16;
    EXPECT_THROW(c.add(2, 0, make_signature("Port opens new terminal", harbour, fewer)),
                 std::invalid_argument);
}

// A signature built by hand: `same` of its first values (all 16 LSH bands) equal to `base`'s,
// the rest its own, so its estimated Jaccard with `base` is same / 64.
signature crafted(const signature& base, int same, std::uint32_t own, std::uint16_t title_word) {
    signature s = base;
    for (std::size_t i = static_cast<std::size_t>(same); i < s.minhash.size(); ++i)
        s.minhash[i] = own + static_cast<std::uint32_t>(i);
    s.title = {};
    s.title[0] = title_word;
    s.title[1] = static_cast<std::uint16_t>(title_word + 1);
    s.title_words = 2;
    return s;
}

signature plain_signature() {
    signature s;
    s.minhash.resize(64);
    for (std::size_t i = 0; i < s.minhash.size(); ++i)
        s.minhash[i] = 1000 + static_cast<std::uint32_t>(i);
    s.shingles = 100;
    s.text_words = 100;
    s.title[0] = 10;
    s.title[1] = 11;
    s.title_words = 2;
    return s;
}

TEST(Clusterer, VerifiesThe16NewestCandidatesAndEachBandsNextFour) {
    // Fillers share every band value with the query (so all are candidates) but only a quarter
    // of the values and no title word: none verifies. The target is an exact copy, oldest.
    const signature target = plain_signature();
    const signature filler = crafted(target, 16, 50000, 20);
    ASSERT_FALSE(verify({0.25, 0.4, 100, 0, true, false}, cluster_options{}).rule);
    for (const int fillers : {15, 19, 20}) {
        clusterer c;
        const auto first = c.add(1, 0, target);
        for (int k = 0; k < fillers; ++k)
            c.add(2 + k, 1 + k, filler);
        const auto d = c.add(1000, 1000, target);
        if (fillers < 20) {  // in the newest 16, or up to fourth in its bands' chains after them
            EXPECT_FALSE(d.new_story) << fillers;
            EXPECT_EQ(d.story, first.story);
            EXPECT_EQ(d.matched_item, 1);
        } else {  // fifth after the newest 16 in every chain: not verified
            EXPECT_TRUE(d.new_story);
        }
    }
}

// `count` newer strangers share 15 of the 16 band values with the query (a stock phrase in every
// band but the first) and fail verification; the copy is older than all of them but the only
// member whose first band value matches. Each stranger's add lists 16 strangers and is cut.
void expect_copy_found_behind_strangers(int count) {
    const signature query = plain_signature();
    signature stranger = crafted(query, 16, 50000, 20);
    stranger.minhash[0] = 7;
    clusterer c;
    const auto first = c.add(1, 0, query);
    const auto strangers = c.add(2, 1, stranger);
    for (int k = 1; k < count; ++k)
        c.add(2 + k, 1 + k, stranger);
    const auto d = c.add(1000000, count + 1, query);  // all inside the 7-day window
    EXPECT_FALSE(d.new_story);
    EXPECT_EQ(d.story, first.story);
    EXPECT_EQ(d.matched_item, 1);
    EXPECT_EQ(c.add(1000001, count + 2, stranger).story, strangers.story);
    EXPECT_EQ(c.windowed_items(), static_cast<std::size_t>(count) + 3);
}

TEST(Clusterer, CopyBehindManyStrangersIsFoundThroughAKeyOnlyItShares) {
    expect_copy_found_behind_strangers(600);
}

// A cut query lists each candidate once by marking it with a 16-bit number of its own; when the
// number wraps, every windowed member's mark is cleared. The strangers' adds from the 16th on
// are cut queries (marks 1, 2, ...); those of the 16th to 20th list the copy (mark 5 last).
// With 65,554 strangers the copy's query is the 65,540th: mark 5 again after the wrap, so a
// copy whose mark was not cleared would count as listed already and not be verified.
TEST(Clusterer, CandidatesAreStillListedAfterTheQueriesMarkWraps) {
    expect_copy_found_behind_strangers(65554);
}

TEST(Clusterer, TextSharingOnlyKeysOfManyStoriesJoinsOnStrongJaccardAlone) {
    // The candidate agrees with the query's title and shares 24 of 64 values (all 16 band
    // values): "text + title". Strangers, each its own story, share the same band values, as
    // template sentences do. With 4 of them (5 stories behind every key) no key says which
    // story the query belongs to, and only strong text (32+ values) joins; with 2 it joins.
    const signature query = plain_signature();
    for (const int same : {24, 40}) {
        for (const int strangers : {2, 4}) {
            clusterer c;
            const auto candidate = c.add(1, 0, crafted(query, same, 50000, 10));
            for (int k = 0; k < strangers; ++k) {
                const auto d = c.add(2 + k, 1 + k,
                                     crafted(query, 16, 60000 + 100 * static_cast<std::uint32_t>(k),
                                             static_cast<std::uint16_t>(20 + 2 * k)));
                ASSERT_TRUE(d.new_story) << k;
            }
            const auto d = c.add(100, 100, query);
            if (same == 24 && strangers == 4) {
                EXPECT_TRUE(d.new_story) << d.reason;
            } else {
                EXPECT_FALSE(d.new_story) << same << " " << strangers;
                EXPECT_EQ(d.story, candidate.story) << d.reason;
            }
        }
    }
}

TEST(Clusterer, ContainedSummaryWithItsTitleJoinsThroughCommonKeys) {
    // As above with 4 strangers, but the query is a 40-shingle summary of a 300-shingle copy
    // with the same title: containment ~1 from 24 equal values, a truncated copy, so it joins.
    signature query = plain_signature();
    query.shingles = 40;
    signature copy = crafted(query, 24, 50000, 10);
    copy.shingles = 300;
    clusterer c;
    const auto first = c.add(1, 0, copy);
    for (std::uint32_t k = 0; k < 4; ++k)
        c.add(2 + k, 1 + k,
              crafted(query, 16, 60000 + 100 * k, static_cast<std::uint16_t>(20 + 2 * k)));
    const auto d = c.add(100, 100, query);
    EXPECT_FALSE(d.new_story) << d.reason;
    EXPECT_EQ(d.story, first.story);
}

TEST(Clusterer, ExpiredMembersLeaveNoCandidatesAndTheirSlotsAreReused) {
    cluster_options options;
    options.window = std::chrono::seconds(100);
    clusterer c(options);
    const signature base = plain_signature();
    std::size_t bytes_early = 0;
    for (int i = 0; i < 20000; ++i) {
        // Each item its own story: no value shared with any other item.
        signature s = base;
        for (std::size_t k = 0; k < s.minhash.size(); ++k)
            s.minhash[k] = static_cast<std::uint32_t>(i) * 64 + static_cast<std::uint32_t>(k);
        EXPECT_TRUE(c.add(i + 1, i, s).new_story) << i;
        if (i == 1000) bytes_early = c.memory_bytes();
    }
    EXPECT_EQ(c.windowed_items(), 101U);
    EXPECT_LE(c.memory_bytes(), 2 * bytes_early);  // expired entries are reclaimed, not piled up
    const auto copy_of = [&](int i) {
        signature s = base;
        for (std::size_t k = 0; k < s.minhash.size(); ++k)
            s.minhash[k] = static_cast<std::uint32_t>(i) * 64 + static_cast<std::uint32_t>(k);
        return s;
    };
    const auto inside = c.add(30000, 19999, copy_of(19950));
    EXPECT_FALSE(inside.new_story);
    EXPECT_EQ(inside.matched_item, 19951);
    EXPECT_TRUE(c.add(30001, 19999, copy_of(19000)).new_story);  // expired long ago
}

// The clusterer skips candidates below every rule's text floor before comparing titles; that
// shortcut must never turn away a pair verify() accepts, nor accept one it rejects.
TEST(Clusterer, TextFloorShortcutAgreesWithVerify) {
    const cluster_options options;
    int joins = 0, checked = 0;
    for (const std::uint32_t member_shingles : {8U, 12U, 16U, 20U, 40U, 200U}) {
        for (const std::uint32_t query_shingles : {8U, 15U, 16U, 30U, 199U}) {
            for (const bool titles_agree : {true, false}) {
                for (int same = 16; same <= 64; ++same) {
                    signature member = plain_signature();
                    member.shingles = member_shingles;
                    signature query =
                        crafted(member, same, 70000, titles_agree ? member.title[0] : 900);
                    query.shingles = query_shingles;
                    if (titles_agree) query.title = member.title;
                    clusterer c(options);
                    c.add(1, 0, member);
                    const auto d = c.add(2, 0, query);
                    match_features f;
                    f.jaccard = same / 64.0;
                    const double small = std::min(member_shingles, query_shingles);
                    const double inter =
                        f.jaccard * (member_shingles + query_shingles) / (1 + f.jaccard);
                    f.containment = std::min(1.0, inter / small);
                    f.smaller_shingles = static_cast<std::uint32_t>(small);
                    f.title_overlap = titles_agree ? 1.0 : 0.0;
                    f.title_known = true;
                    const bool joins_by_rule = verify(f, options).rule != nullptr;
                    ASSERT_EQ(!d.new_story, joins_by_rule)
                        << member_shingles << " " << query_shingles << " " << titles_agree << " "
                        << same;
                    joins += joins_by_rule ? 1 : 0;
                    ++checked;
                }
            }
        }
    }
    EXPECT_GT(joins, 0);
    EXPECT_LT(joins, checked);  // both sides of the floor were exercised
}

// Signature i shares no MinHash value with any other i.
signature distinct_signature(int i) {
    signature s = plain_signature();
    for (std::size_t k = 0; k < s.minhash.size(); ++k)
        s.minhash[k] = static_cast<std::uint32_t>(i) * 64 + static_cast<std::uint32_t>(k);
    return s;
}

TEST(Clusterer, FindsMembersOfEveryBlockAsTheWindowGrows) {
    // 5,000 windowed members span five blocks of stored values; the block ring grows while they
    // arrive. A copy of a member from the first block and one from the last are both found.
    clusterer c;
    for (int i = 0; i < 5000; ++i)
        ASSERT_TRUE(c.add(i + 1, i, distinct_signature(i)).new_story) << i;
    for (const int i : {3, 1023, 1024, 4999}) {
        const auto d = c.add(10000 + i, 5000, distinct_signature(i));
        EXPECT_FALSE(d.new_story) << i;
        EXPECT_EQ(d.matched_item, i + 1);
        EXPECT_EQ(d.similarity, 1.0);
    }
}

TEST(Clusterer, FindsMembersAfterManyWordlessOnesOpenedTheWindow) {
    // 5,000 members without words come first: nothing is stored for them, but the window then
    // spans five blocks when the first signature arrives, and the ring must cover them all.
    clusterer c;
    for (int i = 0; i < 5000; ++i)
        c.add(i + 1, i, signature{});
    for (int i = 0; i < 3000; ++i)
        ASSERT_TRUE(c.add(10000 + i, 5000 + i, distinct_signature(i)).new_story) << i;
    for (const int i : {0, 1, 1500, 2999}) {
        const auto d = c.add(20000 + i, 8000, distinct_signature(i));
        EXPECT_FALSE(d.new_story) << i;
        EXPECT_EQ(d.matched_item, 10000 + i);
    }
}

TEST(Clusterer, CopiesShareTheirBandKeysEntriesInTheTable) {
    // 5,000 exact copies: 16 distinct band keys in all. The table must not grow with members
    // x bands (it once reached 256k entries, 2 MB, here); the index stays near the per-member
    // storage (values, chain links, member record: under 300 bytes).
    clusterer c;
    const signature s = plain_signature();
    for (int i = 0; i < 5000; ++i)
        c.add(i + 1, i, s);
    EXPECT_EQ(c.windowed_items(), 5000U);
    EXPECT_LT(c.memory_bytes(), 5000U * 300U);
}

TEST(Clusterer, RestartAfterManyExpiriesMatchesTheSameMembers) {
    // Ten stories, each item an exact copy of its story's earlier items: every query ties
    // between many members of one story. The uninterrupted index has expired and reused
    // thousands of table slots; the restarted one has not. The decisions must not differ.
    cluster_options options;
    options.window = std::chrono::seconds(50);
    const auto story_signature = [](int k) {
        signature s = plain_signature();
        for (std::size_t v = 0; v < s.minhash.size(); ++v)
            s.minhash[v] = static_cast<std::uint32_t>(k) * 1000 + static_cast<std::uint32_t>(v);
        return s;
    };
    clusterer straight(options);
    std::vector<cluster_decision> decisions;
    for (int i = 0; i < 3000; ++i)
        decisions.push_back(straight.add(i + 1, i, story_signature(i % 10)));
    clusterer restarted(options);
    for (int i = 2000 - 51; i < 2000; ++i)  // the window after item 2000 (time 1999)
        restarted.restore(i + 1, decisions[static_cast<std::size_t>(i)].story, i,
                          story_signature(i % 10));
    restarted.set_next_story_id(11);
    for (int i = 2000; i < 3000; ++i) {
        const auto d = restarted.add(i + 1, i, story_signature(i % 10));
        const auto& want = decisions[static_cast<std::size_t>(i)];
        ASSERT_EQ(d.story, want.story) << i;
        ASSERT_EQ(d.matched_item, want.matched_item) << i;
        ASSERT_EQ(d.reason, want.reason) << i;
    }
    EXPECT_EQ(decisions[2999].matched_item, 2950);  // the oldest copy in the window
}

TEST(Verify, TitlesAloneNeverJoin) {
    match_features f;
    f.title_known = true;
    f.title_overlap = 1.0;
    f.jaccard = 0.05;
    f.containment = 0.1;
    f.smaller_shingles = 50;
    EXPECT_EQ(verify(f, {}).rule, nullptr);
}

TEST(Verify, ModerateTextNeedsAgreeingTitles) {
    match_features f;
    f.jaccard = 0.35;
    f.containment = 0.5;
    f.smaller_shingles = 50;
    f.title_known = true;
    f.title_overlap = 0.2;
    EXPECT_EQ(verify(f, {}).rule, nullptr);
    f.title_overlap = 0.6;
    EXPECT_NE(verify(f, {}).rule, nullptr);
    f.title_known = false;  // titles say nothing: the text decides
    EXPECT_NE(verify(f, {}).rule, nullptr);
}

TEST(Verify, StrongTextJoinsWhateverTheTitles) {
    match_features f;
    f.jaccard = 0.8;
    f.containment = 0.9;
    f.smaller_shingles = 50;
    f.title_known = true;
    f.title_overlap = 0;
    const auto v = verify(f, {});
    ASSERT_NE(v.rule, nullptr);
    EXPECT_DOUBLE_EQ(v.score, 0.9);
}

TEST(Verify, ShortTextsNeedMoreForContainment) {
    match_features f;
    f.jaccard = 0.2;
    f.containment = 0.95;
    f.smaller_shingles = 5;  // "it said in a statement": too short to count
    f.title_known = true;
    f.title_overlap = 0.6;
    EXPECT_EQ(verify(f, {}).rule, nullptr);
    f.smaller_shingles = 12;
    EXPECT_NE(verify(f, {}).rule, nullptr);
}

}  // namespace
}  // namespace feedd::stories

namespace feedd::stories {
namespace {

TEST(Verify, DisjointTitlesVetoShortTexts) {
    // Two stories that share only an outlet's stock intro sentence.
    match_features f;
    f.jaccard = 1.0;
    f.containment = 1.0;
    f.smaller_shingles = 13;
    f.title_known = true;
    f.title_overlap = 0;
    EXPECT_EQ(verify(f, {}).rule, nullptr);
    f.smaller_shingles = 80;  // a long identical text is a copy, whatever the headline
    EXPECT_NE(verify(f, {}).rule, nullptr);
    // A nearly identical summary longer than a stock sentence: a copy under a rewritten
    // headline (one outlet titled it with the lede's first words: "TOKYO, March 30 - The").
    f.smaller_shingles = 20;
    f.jaccard = 0.8;
    EXPECT_NE(verify(f, {}).rule, nullptr);
    f.jaccard = 0.75;
    f.containment = 1.0;
    EXPECT_EQ(verify(f, {}).rule, nullptr);
    f.jaccard = 1.0;
    f.smaller_shingles = 19;
    EXPECT_EQ(verify(f, {}).rule, nullptr);
}

}  // namespace
}  // namespace feedd::stories
