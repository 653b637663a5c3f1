// What the HTTP API, topic feeds and web page show: plain read-model structs and the
// store interface the request handler reads them through. The renderers
// (web_render.hpp) and the handler (http_api.hpp) are pure over these types, so they
// are tested with hand-built values; web_store.cpp backs the interface with SQLite.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

namespace feedd::daemon {

using web_time = std::chrono::sys_seconds;

// One item of a story: one outlet's copy.
struct story_item_view {
    std::string feed;    // the feed's URL (config_url)
    std::string source;  // outlet name: the feed's title, else its host
    std::optional<std::string> title;
    std::optional<std::string> link;
    std::optional<web_time> published;
    web_time first_seen{};
};

struct story_view {
    std::int64_t id = 0;
    std::string title;
    std::optional<std::string> link;
    // Plain text: a short teaser of the representative item (storage::story_view::summary).
    std::optional<std::string> summary;
    web_time first_seen{};
    web_time updated{};                // when the last source joined
    std::vector<std::string> sources;  // outlet names, first appearance first
    std::vector<story_item_view> items;
};

struct topic_view {
    std::string name;
    std::int64_t stories = 0;
    std::optional<web_time> updated;  // newest timeline entry
};

// Candidates a search over HTTP reads at most (storage::search_request::max_examined): about
// half a second of a reader thread on this machine (≈ 20 µs each).
inline constexpr std::size_t max_search_examined = 20'000;

// The stories of a search's items, in the order of their best item.
struct search_answer {
    std::vector<story_view> stories;
    // The search stopped after a bounded number of candidates (storage::search_request::
    // max_examined): older items may match too.
    bool stopped_early = false;
};

// A search expression the store could not parse: the message names the column.
struct search_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Read access for the HTTP handler. Implementations run on the reader thread.
class web_store {
  public:
    virtual ~web_store() = default;
    virtual std::vector<storage::feed_row> feeds() = 0;
    virtual std::vector<topic_view> topics() = 0;
    // nullopt: no such topic. Stories newest first, entered at or after since.
    virtual std::optional<std::vector<story_view>> timeline(std::string_view topic,
                                                            std::optional<web_time> since,
                                                            int limit) = 0;
    virtual std::optional<story_view> story(std::int64_t id) = 0;
    // Stories across all feeds, most recently active first: those with a member at or
    // after since and at least min_sources outlets.
    virtual std::vector<story_view> stories(std::optional<web_time> since, int min_sources,
                                            int limit) = 0;
    // Throws search_error for a malformed expression.
    virtual search_answer search(std::string_view expression, std::optional<std::string> topic,
                                 int limit) = 0;
};

}  // namespace feedd::daemon
