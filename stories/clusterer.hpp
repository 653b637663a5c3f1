#pragma once
// Streaming near-duplicate clustering: each new item joins the story of its best-matching item
// inside a sliding time window, or starts a new story. Candidates come from LSH bands over the
// MinHash values; each candidate is verified by estimated Jaccard, containment (a truncated
// summary inside a longer copy) and title agreement. Pure and single-threaded: time is passed in.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "stories/signature.hpp"

namespace feedd::stories {

using story_id = std::int64_t;
using item_id = std::int64_t;

struct cluster_options {
    std::chrono::seconds window{std::chrono::hours(24 * 7)};  // members older than this expire
    // Verification of an LSH candidate (see verify()): estimated Jaccard of the shingle sets,
    // containment of the smaller set in the larger, and overlap of the title content words.
    double strong_threshold = 0.5;    // Jaccard that joins whatever the titles say
    double threshold = 0.3;           // Jaccard that joins when the titles agree
    double strong_containment = 0.9;  // containment that joins alone (smaller text long enough)
    double containment = 0.7;         // containment that joins when the titles agree
    std::uint32_t min_contained_shingles = 8;  // containment needs this many shingles (x2 alone)
    double title_support = 0.5;                // title overlap that counts as "titles agree"
    double title_match = 0.8;  // title overlap that lets half the text evidence join
    // Titles without a common word veto any join of a text shorter than this many shingles,
    // unless the texts are nearly the same (this Jaccard) over at least the exempt shingles.
    std::uint32_t title_veto_shingles = 30;
    double title_veto_exempt_jaccard = 0.8;
    std::uint32_t title_veto_exempt_shingles = 20;
    double headline_threshold = 0.25;  // headline-only items: Jaccard and title overlap
    int bands = 16;  // LSH bands of `rows` MinHash values each (bands * rows <= hashes)
    int rows = 1;
};

// What the clusterer knows about one candidate pair; exposed so the rules can be tested alone.
struct match_features {
    double jaccard = 0;      // estimated from the MinHash values
    double containment = 0;  // estimated share of the smaller shingle set inside the larger
    std::uint32_t smaller_shingles = 0;
    double title_overlap = 0;    // shared title content words / the shorter title's
    bool title_known = false;    // both titles have >= 2 content words
    bool headline_only = false;  // both items are headlines without text
};

struct match_verdict {
    const char* rule = nullptr;  // nullptr: no match
    double score = 0;            // max(jaccard, containment): ranks competing stories
};

// The join rule: strong text similarity joins alone; moderate text similarity needs titles that
// agree; a nearly identical title lets half the text evidence join. Titles alone never join.
match_verdict verify(const match_features& features, const cluster_options& options);

struct cluster_decision {
    story_id story = 0;
    bool new_story = true;
    double similarity = 0;     // of the best verified match, 0 for a new story
    item_id matched_item = 0;  // the member matched, 0 for a new story
    std::string reason;        // e.g. "jaccard 0.82", "containment 0.91", "no candidate"
};

class clusterer {
  public:
    explicit clusterer(cluster_options options = {}, story_id first_story_id = 1);
    ~clusterer();
    clusterer(clusterer&&) noexcept;
    clusterer& operator=(clusterer&&) noexcept;

    // Decide the story of a new item seen at `time` (unix seconds, the order key); adds it to
    // the index. Expires members older than time - window first.
    cluster_decision add(item_id item, std::int64_t time, const signature& sig);
    // After a restart: re-insert a stored windowed member (in original order) with its known
    // story, so the index is exactly what it was.
    void restore(item_id item, story_id story, std::int64_t time, const signature& sig);
    void set_next_story_id(story_id next);
    story_id next_story_id() const;
    void expire(std::int64_t now);  // drop members older than the window
    std::size_t windowed_items() const;
    std::size_t memory_bytes() const;  // heap held by the index, for the memory goal

    const cluster_options& options() const { return options_; }

  private:
    struct state;
    // add() and restore(): the member enters the window; keys: its band keys when add() has
    // computed them, else nullptr.
    void insert(item_id item, story_id story, std::int64_t time, const signature& sig,
                const std::uint32_t* keys);
    cluster_options options_;
    std::unique_ptr<state> state_;
};

}  // namespace feedd::stories
