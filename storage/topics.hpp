// Topics as stored: the [[topic]] tables last synced from the configuration, and (once stories
// exist) each topic's timeline. The daemon syncs on start and SIGHUP; readers (CLI, HTTP API)
// list and look topics up by name.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/database.hpp"

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

}  // namespace feedd::storage
