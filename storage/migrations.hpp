// The schema history of the feedd store: an append-only list of migrations whose
// index is PRAGMA user_version. Internal to storage/ (it speaks SQLiteCpp); the
// public API is storage/database.hpp.
#pragma once

#include <array>
#include <string>
#include <string_view>

#include <SQLiteCpp/Database.h>

namespace feedd::storage {

// Registers the SQL functions the schema calls (feedd_fold_title, feedd_fold_text: the
// folded text items_fts indexes, migration 8) and the FTS5 tokenizer it splits words with
// (feedd_folded, migration 12) on a connection, before it reads or writes the full-text index.
// Every connection feedd opens has them; one without them (the sqlite3 shell) cannot delete
// items, which keeps the index from drifting from the items, nor search the index.
void register_index_functions(SQLite::Database& db);

// The schema version this build writes: the number of migrations.
int latest_schema_version();

// PRAGMA user_version of an open connection.
int schema_version_of(SQLite::Database& db);

// Brings a read-write connection up to latest_schema_version(), one migration per
// IMMEDIATE transaction together with its version bump. Throws std::runtime_error
// naming `name` (the file) when the database is newer than this build.
void migrate(SQLite::Database& db, std::string_view name);

// The time-ordered indexes, as the migrations left them (items_newest: migration 1,
// stories_newest: migration 2, with source_count since migration 14). Each new item and story
// puts a row at a random place in them, which a first import pays for thousands of times over;
// it builds them after its round instead (database::defer_time_indexes; docs/design.md, "The
// writer's SQLite"). A migration that changes one must DROP INDEX IF EXISTS: an import cut
// short leaves them missing until the daemon's next round is over.
struct index_definition {
    std::string_view name;
    std::string_view create;  // CREATE INDEX IF NOT EXISTS ...
};
extern const std::array<index_definition, 2> time_ordered_indexes;

// Whether the index exists in the connection's main database.
bool has_index(SQLite::Database& db, std::string_view name);

}  // namespace feedd::storage
