#pragma once
// Streaming near-duplicate clustering: each new item joins the story of its best-matching item
// inside a sliding time window, or starts a new story. Candidates come from LSH bands over the
// MinHash values; each candidate is verified by estimated Jaccard, containment (a truncated
// summary inside a longer copy) and title agreement. Pure and single-threaded: time is passed in.
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "stories/signature.hpp"

namespace feedd::stories {

using story_id = std::int64_t;
using item_id = std::int64_t;

struct cluster_options {
    std::chrono::seconds window{std::chrono::hours(24 * 7)};  // members older than this expire
    double threshold = 0.3;    // estimated Jaccard that joins on its own
    double containment = 0.7;  // estimated containment of the shorter text that joins
    std::uint32_t min_contained_shingles = 8;  // shorter text must have this many shingles
    double title_support = 0.5;       // title-word overlap that lets weaker text evidence join
    double headline_threshold = 0.6;  // Jaccard for two headline-only items (no text)
    int bands = 16;  // LSH bands of `rows` MinHash values each (bands * rows <= hashes)
    int rows = 2;
};

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
    cluster_options options_;
    std::unique_ptr<state> state_;
};

}  // namespace feedd::stories
