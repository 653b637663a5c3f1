// The SQL behind stories: recording the clusterer's decisions inside a refresh's
// transaction, reading stories back, and the windowed signatures for the index
// rebuild. Internal to storage/ (it speaks SQLiteCpp); the public API is
// storage/database.hpp with the types of storage/stories.hpp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/multi_row_insert.hpp"
#include "storage/stories.hpp"

namespace feedd::storage {

class story_store {
  public:
    explicit story_store(SQLite::Database& db);

    // Writer only, inside the refresh's transaction.
    // The feed's display title (configured, else its own) if any, and its config_url.
    std::pair<std::optional<std::string>, std::string> feed_names(std::int64_t feed_id);
    // The clustering order number the next member gets.
    std::int64_t next_seq();
    // Stores the decisions of one refresh, items[i] in clustering order with seq
    // first_seq + i: the member rows (with their signatures), the stories' counters and
    // sources. Throws std::runtime_error when a decision contradicts the store (a join to
    // an unknown story, a "new" story whose id exists).
    void record(const std::vector<new_item>& items, const std::vector<story_assignment>& decisions,
                std::int64_t first_seq);
    void prune_signatures(timestamp before);

    std::vector<story_view> list(const story_query& q);
    std::optional<story_view> load(std::int64_t id);
    // The stories of ids that exist, in the order of ids, each with its sources and members:
    // three queries in all.
    std::vector<story_view> load(const std::vector<std::int64_t>& ids);
    std::vector<windowed_signature> windowed(timestamp since);
    // The same rows, one at a time: nothing is held (the row is valid during the call).
    void windowed(timestamp since, const std::function<void(const windowed_signature&)>& each);
    std::int64_t max_story_id();

  private:
    void join_story(const new_item& item, const story_assignment& decision);
    // The story's representative item, or nothing when it is not stored.
    std::optional<std::int64_t> stored_representative(std::int64_t story_id);

    SQLite::Database& db_;
    SQLite::Statement feed_title_;
    SQLite::Statement next_seq_;
    multi_row_insert insert_stories_;
    multi_row_insert insert_members_;
    SQLite::Statement store_first_source_;
    SQLite::Statement upsert_source_;
    SQLite::Statement update_story_;
    SQLite::Statement window_edge_;
    SQLite::Statement forget_signatures_;
    SQLite::Statement move_window_;
    SQLite::Statement max_sources_;
    SQLite::Statement list_ids_;
    SQLite::Statement select_stories_;
    SQLite::Statement select_sources_;
    SQLite::Statement select_members_;
    SQLite::Statement select_windowed_;
    SQLite::Statement max_story_id_;
};

}  // namespace feedd::storage
