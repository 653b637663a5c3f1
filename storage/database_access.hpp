// Internal to storage/: the connection behind a `database`, for storage's other repositories
// (search, topics). Never included outside storage/, so SQLiteCpp stays out of the public API.
#pragma once

#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"

namespace feedd::storage {

class wal_checkpointer;

struct database_access {
    // The connection is owned by `db`; use it only on the thread that owns `db`.
    static SQLite::Database& connection(const database& db);
    static const std::string& name(const database& db);  // the file, for messages
    static bool writable(const database& db);
    // The thread that checkpoints a read-write file's log; null for others.
    static wal_checkpointer* checkpointer(const database& db);

    // The columns read_item reads, first in a SELECT … item_from (more columns may follow).
    static constexpr const char* item_columns = R"sql(
i.id, i.feed_id, f.config_url, coalesce(f.title, f.feed_title), i.key, i.guid, i.title, i.link,
i.published, i.updated, i.summary, i.content_html, i.authors, i.categories, i.first_seen,
m.story_id
)sql";
    static constexpr int item_column_count = 16;
    static constexpr const char* item_from = R"sql(
FROM items i JOIN feeds f ON f.id = i.feed_id LEFT JOIN story_members m ON m.item_id = i.id
)sql";
    static stored_item read_item(const SQLite::Statement& row);
};

}  // namespace feedd::storage
