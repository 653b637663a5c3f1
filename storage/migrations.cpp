// Schema migrations. THE RULE: this list is append-only. Entry i takes the schema
// from user_version i to i + 1; once an entry has shipped it is never edited,
// reordered or removed, because databases in the field already ran it and would
// silently diverge from new ones. To change the schema, append a new entry (ALTER,
// CREATE, data fixes) and add a test that upgrades from every older version.
#include "storage/migrations.hpp"

#include <array>
#include <stdexcept>

#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>

namespace feedd::storage {
namespace {

struct migration {
    std::string_view description;
    std::string_view sql;
};

// Times are integer unix seconds (UTC); lists (tags, authors, categories,
// enclosures) are JSON arrays. STRICT makes SQLite reject a value of the wrong type
// instead of storing it silently.
constexpr std::array migrations{
    migration{
        "feeds, items and their listing indexes",
        R"sql(
CREATE TABLE feeds (
    id            INTEGER PRIMARY KEY,
    config_url    TEXT    NOT NULL UNIQUE,
    url           TEXT    NOT NULL,
    title         TEXT,
    feed_title    TEXT,
    tags          TEXT    NOT NULL DEFAULT '[]',
    interval_s    INTEGER NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    last_fetch    INTEGER,
    last_success  INTEGER,
    last_outcome  TEXT    NOT NULL DEFAULT '',
    last_status   INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT    NOT NULL DEFAULT '',
    error_count   INTEGER NOT NULL DEFAULT 0,
    next_poll     INTEGER NOT NULL,
    active        INTEGER NOT NULL DEFAULT 1
) STRICT;

CREATE INDEX feeds_due ON feeds (active, next_poll);

CREATE TABLE items (
    id           INTEGER PRIMARY KEY,
    feed_id      INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    key          TEXT    NOT NULL,
    guid         TEXT,
    title        TEXT,
    link         TEXT,
    published    INTEGER,
    updated      INTEGER,
    summary      TEXT,
    content_html TEXT,
    authors      TEXT    NOT NULL DEFAULT '[]',
    categories   TEXT    NOT NULL DEFAULT '[]',
    enclosures   TEXT    NOT NULL DEFAULT '[]',
    first_seen   INTEGER NOT NULL,
    UNIQUE (feed_id, key)
) STRICT;

CREATE INDEX items_newest ON items (coalesce(published, first_seen) DESC, id DESC);
CREATE INDEX items_by_feed ON items (feed_id, coalesce(published, first_seen) DESC, id DESC);
)sql",
    },
    migration{
        "adaptive polite scheduling: learnt interval, publisher hints, why the next poll is "
        "when it is, permanent redirects seen in a row, host-wide Retry-After",
        R"sql(
ALTER TABLE feeds ADD COLUMN rate_interval_s INTEGER;
ALTER TABLE feeds ADD COLUMN ttl_s INTEGER;
ALTER TABLE feeds ADD COLUMN update_period_s INTEGER;
ALTER TABLE feeds ADD COLUMN max_age_s INTEGER;
ALTER TABLE feeds ADD COLUMN skip_hours INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN skip_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE feeds ADD COLUMN poll_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN redirect_to TEXT;
ALTER TABLE feeds ADD COLUMN redirect_seen INTEGER NOT NULL DEFAULT 0;

CREATE TABLE hosts (
    host       TEXT    PRIMARY KEY,
    not_before INTEGER NOT NULL,
    reason     TEXT    NOT NULL DEFAULT ''
) STRICT;
)sql",
    },
};

}  // namespace

int latest_schema_version() {
    return static_cast<int>(migrations.size());
}

int schema_version_of(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

void migrate(SQLite::Database& db, std::string_view name) {
    for (;;) {
        // The version is read inside the write transaction so two processes opening
        // the same file cannot both apply the same migration.
        SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
        const int version = schema_version_of(db);
        if (version > latest_schema_version()) {
            throw std::runtime_error(fmt::format(
                "{}: database schema version {} is newer than this feedd supports ({}); "
                "upgrade feedd or use a different database file",
                name, version, latest_schema_version()));
        }
        if (version == latest_schema_version()) {
            return;  // the transaction only read; its destructor rolls back
        }
        const auto& step = migrations.at(static_cast<std::size_t>(version));
        try {
            db.exec(std::string(step.sql));
            // PRAGMA takes no bound parameters; the value is our own loop counter.
            db.exec(fmt::format("PRAGMA user_version = {}", version + 1));
        } catch (const std::exception& e) {
            throw std::runtime_error(fmt::format("{}: migration {} ({}) failed: {}", name,
                                                 version + 1, step.description, e.what()));
        }
        tx.commit();
    }
}

}  // namespace feedd::storage
