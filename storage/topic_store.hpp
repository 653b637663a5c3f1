// Internal to storage/: the writes behind timelines, run inside store_refresh's transaction.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "feeds/model.hpp"
#include "storage/topics.hpp"

namespace feedd::storage {

class topic_store {
  public:
    explicit topic_store(SQLite::Database& db);

    // Matches items a refresh stored for the first time (id, item) against every topic and
    // adds their stories to the matching timelines, the new entries to each topic's kept
    // count, and raises its kept latest update to their stories' newest last_seen. Items
    // without a story are skipped. Writer only, inside the caller's transaction.
    void record(const topic_set& topics, std::int64_t feed_id, timestamp fetched_at,
                const std::vector<std::pair<std::int64_t, const feeds::item*>>& items);

  private:
    SQLite::Statement feed_;
    SQLite::Statement story_of_;
    SQLite::Statement insert_;
    SQLite::Statement add_entries_;
};

// Sets each topic's kept latest update (migration 16) afresh where no story of the topic has
// it any more, after deletes took the story that set it. Writer only.
void repair_last_updates(SQLite::Database& conn);

// Runs a bound SELECT of (story_id, added_at, first_item) rows and loads each story: the
// timeline readers' shared tail (load_timeline, unsent_stories).
std::vector<timeline_entry> read_timeline_entries(const database& db, SQLite::Statement& s);

}  // namespace feedd::storage
