// Topics as stored: the [[topic]] tables last synced from the configuration, and (once stories
// exist) each topic's timeline. The daemon syncs on start and SIGHUP; readers (CLI, HTTP API)
// list and look topics up by name.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"
#include "storage/stories.hpp"
#include "stories/topic_rule.hpp"

namespace feedd::storage {

struct topic_spec {
    std::string name;  // slug
    std::string match;
    std::vector<std::string> feeds;  // feed config_urls; empty: every feed
    std::vector<std::string> tags;   // empty: every feed
};

struct topic_row {
    std::int64_t id = 0;
    std::string name;
    std::string match;
    std::vector<std::string> feeds;
    std::vector<std::string> tags;
    bool active = true;    // false once the topic left the configuration (its timeline stays)
    timestamp changed_at;  // when the rule or scopes last changed
};

// Adds new topics, updates changed ones (changed_at = now), marks topics no longer configured
// inactive. Returns the names of topics that are new or whose rule or scopes changed. Writer.
std::vector<std::string> sync_topics(database& db, const std::vector<topic_spec>& specs,
                                     timestamp now);

// Active topics by name (all topics with include_inactive).
std::vector<topic_row> list_topic_rows(const database& db, bool include_inactive = false);
std::optional<topic_row> find_topic(const database& db, std::string_view name);

// Whether a feed is inside a topic's scopes: its url among `feeds` and one of its tags among
// `tags` (an empty list admits every feed).
bool feed_in_scope(const std::vector<std::string>& feeds, const std::vector<std::string>& tags,
                   const std::string& feed_url, const std::vector<std::string>& feed_tags);

// Topics compiled for matching on ingest (database::set_topics) and for rebuilds.
struct compiled_topic {
    std::int64_t id = 0;
    std::string name;
    stories::topic_rule rule;
    std::vector<std::string> feeds;
    std::vector<std::string> tags;
};
struct topic_set {
    std::vector<compiled_topic> topics;
    std::vector<std::string> errors;  // stored rules that no longer parse (topic skipped)
};

// The active stored topics, compiled.
std::shared_ptr<const topic_set> load_topic_set(const database& db);

// Re-evaluates every stored, clustered item against one topic (or every active topic when
// name is empty) and replaces the timeline(s): one IMMEDIATE transaction. Returns each rebuilt
// topic's name and story count; an unknown name throws std::invalid_argument. Writer.
std::vector<std::pair<std::string, std::int64_t>> rebuild_timelines(database& db,
                                                                    std::string_view name);

// ---- read model (any connection) --------------------------------------------------------

struct topic_summary {
    std::string name;
    std::string match;
    bool active = true;
    std::int64_t stories = 0;              // in the timeline
    std::optional<timestamp> last_added;   // newest entry's added_at
    std::optional<timestamp> last_update;  // latest member of any timeline story (last_seen)
};

// Every topic (inactive ones too, marked), by name. The counts are kept (migration 14);
// last_update reads the most recently updated stories, and every story of a timeline that has
// none of them; without with_last_update it stays null and the list reads no story.
std::vector<topic_summary> list_topics(const database& db, bool with_last_update = true);

struct timeline_entry {
    timestamp added_at;           // when the story entered the timeline
    std::int64_t first_item = 0;  // the item that matched first
    story_view story;
};

// A topic's timeline: its stories by first appearance (story first_seen), newest first; since
// filters on when they entered (added_at).
// nullopt when no topic has that name.
std::optional<std::vector<timeline_entry>> load_timeline(const database& db, std::string_view name,
                                                         std::optional<timestamp> since,
                                                         std::optional<int> limit);

// The active topics whose timelines hold this story, by name.
std::vector<std::string> topics_of_story(const database& db, std::int64_t story_id);

}  // namespace feedd::storage
