#include "storage/retention.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

#include "storage/database_access.hpp"
#include "storage/sql_helpers.hpp"
#include "storage/topic_store.hpp"

namespace feedd::storage {
namespace {

// An item that must stay (i: items, f: its feed): first seen at or after the cutoff, still
// listed by its active feed's latest document (feeds.listed_since, migration 5), inside the
// clustering window (its signature is still stored, so the in-memory index may join it), or
// the newest item: ids are max + 1, so deleting the newest would hand its id out again.
constexpr const char* item_kept = R"sql(
(i.first_seen >= :cutoff
 OR (f.active = 1 AND f.listed_since IS NOT NULL AND i.first_seen >= f.listed_since)
 OR EXISTS (SELECT 1 FROM story_members w WHERE w.item_id = i.id AND w.signature IS NOT NULL)
 OR i.id = (SELECT max(id) FROM items))
)sql";

// The statements of one batch. Prepared per batch: a batch deletes hundreds of rows, so
// preparing a handful of statements is noise, and nothing stays prepared between runs.
struct batch_statements {
    explicit batch_statements(SQLite::Database& conn)
        : candidates(conn, R"sql(
SELECT i.id, i.first_seen, m.story_id
FROM items i JOIN feeds f ON f.id = i.feed_id LEFT JOIN story_members m ON m.item_id = i.id
WHERE i.first_seen < :cutoff AND (i.first_seen, i.id) > (:after_first_seen, :after_id)
ORDER BY i.first_seen, i.id
LIMIT :limit
)sql"),
          item_blocked(conn, fmt::format(R"sql(
SELECT EXISTS (SELECT 1 FROM items i JOIN feeds f ON f.id = i.feed_id
               WHERE i.id = :item AND {})
)sql",
                                         item_kept)),
          // A pending digest (migration 7) reserves its stories until it is sent.
          story_blocked(conn, fmt::format(R"sql(
SELECT EXISTS (SELECT 1 FROM story_members m JOIN items i ON i.id = m.item_id
                    JOIN feeds f ON f.id = i.feed_id
               WHERE m.story_id = :story AND {})
    OR :story = (SELECT max(id) FROM stories)
    OR EXISTS (SELECT 1 FROM digest_stories ds JOIN digests d ON d.id = ds.digest_id
               WHERE ds.story_id = :story AND d.status = 'pending')
)sql",
                                          item_kept)),
          timeline_entries(conn, "SELECT count(*) FROM topic_stories WHERE story_id = :story"),
          // Members, their signatures (cascade) and their full-text rows (trigger) go with
          // the items; sources and timeline entries (cascade) with the story.
          delete_story_items(conn, R"sql(
DELETE FROM items WHERE id IN (SELECT item_id FROM story_members WHERE story_id = :story)
)sql"),
          delete_story(conn, "DELETE FROM stories WHERE id = :story"),
          delete_item(conn, "DELETE FROM items WHERE id = :item") {}

    SQLite::Statement candidates;
    SQLite::Statement item_blocked;
    SQLite::Statement story_blocked;
    SQLite::Statement timeline_entries;
    SQLite::Statement delete_story_items;
    SQLite::Statement delete_story;
    SQLite::Statement delete_item;
};

struct candidate {
    std::int64_t id = 0;
    std::int64_t first_seen = 0;
    std::optional<std::int64_t> story;
};

bool blocked(SQLite::Statement& s, const char* name, std::int64_t id, std::int64_t cutoff) {
    statement_use use(s);
    s.bind(name, id);
    s.bind(":cutoff", cutoff);
    s.executeStep();
    return s.getColumn(0).getInt() != 0;
}

std::int64_t count_of(SQLite::Statement& s, std::int64_t story) {
    statement_use use(s);
    s.bind(":story", story);
    s.executeStep();
    return s.getColumn(0).getInt64();
}

int exec_with(SQLite::Statement& s, const char* name, std::int64_t id) {
    statement_use use(s);
    s.bind(name, id);
    return s.exec();
}

}  // namespace

prune_counts& prune_counts::operator+=(const prune_counts& other) {
    items += other.items;
    stories += other.stories;
    timeline_entries += other.timeline_entries;
    return *this;
}

prune_counts prune_batch(database& db, const prune_options& options, prune_cursor& cursor) {
    if (!database_access::writable(db)) {
        throw std::logic_error(
            fmt::format("{}: prune on a read-only connection", database_access::name(db)));
    }
    prune_counts counts;
    if (cursor.done) return counts;
    auto& conn = database_access::connection(db);
    const auto cutoff = to_unix(options.cutoff);
    const int limit = std::max(1, options.max_items);

    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);
    batch_statements st(conn);
    std::vector<candidate> candidates;
    {
        auto& s = st.candidates;
        statement_use use(s);
        s.bind(":cutoff", cutoff);
        s.bind(":after_first_seen", cursor.after_first_seen);
        s.bind(":after_id", cursor.after_id);
        s.bind(":limit", limit);
        while (s.executeStep()) {
            candidate c{s.getColumn(0).getInt64(), s.getColumn(1).getInt64(), std::nullopt};
            if (!s.getColumn(2).isNull()) c.story = s.getColumn(2).getInt64();
            candidates.push_back(c);
        }
    }
    if (static_cast<int>(candidates.size()) < limit) cursor.done = true;
    for (const auto& c : candidates) {
        if (counts.items >= limit) {
            cursor.done = false;  // the rest of this page comes in the next batch
            break;
        }
        cursor.after_first_seen = c.first_seen;
        cursor.after_id = c.id;
        if (!c.story) {
            if (!blocked(st.item_blocked, ":item", c.id, cutoff)) {
                counts.items += exec_with(st.delete_item, ":item", c.id);
            }
            continue;
        }
        if (!cursor.stories_decided.insert(*c.story).second) continue;
        if (blocked(st.story_blocked, ":story", *c.story, cutoff)) continue;
        counts.timeline_entries += count_of(st.timeline_entries, *c.story);
        counts.items += exec_with(st.delete_story_items, ":story", *c.story);
        counts.stories += exec_with(st.delete_story, ":story", *c.story);
    }
    if (options.dry_run) return counts;  // tx rolls back as it goes out of scope
    // A deleted story may have set a topic's kept latest update (migration 16): readers would
    // read every story of that topic until it is set afresh.
    if (counts.timeline_entries > 0) repair_last_updates(conn);
    tx.commit();
    if (counts.items > 0) {
        // FTS5 only records a deletion, as a marker in a new segment; the rows' words stay
        // in the old segments until a merge rewrites them. Automerge alone lets that grow
        // without bound when as much is deleted as inserted, so each batch pays for a
        // bounded merge (a negative budget merges even below the automerge threshold).
        SQLite::Statement merge(conn,
                                "INSERT INTO items_fts (items_fts, rank) VALUES ('merge', ?1)");
        merge.bind(1, -options.fts_merge_pages);
        merge.exec();
        incremental_vacuum(db, options.vacuum_pages);
    }
    return counts;
}

prune_counts prune_all(database& db, const prune_options& options) {
    prune_cursor cursor;
    prune_counts total;
    while (!cursor.done)
        total += prune_batch(db, options, cursor);
    return total;
}

void incremental_vacuum(database& db, int pages) {
    if (pages <= 0) return;  // SQLite reads 0 as "the whole free list"
    auto& conn = database_access::connection(db);
    // PRAGMA takes no bound parameters; pages is our own number. The pragma does its work
    // only as it is stepped to the end.
    SQLite::Statement s(conn, fmt::format("PRAGMA incremental_vacuum({})", pages));
    while (s.executeStep()) {
    }
}

bool uses_incremental_vacuum(const database& db) {
    return database_access::connection(db).execAndGet("PRAGMA auto_vacuum").getInt() == 2;
}

bool enable_incremental_vacuum(database& db) {
    if (uses_incremental_vacuum(db)) return false;
    auto& conn = database_access::connection(db);
    // On a file with tables, the mode only changes with the VACUUM that rebuilds it.
    conn.exec("PRAGMA auto_vacuum = INCREMENTAL");
    conn.exec("VACUUM");
    if (!uses_incremental_vacuum(db)) {
        throw std::runtime_error(
            fmt::format("{}: VACUUM did not switch the file to incremental auto-vacuum",
                        database_access::name(db)));
    }
    return true;
}

file_pages pages_of(const database& db) {
    auto& conn = database_access::connection(db);
    file_pages p;
    p.page_size = conn.execAndGet("PRAGMA page_size").getInt64();
    p.pages = conn.execAndGet("PRAGMA page_count").getInt64();
    p.free_pages = conn.execAndGet("PRAGMA freelist_count").getInt64();
    return p;
}

}  // namespace feedd::storage
