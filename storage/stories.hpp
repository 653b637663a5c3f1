// The story read-model and the clustering hand-off of the store. A story is a set
// of items the clusterer judged to be copies of one piece (wire copy on several
// outlets); its sources are the outlets in order of first appearance. Plain values
// only: query commands, topics and timelines read them; SQLite stays in storage/.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace feedd::storage {

using timestamp = std::chrono::sys_seconds;

// One outlet of a story: a feed's title (configured, else the document's), else
// the host of the item's link, else the feed's URL.
struct story_source {
    std::string name;
    timestamp first_seen{};       // story time of its earliest member from this outlet
    std::int64_t first_item = 0;  // that member
};

struct story_member {
    std::int64_t item_id = 0;
    std::string feed;  // the feed's config_url
    std::optional<std::string> feed_title;
    std::string source;  // outlet name, as in story_view::sources
    std::optional<std::string> title;
    std::optional<std::string> link;
    std::optional<timestamp> published;
    timestamp story_time{};    // see new_item::story_time
    timestamp clustered_at{};  // when it was fetched and clustered
    // Similarity to the story when it joined; null for the item that started it.
    std::optional<double> similarity;
    std::optional<std::int64_t> matched_item;  // the member it matched best
    std::string reason;                        // the clusterer's words for why
};

struct story_view {
    std::int64_t id = 0;
    timestamp first_seen{};  // earliest member's story time (see new_item::story_time)
    timestamp last_seen{};   // latest member's story time
    std::int64_t representative_item = 0;  // the earliest member
    std::optional<std::string> title;      // the representative's
    std::optional<std::string> link;
    // A short plain-text teaser of the representative's summary (else its content):
    // at most summary_bytes, cut at a word and marked with "…"; null when it has none.
    std::optional<std::string> summary;
    int member_count = 0;
    int source_count = 0;
    std::vector<story_source> sources;  // first appearance first
    std::vector<story_member> items;    // in the order they joined
};

// Teasers stay short: a line or two on a card, a sentence in a feed entry.
inline constexpr std::size_t summary_bytes = 280;
// Of the content HTML, the teaser reads at most this many bytes.
inline constexpr std::size_t summary_html_cap = 16 * 1024;

struct story_query {
    std::optional<timestamp> since;  // stories with a member at or after this time
    int min_sources = 1;
    std::optional<int> limit;
};

// An item a refresh stored for the first time, handed to the clustering step
// inside the refresh's transaction.
struct new_item {
    std::int64_t id = 0;    // items.id
    std::size_t index = 0;  // into refresh::items
    // The clustering clock: when the item was fetched. The window and the index
    // rebuild run on it, so a backlog of old items fetched together still folds.
    timestamp time{};
    // When the story happened, for people: published, but never later than the
    // fetch, else the fetch time. Orders sources, first_seen, the representative.
    timestamp story_time{};
    std::string source;  // outlet name (see story_source)
};

// The clusterer's decision for one new item.
struct story_assignment {
    std::int64_t story_id = 0;
    bool new_story = false;
    std::optional<double> similarity;  // null for a new story
    std::optional<std::int64_t> matched_item;
    std::string reason;
    std::string signature;  // encoded; kept while the item is inside the window
};

struct refresh;  // storage/database.hpp

// What store_refresh runs inside its transaction once it knows which items are new.
struct clustering_step {
    // Gets the refresh and its new items ordered by (story_time, document order),
    // and returns one assignment per item, in that order. Throwing rolls the whole
    // transaction back. (The refresh is passed so one step can serve a transaction
    // that stores several refreshes.)
    std::function<std::vector<story_assignment>(const refresh&, const std::vector<new_item>&)>
        assign;
    // Signatures of the members clustered before the first one whose new_item::time
    // is at or after this are deleted (first in, first out, like the index).
    std::optional<timestamp> prune_before;
};

// A stored signature inside the window, for rebuilding the index at start-up.
struct windowed_signature {
    std::int64_t item_id = 0;
    std::int64_t story_id = 0;
    timestamp time{};  // new_item::time
    std::string signature;
};

}  // namespace feedd::storage
