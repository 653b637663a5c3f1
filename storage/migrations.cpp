// Schema migrations. THE RULE: this list is append-only. Entry i takes the schema
// from user_version i to i + 1; once an entry has shipped it is never edited,
// reordered or removed, because databases in the field already ran it and would
// silently diverge from new ones. To change the schema, append a new entry (ALTER,
// CREATE, data fixes) and add a test that upgrades from every older version.
#include "storage/migrations.hpp"

#include <array>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include "storage/folded_tokenizer.hpp"
#include "storage/search.hpp"

namespace feedd::storage {
namespace {

void backfill_items_fts(SQLite::Database& db) {
    SQLite::Statement select(db, "SELECT id, title, summary, content_html FROM items");
    SQLite::Statement insert(db, "INSERT INTO items_fts (rowid, title, text) VALUES (?1, ?2, ?3)");
    while (select.executeStep()) {
        const auto optional_text = [&](int column) -> std::optional<std::string> {
            if (select.getColumn(column).isNull()) return std::nullopt;
            return select.getColumn(column).getString();
        };
        const auto folded = fold_for_index(optional_text(1), optional_text(2), optional_text(3));
        insert.reset();
        insert.bind(1, select.getColumn(0).getInt64());
        insert.bind(2, folded.title);
        insert.bind(3, folded.text);
        insert.exec();
    }
}

std::optional<std::string> text_argument(sqlite3_value* value) {
    if (sqlite3_value_type(value) == SQLITE_NULL) return std::nullopt;
    const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(value));
    const auto bytes = static_cast<std::size_t>(sqlite3_value_bytes(value));
    return text == nullptr ? std::string() : std::string(text, bytes);
}

void text_result(sqlite3_context* context, const std::string& text) {
    if (text.empty()) {
        sqlite3_result_text(context, "", 0, nullptr);  // nullptr: SQLITE_STATIC
        return;
    }
    auto* copy = static_cast<char*>(sqlite3_malloc64(text.size()));
    if (copy == nullptr) {
        sqlite3_result_error_nomem(context);
        return;
    }
    std::memcpy(copy, text.data(), text.size());
    sqlite3_result_text64(context, copy, text.size(), sqlite3_free, SQLITE_UTF8);
}

// feedd_fold_title(title) and feedd_fold_text(summary, content_html): what store_refresh
// inserts into items_fts for an item, as SQL (migration 8's view and delete trigger).
void fold_title_function(sqlite3_context* context, int, sqlite3_value** args) {
    try {
        text_result(context, fold_for_index(text_argument(args[0]), {}, {}).title);
    } catch (const std::exception& e) {
        sqlite3_result_error(context, e.what(), -1);
    }
}

void fold_text_function(sqlite3_context* context, int, sqlite3_value** args) {
    try {
        text_result(context,
                    fold_for_index({}, text_argument(args[0]), text_argument(args[1])).text);
    } catch (const std::exception& e) {
        sqlite3_result_error(context, e.what(), -1);
    }
}

struct migration {
    std::string_view description;
    std::string_view sql;
    // Data the SQL cannot compute (text folded in C++), run after it in the same transaction.
    void (*backfill)(SQLite::Database& db) = nullptr;
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
        "stories: members with similarity and reason, sources, windowed signatures",
        R"sql(
-- id is the clusterer's story id; first_seen and last_seen are story times.
-- representative_item is the earliest member; no foreign key, so a future
-- retention job can drop items before their story.
CREATE TABLE stories (
    id                  INTEGER PRIMARY KEY,
    first_seen          INTEGER NOT NULL,
    last_seen           INTEGER NOT NULL,
    representative_item INTEGER NOT NULL,
    member_count        INTEGER NOT NULL,
    source_count        INTEGER NOT NULL
) STRICT;

CREATE INDEX stories_newest ON stories (last_seen DESC, id DESC);

-- Each clustered item's story. seq is the order the clusterer saw the items in,
-- which the index rebuild replays; time is the clustering clock (fetch time),
-- story_time the item's publication capped at the fetch, which people see.
CREATE TABLE story_members (
    item_id      INTEGER PRIMARY KEY REFERENCES items (id) ON DELETE CASCADE,
    story_id     INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    seq          INTEGER NOT NULL UNIQUE,
    time         INTEGER NOT NULL,
    story_time   INTEGER NOT NULL,
    source       TEXT    NOT NULL,
    similarity   REAL,
    matched_item INTEGER,
    reason       TEXT    NOT NULL
) STRICT;

CREATE INDEX story_members_by_story ON story_members (story_id, seq);

CREATE TABLE story_sources (
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    source     TEXT    NOT NULL,
    first_seen INTEGER NOT NULL,
    first_item INTEGER NOT NULL,
    PRIMARY KEY (story_id, source)
) STRICT, WITHOUT ROWID;

-- MinHash signatures of the members still inside the clustering window; seq and
-- time copy the member's, so the window's edge is found from the front of this
-- small table in clustering order.
CREATE TABLE item_signatures (
    item_id   INTEGER PRIMARY KEY REFERENCES story_members (item_id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL UNIQUE,
    time      INTEGER NOT NULL,
    signature BLOB    NOT NULL
) STRICT;
)sql",
    },
    migration{
        "full-text index of item titles and text; topics and their timelines",
        R"sql(
-- Folded text (storage/search.cpp fold_for_index) of each item, keyed by items.id. Folded in C++
-- so the index splits and compares words exactly as topic rules do; kept in step by
-- store_refresh (inserts) and the trigger (deletes, also through ON DELETE CASCADE).
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
END;

-- [[topic]] tables as last synced from the configuration (like feeds: a topic no longer
-- configured is kept inactive, with its timeline).
CREATE TABLE topics (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    match      TEXT    NOT NULL,
    feeds      TEXT    NOT NULL DEFAULT '[]',
    tags       TEXT    NOT NULL DEFAULT '[]',
    active     INTEGER NOT NULL DEFAULT 1,
    changed_at INTEGER NOT NULL
) STRICT;

-- Timelines: a story enters a topic's timeline when one of its items first matches the
-- topic; added_at is that item's first_seen (its fetch time), so a rebuild reproduces it.
CREATE TABLE topic_stories (
    topic_id   INTEGER NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    story_id   INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    added_at   INTEGER NOT NULL,
    first_item INTEGER NOT NULL,
    PRIMARY KEY (topic_id, story_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX topic_stories_timeline ON topic_stories (topic_id, added_at DESC, story_id DESC);
)sql",
        &backfill_items_fts,
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
    migration{
        "retention: what each feed's latest document lists, items by age",
        R"sql(
-- The earliest first_seen among the stored items that the feed's latest parsed document
-- lists (null: it lists none). Retention never prunes an item of an active feed at or after
-- it, so an item the feed still serves is never deleted and stored again on the next poll.
-- Until the next parse, every item a feed has stored counts as listed.
ALTER TABLE feeds ADD COLUMN listed_since INTEGER;
UPDATE feeds SET listed_since = (SELECT min(first_seen) FROM items WHERE feed_id = feeds.id);

-- Retention walks the items oldest first.
CREATE INDEX items_first_seen ON items (first_seen, id);
-- Deleting a story cascades to its timeline entries; without this each delete scans them all.
CREATE INDEX topic_stories_by_story ON topic_stories (story_id);
)sql",
    },
    migration{
        "timeline pages from one index walk: each timeline entry carries its story's "
        "first_seen, kept in step by triggers",
        R"sql(
-- Timelines list stories by the story's first_seen, newest first. With a copy of it on each
-- entry, a page is one walk down topic_stories_page with LIMIT instead of a sort of the
-- whole topic. The triggers keep the copy right whatever writes: a new entry takes the
-- story's value, and an earlier copy joining a story moves its entries.
ALTER TABLE topic_stories ADD COLUMN story_first_seen INTEGER NOT NULL DEFAULT 0;
UPDATE topic_stories SET story_first_seen = (SELECT first_seen FROM stories WHERE id = story_id);
CREATE INDEX topic_stories_page ON topic_stories (topic_id, story_first_seen DESC, story_id DESC);
CREATE TRIGGER topic_stories_entered AFTER INSERT ON topic_stories BEGIN
    UPDATE topic_stories SET story_first_seen = (SELECT first_seen FROM stories WHERE id = new.story_id)
    WHERE topic_id = new.topic_id AND story_id = new.story_id;
END;
CREATE TRIGGER topic_stories_story_moved AFTER UPDATE OF first_seen ON stories
WHEN new.first_seen <> old.first_seen BEGIN
    UPDATE topic_stories SET story_first_seen = new.first_seen WHERE story_id = new.id;
END;
)sql",
    },
    migration{
        "topic digests: what was sent (or is pending) per topic and period, and its stories",
        R"sql(
CREATE TABLE digests (
    id         INTEGER PRIMARY KEY,
    topic_id   INTEGER NOT NULL REFERENCES topics(id),
    period     TEXT    NOT NULL,
    recipients TEXT    NOT NULL,
    message_id TEXT    NOT NULL UNIQUE,
    message    BLOB    NOT NULL,
    status     TEXT    NOT NULL CHECK (status IN ('pending', 'sent', 'empty')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    next_retry INTEGER,
    last_error TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    sent_at    INTEGER,
    UNIQUE (topic_id, period)
) STRICT;

CREATE INDEX digests_pending ON digests (status, next_retry);

CREATE TABLE digest_stories (
    digest_id INTEGER NOT NULL REFERENCES digests(id) ON DELETE CASCADE,
    story_id  INTEGER NOT NULL,
    PRIMARY KEY (digest_id, story_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX digest_stories_story ON digest_stories (story_id);
)sql",
    },
    migration{
        "full-text index without its own copy of the text: external content computed from "
        "items, words only (detail=none)",
        R"sql(
-- The index keeps which items hold each word: not a copy of the folded text (41 MiB of a
-- 142 MiB store for 35k items), nor where the words are or in which column (17.5 MiB of
-- index become 3). A search's FTS5 query is only a necessary condition (storage/search.cpp):
-- "all the words, anywhere in the item" stands in for a phrase or a title: term, and the
-- matcher decides. The folded text is computed from items by the functions that fold it
-- for insert (register_index_functions), for the delete trigger, 'rebuild' and
-- 'integrity-check'. automerge 8: each flush (one per write transaction) is merged half
-- as often as with the default 4; retention's bounded merges tidy the rest.
DROP TRIGGER items_fts_delete;
DROP TABLE items_fts;
CREATE VIEW items_fts_source AS
    SELECT id, feedd_fold_title(title) AS title, feedd_fold_text(summary, content_html) AS text
    FROM items;
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, text, content = 'items_fts_source', content_rowid = 'id', detail = none,
    columnsize = 0, tokenize = 'unicode61 remove_diacritics 2'
);
-- FTS5 forgets a row by being told the words it indexed; items are never updated, so the
-- stored columns fold to what was inserted.
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    INSERT INTO items_fts (items_fts, rowid, title, text)
    VALUES ('delete', old.id, feedd_fold_title(old.title),
            feedd_fold_text(old.summary, old.content_html));
END;
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 8);
INSERT INTO items_fts (items_fts) VALUES ('rebuild');
)sql",
    },
    migration{
        "one index less to write per stored item, and the full-text index rebuilt from each "
        "item's distinct words",
        R"sql(
-- Listing items of one feed walks items_newest and filters (the feed is a bound parameter
-- the planner cannot index on); counting a feed's items, and ON DELETE CASCADE from feeds,
-- use the UNIQUE (feed_id, key) index. Each stored item paid for this index all the same.
DROP INDEX IF EXISTS items_by_feed;
-- fold_for_index now hands FTS5 each word of a column once (storage/search.cpp,
-- distinct_runs). FTS5's integrity-check and its deletes must see what the index was
-- built from, so the rows written with every repeat are indexed again.
INSERT INTO items_fts (items_fts) VALUES ('rebuild');
)sql",
    },
    migration{
        "full-text segments merged sixteen at a time instead of eight",
        R"sql(
-- A write batch flushes one new segment per MiB of text and one at COMMIT; with automerge 8
-- FTS5 merged them again and again while a cold poll of 1000 feeds was written (845 M of the
-- writer's 8,420 M instructions). At 16 (crisismerge's default too) the merges of that poll
-- cost 480 M; a level holds up to 15 segments instead of 7, which a one-word search does
-- not notice (docs/benchmarks.md, "Session 6, writer").
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);
)sql",
    },
    migration{
        "windowed signatures on the member rows: one table, one index and one statement less "
        "per clustered item",
        R"sql(
-- A member's MinHash signature is stored on its story_members row while the member is inside
-- the clustering window, and set to null when the window moves past it. item_signatures
-- repeated the member's key, seq and time in a second table with its own UNIQUE (seq) index,
-- written by a statement of its own for each clustered item. story_window.first_seq says
-- where the window begins (no member before it has a signature), so the prune and the
-- restart's rebuild walk the seq index from there, never over the members the window has
-- forgotten. (A partial index of the signed members would say it too, at 4,000
-- instructions per clustered item.)
ALTER TABLE story_members ADD COLUMN signature BLOB;
UPDATE story_members
SET signature = (SELECT s.signature FROM item_signatures s WHERE s.item_id = story_members.item_id)
WHERE item_id IN (SELECT item_id FROM item_signatures);
CREATE TABLE story_window (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    first_seq INTEGER NOT NULL
) STRICT;
INSERT INTO story_window (id, first_seq)
VALUES (1, coalesce((SELECT min(seq) FROM item_signatures),
                    (SELECT max(seq) + 1 FROM story_members), 1));
DROP TABLE item_signatures;
)sql",
    },
    migration{
        "full-text words split by feedd's own tokenizer: exactly unicode61's words, found "
        "faster",
        R"sql(
-- Splitting the folded text into words was a quarter of what the index cost the writer
-- thread. feedd_folded (storage/folded_tokenizer.hpp) splits it into exactly unicode61's
-- words: a run of ASCII letters and digits without going through unicode61, any other run by
-- unicode61 itself. The index holds the same words for the same items; it is built again
-- because FTS5 keeps the tokenizer in the table's definition (the delete trigger, on items,
-- names the table and stays).
DROP TABLE items_fts;
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, text, content = 'items_fts_source', content_rowid = 'id', detail = none,
    columnsize = 0, tokenize = 'feedd_folded remove_diacritics 2'
);
INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16);
INSERT INTO items_fts (items_fts) VALUES ('rebuild');
)sql",
    },
    migration{
        "a story of one member keeps its outlet on its member row: story_sources rows from "
        "the second member on",
        R"sql(
-- Nine stories in ten have one member, and their one story_sources row repeated that
-- member's outlet, story time and item, in a WITHOUT ROWID b-tree that cost the writer a
-- row and its page splits per clustered item. Readers take a story of one member's source
-- from the member (storage/story_store.cpp); the writer stores the first member's row when a
-- second one joins. Only the rows that say exactly what the member says go.
DELETE FROM story_sources
WHERE story_id IN (SELECT id FROM stories WHERE member_count = 1)
  AND EXISTS (SELECT 1 FROM story_members m
              WHERE m.story_id = story_sources.story_id AND m.item_id = story_sources.first_item
                AND m.source = story_sources.source AND m.story_time = story_sources.first_seen);
)sql",
    },
    migration{
        "read paths that stay fast on a large store: a story count kept per topic, story lists "
        "filtered by sources from the time-ordered index",
        R"sql(
-- Session 13's audit (docs/benchmarks.md, "Session 14, read paths"): on a 350k-item store
-- `query topics` and every page's topic list counted each timeline (count(*) over the topic's
-- stretch of an index). The count is kept on the topic row. The two writers of timeline
-- entries add what they inserted: the writer once per topic and refresh (topic_store::record;
-- a trigger per entry cost a cold poll with four broad topics 5 % more CPU), `topics rebuild`
-- by counting the rebuilt timeline. Deletes, rarer and from more places (rebuild, retention,
-- ON DELETE CASCADE from stories and topics), are counted by a trigger. integrity_check
-- compares every kept count with a fresh one.
ALTER TABLE topics ADD COLUMN story_count INTEGER NOT NULL DEFAULT 0;
UPDATE topics SET story_count = (SELECT count(*) FROM topic_stories WHERE topic_id = topics.id);
CREATE TRIGGER topic_stories_uncounted AFTER DELETE ON topic_stories BEGIN
    UPDATE topics SET story_count = story_count - 1 WHERE id = old.topic_id;
END;
-- Story lists filtered by min_sources walk stories_newest and test source_count, which the
-- index now holds: a min_sources that few stories reach read every story row (0.75 -> 0.02 s
-- at 341k stories). The index stays one of the time-ordered ones a first import builds at its
-- end (time_ordered_indexes); IF EXISTS because an import cut short leaves it missing. Every
-- join of a story already rewrites its entry here (the UPDATE sets last_seen).
DROP INDEX IF EXISTS stories_newest;
CREATE INDEX stories_newest ON stories (last_seen DESC, id DESC, source_count);
)sql",
    },
    migration{
        "story lists by sources: the most sources any story has, from an index of the stories "
        "with more than one",
        R"sql(
-- A min_sources that no story reaches walked all of stories_newest (docs/benchmarks.md,
-- "Session 15, h15-read"). Only the stories with more than one outlet are indexed by their
-- count (2 % of the stories of a 10k-feed farm), so the most any story has is one step down
-- this index and a list asking for more is empty at once. A story starts with one outlet, so
-- a new story writes nothing here; a join that brings a story another outlet writes one
-- entry, next to the story row and stories_newest entry it rewrites anyway.
CREATE INDEX stories_by_sources ON stories (source_count) WHERE source_count > 1;
)sql",
    },
    migration{
        "each topic's latest update kept on its row, so a topic list reads no timeline",
        R"sql(
-- A topic's latest update (the newest last_seen among its stories) was found among the 1000
-- most recently updated stories, else by reading every story of the topic: 0.6 s for a topic
-- of 340k stories none of which is recent (docs/benchmarks.md, "Session 15, h15-read"). It is
-- kept here as an upper bound that is exact until a delete: the writer raises it for the
-- entries it adds (topic_store::record, once per topic and refresh), this trigger when a story
-- of the topic gets newer (a join: a probe of topic_stories_by_story), `topics rebuild` sets
-- it. A delete (retention, ON DELETE CASCADE) may take the story that set it, so a reader
-- takes it only when a story of the topic has that last_seen (a seek down stories_newest),
-- else reads as before; retention sets it afresh after deleting timeline entries.
ALTER TABLE topics ADD COLUMN last_update INTEGER;
UPDATE topics SET last_update = (SELECT max(s.last_seen) FROM topic_stories ts
                                 JOIN stories s ON s.id = ts.story_id
                                 WHERE ts.topic_id = topics.id);
CREATE TRIGGER topics_story_updated AFTER UPDATE OF last_seen ON stories
WHEN new.last_seen > old.last_seen BEGIN
    UPDATE topics SET last_update = new.last_seen
    WHERE (last_update IS NULL OR last_update < new.last_seen)
      AND id IN (SELECT topic_id FROM topic_stories WHERE story_id = new.id);
END;
)sql",
    },
};

}  // namespace

void register_index_functions(SQLite::Database& db) {
    // Deterministic: the same stored columns always fold to the same words, which FTS5's
    // delete and integrity-check rely on. Innocuous: pure, so a view or trigger may call it
    // even with trusted_schema off.
    constexpr int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
    struct sql_function {
        const char* name;
        int arguments;
        void (*call)(sqlite3_context*, int, sqlite3_value**);
    };
    constexpr std::array functions{sql_function{"feedd_fold_title", 1, &fold_title_function},
                                   sql_function{"feedd_fold_text", 2, &fold_text_function}};
    for (const auto& f : functions) {
        const int rc = sqlite3_create_function_v2(db.getHandle(), f.name, f.arguments, flags,
                                                  nullptr, f.call, nullptr, nullptr, nullptr);
        if (rc != SQLITE_OK) {
            throw std::runtime_error(fmt::format("{}: cannot register SQL function {}: {}",
                                                 db.getFilename(), f.name, sqlite3_errstr(rc)));
        }
    }
    register_folded_tokenizer(db);  // migration 12's items_fts splits words with it
}

int latest_schema_version() {
    return static_cast<int>(migrations.size());
}

int schema_version_of(SQLite::Database& db) {
    return db.execAndGet("PRAGMA user_version").getInt();
}

const std::array<index_definition, 2> time_ordered_indexes{
    index_definition{"items_newest",
                     "CREATE INDEX IF NOT EXISTS items_newest ON items "
                     "(coalesce(published, first_seen) DESC, id DESC)"},
    index_definition{
        "stories_newest",
        "CREATE INDEX IF NOT EXISTS stories_newest ON stories (last_seen DESC, id DESC, "
        "source_count)"},
};

bool has_index(SQLite::Database& db, std::string_view name) {
    SQLite::Statement stmt(db, "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = ?1");
    stmt.bind(1, std::string(name));
    return stmt.executeStep();
}

void migrate(SQLite::Database& db, std::string_view name) {
    register_index_functions(db);  // migration 8 indexes stored items through them
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
            if (step.backfill) step.backfill(db);
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
