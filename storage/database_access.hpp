// Internal to storage/: the connection behind a `database`, for storage's other repositories
// (search, topics). Never included outside storage/, so SQLiteCpp stays out of the public API.
#pragma once

#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

#include "storage/database.hpp"

namespace feedd::storage {

struct database_access {
    // The connection is owned by `db`; use it only on the thread that owns `db`.
    static SQLite::Database& connection(const database& db);
    static const std::string& name(const database& db);  // the file, for messages
    static bool writable(const database& db);

    // The columns read_item reads, first in a SELECT over `items i JOIN feeds f` (more
    // columns may follow them).
    static constexpr const char* item_columns = R"sql(
i.id, i.feed_id, f.config_url, coalesce(f.title, f.feed_title), i.key, i.guid, i.title, i.link,
i.published, i.updated, i.summary, i.content_html, i.authors, i.categories, i.first_seen
)sql";
    static constexpr int item_column_count = 15;
    static stored_item read_item(const SQLite::Statement& row);
};

}  // namespace feedd::storage
