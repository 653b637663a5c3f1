// Full-text search over stored items with the topic rule language (stories/topic_rule.hpp).
// SQLite FTS5 narrows the candidates (items_fts: folded titles and text); every candidate is
// then checked with the same matcher topics use, so search and timelines agree on what a rule
// means. Read-only: any connection, including a read-only one, can search.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"
#include "stories/topic_rule.hpp"

namespace feedd::storage {

struct search_request {
    std::string expression;            // the rule language; user input, checked here
    std::optional<std::string> topic;  // only items that topic's rule and scopes also match
    std::optional<timestamp> since;    // by coalesce(published, first_seen)
    int limit = 50;
    // Candidates read and checked at most (0: no bound). A rule the full-text index cannot
    // narrow (only feed:, source:, tag:, category: terms or negations, or a phrase that is
    // in no item) is checked item by item, newest first, until `limit` pass: over a large
    // store that read every item (5-30 s for 350k), holding a reader thread of the daemon.
    std::size_t max_examined = 0;
};

struct search_response {
    std::vector<stored_item> items;  // newest first, at most limit
    // Set when nothing was searched: a bad expression ("column 7: expected …") or an unknown
    // topic. error_column is the expression's column (1-based) for the former, 0 otherwise.
    std::string error;
    std::size_t error_column = 0;
    // The search stopped at max_examined candidates with fewer than limit items found: older
    // items may match too.
    bool stopped_early = false;
};

// Runs a search. Bad user input is reported in the response, never thrown; a broken
// database throws.
search_response search(const database& db, const search_request& request);

// The FTS5 MATCH query every item matching `root` also matches (it may match more: feed, tag,
// source and category terms and negations are left to the matcher). Empty when the rule has
// no title/text word that every match must contain; then the caller scans instead. Words are
// emitted as quoted FTS5 strings, so no user input is ever read as FTS5 syntax.
std::string fts_query(const stories::rule_node& root);

// What items_fts holds for an item: its folded title and folded plain text.
struct indexed_text {
    std::string title;
    std::string text;
};
indexed_text fold_for_index(const std::optional<std::string>& title,
                            const std::optional<std::string>& summary,
                            const std::optional<std::string>& content_html);

// How an item's outlet is named: the feed's title, else its URL's host, else the URL.
std::string source_name(const std::optional<std::string>& feed_title, std::string_view feed_url);

}  // namespace feedd::storage
