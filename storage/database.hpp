// The feedd store: one SQLite file (WAL) holding feeds with their fetch state and
// the items they carried. One read-write `database` is the single writer and lives
// on the writer thread; readers open their own read-only `database`. The API
// speaks domain types only; SQLite stays inside storage/.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "feeds/model.hpp"
#include "storage/stories.hpp"

namespace feedd::storage {

struct topic_set;  // storage/topics.hpp

using timestamp = std::chrono::sys_seconds;

// A feed as the configuration declares it. config_url is its identity: a
// permanent redirect changes the URL we fetch, never the feed's identity.
struct feed_spec {
    std::string config_url;
    std::optional<std::string> title;
    std::vector<std::string> tags;
    std::chrono::seconds interval{std::chrono::minutes(15)};
};

// The scheduler's persistent knowledge about a feed, so a restart loses nothing.
struct poll_state {
    std::optional<std::chrono::seconds> rate_interval;  // learnt from the publishing rate
    std::optional<std::chrono::seconds> ttl;            // RSS <ttl>
    std::optional<std::chrono::seconds> update_period;  // sy:updatePeriod / sy:updateFrequency
    std::optional<std::chrono::seconds> max_age;        // Cache-Control max-age / Expires
    std::uint32_t skip_hours = 0;                       // bit h: skip UTC hour h
    std::uint8_t skip_days = 0;                         // bit d: skip weekday d (0 = Sunday)
};

// A host (registrable domain) that asked us to wait (Retry-After on 429/503).
struct host_block {
    std::string host;
    timestamp not_before{};
    std::string reason;
};

struct feed_row {
    std::int64_t id = 0;
    std::string config_url;
    std::string url;                   // what we fetch now (differs after a permanent redirect)
    std::optional<std::string> title;  // configured title, else the feed's own
    std::vector<std::string> tags;
    std::chrono::seconds interval{std::chrono::minutes(15)};
    std::optional<std::string> etag;
    std::optional<std::string> last_modified;
    std::optional<timestamp> last_fetch;
    std::optional<timestamp> last_success;
    std::string last_outcome;  // feeds::to_string(fetch_outcome), "" before the first fetch
    int last_status = 0;       // HTTP status of the last fetch, 0 when none
    std::string last_error;
    int error_count = 0;  // consecutive failures
    timestamp next_poll{};
    std::int64_t item_count = 0;  // only filled by feeds() and feed(); 0 from due_feeds()
    bool active = true;           // false when no longer in the configuration
    poll_state schedule;          // what the scheduler learnt and was told
    std::string poll_reason;      // why next_poll is when it is, e.g. "back-off after 2 errors"
    std::optional<std::string> redirect_to;  // permanent redirect target seen last poll
    int redirect_seen = 0;                   // consecutive polls that saw it
};

// What store_refresh derives from one item without the database. prepare_items runs on
// any thread (the daemon's CPU pool), so the writer only binds and executes.
struct prepared_item {
    std::string key;         // feeds::item_key
    std::string authors;     // JSON, as stored
    std::string categories;  // JSON
    std::string enclosures;  // JSON
    // The full-text index's input (fold_for_index, storage/search.hpp). Unless folded, the
    // transaction folds it, and only if the item turns out to be new.
    bool folded = false;
    std::string folded_title;
    std::string folded_text;
};

// One prepared_item per item, in the same order. With fold, each item's index text is
// folded too: worth it when most items will be new (a feed's first document), wasted on
// items already stored. Pure.
std::vector<prepared_item> prepare_items(const std::vector<feeds::item>& items, bool fold);

// Everything one fetch of one feed produced; stored in one IMMEDIATE transaction.
struct refresh {
    std::int64_t feed_id = 0;
    timestamp fetched_at{};
    std::string outcome;  // feeds::to_string(fetch_outcome)
    int http_status = 0;
    std::string error;
    bool success = false;                // ok or not_modified
    std::optional<std::string> new_url;  // permanent redirect target
    std::optional<std::string> etag;     // replaces the stored validators on success
    std::optional<std::string> last_modified;
    std::optional<std::string> feed_title;  // the document's own title
    std::vector<feeds::item> items;         // in document order
    // prepare_items(items), or empty: store_refresh prepares them in the transaction.
    std::vector<prepared_item> prepared;
    timestamp next_poll{};
    poll_state schedule;      // replaces the stored one
    std::string poll_reason;  // why next_poll
};

struct refresh_result {
    int new_items = 0;
    int known_items = 0;
};

// What the thread that checkpoints a read-write file's log has done (storage/checkpointer.hpp).
struct checkpoint_counters {
    std::int64_t passes = 0;        // checkpoints run by the thread
    std::int64_t writer_waits = 0;  // commits that waited for one, so the log could start over
    std::chrono::microseconds writer_waited{0};  // how long those commits waited in all
    std::int64_t failures = 0;                   // checkpoints that returned an error (not BUSY)
    std::string last_error;
};

struct stored_item {
    std::int64_t id = 0;
    std::int64_t feed_id = 0;
    std::string feed_url;  // the feed's config_url
    std::optional<std::string> feed_title;
    std::string key;  // feeds::item_key
    std::optional<std::string> guid;
    std::optional<std::string> title;
    std::optional<std::string> link;
    std::optional<timestamp> published;
    std::optional<timestamp> updated;
    std::optional<std::string> summary;
    std::optional<std::string> content_html;
    std::vector<std::string> authors;
    std::vector<std::string> categories;
    timestamp first_seen{};
    std::optional<std::int64_t> story_id;  // null until clustered
};

struct item_query {
    std::optional<std::string> feed_url;  // matches config_url or current url
    std::optional<timestamp> since;       // by coalesce(published, first_seen)
    std::optional<int> limit;
};

enum class open_mode { read_write, read_only };

class database {
  public:
    // read_write creates the file and runs migrations; read_only requires an
    // existing, migrated database. Throws std::runtime_error with the path on failure.
    static database open(const std::filesystem::path& path, open_mode mode);
    // The poller's connection: open(path, read_write), except that a file it creates starts
    // its first import at once (begin_first_import), before SQLite writes its first page.
    static database open_for_polling(const std::filesystem::path& path);
    database(database&&) noexcept;
    database& operator=(database&&) noexcept;
    ~database();

    // The schema version this build writes (PRAGMA user_version).
    static int schema_version();

    // Adds configured feeds that are new, updates title/tags/interval of known
    // ones, marks feeds no longer configured inactive (their items stay).
    // New feeds are due immediately (next_poll = now).
    std::vector<feed_row> sync_feeds(const std::vector<feed_spec>& specs, timestamp now);

    std::vector<feed_row> feeds(bool include_inactive = false) const;
    std::optional<feed_row> feed(std::int64_t id) const;
    std::vector<feed_row> due_feeds(timestamp now) const;  // active, next_poll <= now

    // Stores one fetch's outcome and items in one transaction. A permanent redirect
    // (new_url) replaces the fetched URL only once the same target was seen on
    // two consecutive polls: one 301 from a misconfigured server must not move a feed.
    // With a clustering step, the items stored for the first time are clustered
    // and their stories recorded in the same transaction (see clustering_step).
    // Inside an open write_batch the refresh goes into a savepoint of the batch's
    // transaction instead: when it throws, its writes alone are undone.
    refresh_result store_refresh(const refresh& r, const clustering_step& step = {});

    // The topics store_refresh matches new items against (after clustering), adding their
    // stories to the topics' timelines in the same transaction. Null: none. Writer only.
    void set_topics(std::shared_ptr<const topic_set> topics);

    // Host-wide waits (Retry-After on 429/503), kept across restarts.
    void block_host(const host_block& block);
    std::vector<host_block> host_blocks(timestamp now) const;  // those still in force

    // Newest first by coalesce(published, first_seen).
    std::vector<stored_item> items(const item_query& q) const;

    // Stories, most recently active first (by last_seen), with sources and members.
    std::vector<story_view> list_stories(const story_query& q) const;
    std::optional<story_view> load_story(std::int64_t id) const;
    // The stories of ids that exist, in the order of ids: three queries however many.
    std::vector<story_view> load_stories(const std::vector<std::int64_t>& ids) const;
    // Stored signatures in clustering order, from the first member whose clustering
    // time (new_item::time) is at or after `since` on.
    std::vector<windowed_signature> windowed_signatures(timestamp since) const;
    // The same rows handed to `each` one at a time, so rebuilding the story index never
    // holds every stored signature at once. The row is valid during the call only.
    void scan_windowed_signatures(timestamp since,
                                  const std::function<void(const windowed_signature&)>& each) const;
    // How many stories the store holds.
    std::int64_t story_count() const;
    // The highest story id ever stored, 0 when none.
    std::int64_t max_story_id() const;

    // Whether the time-ordered indexes (storage/migrations.hpp) are missing, so that
    // build_time_indexes() is due. With no item stored yet (a first import) it drops them
    // first: each new item and story would put a row at a random place in them, where one sort
    // of each table builds them when the import's round is over. A store with items has them
    // missing only after an import cut short (a kill); nothing builds them on opening, so that a
    // tool or thread that opens the file during an import cannot undo this. Outside a batch,
    // like build_time_indexes().
    bool defer_time_indexes();
    // A first import (no item stored yet) written through a rollback journal without syncs
    // instead of the write-ahead log (storage/first_import.hpp): true when this connection
    // switched (a file, no item, no other connection using the log).
    // Writes the import's marker (and a copy of a file that held anything) first. Outside a
    // batch, like end_first_import().
    bool begin_first_import();
    // Makes what the import wrote durable, removes its marker, and switches the file back to
    // WAL; true when it is in WAL (also without an import). False when a reader kept the
    // switch from happening: the file is then durable, in a rollback journal with full syncs,
    // and a later call (or the next open) tries again. Throws when the sync fails (the import
    // stays open). A writer closed during an import ends it durably too.
    bool end_first_import();
    bool in_first_import() const;
    // Builds the time-ordered indexes that are missing; returns how many it built. Until then
    // listings and timelines are right but sort instead of walking an index.
    int build_time_indexes();

    // "ok" or SQLite's report; also checks the full-text index against the items (read-write
    // connections) and each topic's kept story count against its timeline.
    std::string integrity_check() const;
    // All zero for a connection without a checkpointer (read-only, ":memory:").
    checkpoint_counters checkpoints() const;

    // Group commit (see write_batch): one IMMEDIATE transaction for several refreshes.
    void begin_batch();
    void commit_batch();
    void rollback_batch();  // no-op without an open batch
    bool in_batch() const;
    // Inside a batch, between refreshes: writes the full-text rows of the refreshes stored so
    // far, as commit_batch would, when at least min_bytes of their text wait (store_refresh
    // does at a MiB; a writer whose queue ran dry, at less, so the work fills the wait for the
    // next refresh instead of lengthening the commit). True when rows were written. A failed
    // write fails the batch: later refreshes throw, commit_batch rolls back and says why.
    bool write_pending_index_rows(std::size_t min_bytes);

  private:
    friend struct database_access;  // storage/database_access.hpp, for storage's own modules
    struct impl;
    static refresh_result store_one(impl& db, const refresh& r, const clustering_step& step);
    explicit database(std::unique_ptr<impl> p);
    static database open(const std::filesystem::path& path, open_mode mode, bool import_new);
    std::unique_ptr<impl> impl_;
};

// Group commit: several refreshes, one transaction, one commit. While the batch is
// open, each store_refresh runs in a savepoint of its own, so a refresh that throws
// is undone alone and the others stay. commit() makes them durable together; a
// batch destroyed without commit() rolls all of them back. Writer thread only.
class write_batch {
  public:
    explicit write_batch(database& db) : db_(db) { db_.begin_batch(); }
    write_batch(const write_batch&) = delete;
    write_batch& operator=(const write_batch&) = delete;
    ~write_batch() {
        if (open_) db_.rollback_batch();
    }
    void commit() {
        db_.commit_batch();
        open_ = false;
    }

  private:
    database& db_;
    bool open_ = true;
};

}  // namespace feedd::storage
