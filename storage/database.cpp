#include "storage/database.hpp"

#include <algorithm>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <filesystem>

#include <stdexcept>
#include <string_view>
#include <unordered_set>
#include <utility>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <sqlite3.h>

#include "feeds/identity.hpp"
#include "feeds/text.hpp"
#include "storage/checkpointer.hpp"
#include "storage/first_import.hpp"
#include "storage/database_access.hpp"
#include "storage/json_columns.hpp"
#include "storage/migrations.hpp"
#include "storage/multi_row_insert.hpp"
#include "storage/search.hpp"
#include "storage/sql_helpers.hpp"
#include "storage/story_store.hpp"
#include "storage/topic_store.hpp"
#include "storage/writer_vfs.hpp"

namespace feedd::storage {
namespace json = boost::json;

namespace {

// fetch_outcome::not_modified as feeds::to_string spells it; storage sees only the
// model headers, not feeds/fetch.hpp.
constexpr std::string_view not_modified_outcome = "not_modified";

// Consecutive polls that must see the same permanent redirect before it is stored.
constexpr int permanent_redirect_repeats = 2;

std::vector<std::string> strings_from_json(const std::string& text) {
    return json::value_to<std::vector<std::string>>(json::parse(text));
}

// The stored authors keep name, email and url; readers get one display string each.
std::vector<std::string> author_names_from_json(const std::string& text) {
    std::vector<std::string> names;
    const auto parsed = json::parse(text);  // named: a temporary would die before the loop
    for (const auto& author : parsed.as_array()) {
        const auto& fields = author.as_object();
        for (const char* field : {"name", "email", "url"}) {
            const auto* v = fields.if_contains(field);
            if (v != nullptr && v->is_string()) {
                names.emplace_back(v->get_string());
                break;
            }
        }
    }
    return names;
}

// Why SQLite could not open a file read-write, when the file system says so: SQLite
// itself only reports "unable to open database file" or "readonly database".
std::string access_hint(const std::filesystem::path& path, open_mode mode) {
    if (mode != open_mode::read_write) return {};
    const auto folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
    if (::access(path.c_str(), F_OK) == 0 && ::access(path.c_str(), W_OK) != 0) {
        return fmt::format(" (the file is read-only: {})", std::strerror(errno));
    }
    if (::access(folder.c_str(), W_OK) != 0) {
        return fmt::format(
            " (its folder {} is read-only: {}; the write-ahead log needs to create files "
            "beside the database)",
            folder.string(), std::strerror(errno));
    }
    return {};
}

// Before anything else of SQLite's: the first connection or VFS lookup initialises it.
void configure_sqlite() {
    // SQLite counts every allocation under a global mutex for sqlite3_memory_used(), which
    // feedd never reads: 2.4M locked counts, ~3 % of the writer's instructions in a cold poll
    // of 1000 feeds. It can only be turned off before SQLite initialises; a later call
    // returns SQLITE_MISUSE and changes nothing.
    [[maybe_unused]] static const int memstatus_off = sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    // A sort keeps up to max(this, the page cache's size) of keys in memory before it spills a
    // run to a temporary file (SQLite's default: 250 pages). Only database::build_time_indexes
    // sorts with a page cache shrunk below that, to keep its sort at 64 KiB.
    [[maybe_unused]] static const int pma_size = sqlite3_config(SQLITE_CONFIG_PMASZ, 16U);
}

// A read-write connection keeps its statement journals in memory and writes its WAL in large
// writes (storage/writer_vfs.hpp).
std::unique_ptr<writer_vfs> writer_vfs_for(open_mode mode) {
    configure_sqlite();
    return mode == open_mode::read_write ? std::make_unique<writer_vfs>() : nullptr;
}

// import_new: a poller's new file, whose first import starts at once (its marker is written).
SQLite::Database open_connection(const std::string& name, open_mode mode, const writer_vfs* vfs,
                                 bool import_new = false) {
    configure_sqlite();
    if (mode == open_mode::read_only) {
        if (name != ":memory:" && !std::filesystem::exists(name)) {
            throw std::runtime_error(fmt::format(
                "{}: no such database file; the daemon creates it on its first start", name));
        }
        SQLite::Database db(name, SQLite::OPEN_READONLY, busy_timeout_ms);
        // journal_mode is a property of the file that the writer set; a read-only
        // connection could not change it anyway.
        db.exec("PRAGMA foreign_keys = ON");
        register_index_functions(db);
        int version = 0;
        try {
            version = schema_version_of(db);
        } catch (const SQLite::Exception& e) {
            // A writer killed during a first import (storage/first_import.hpp) left a hot
            // rollback journal, which only a read-write connection may roll back: SQLite's
            // locks tell that no writer is alive, so one brief read-write open repairs the
            // file, as the next poller's would, and the read goes on.
            if (e.getExtendedErrorCode() != SQLITE_READONLY_ROLLBACK) throw;
            {
                SQLite::Database repair(name, SQLite::OPEN_READWRITE, busy_timeout_ms);
                repair.execAndGet("SELECT count(*) FROM sqlite_schema");
            }
            version = schema_version_of(db);
        }
        if (version != latest_schema_version()) {
            const auto* why = version == 0                        ? "is not initialised"
                              : version < latest_schema_version() ? "needs migrating"
                                                                  : "is newer than this feedd";
            throw std::runtime_error(
                fmt::format("{}: database schema version {} {} (this feedd uses version {}); "
                            "open it read-write once (start the daemon) or use a matching feedd",
                            name, version, why, latest_schema_version()));
        }
        return db;
    }
    // A read-write connection belongs to one thread at a time (the writer), so it needs no
    // mutex of its own around every call (multi-thread mode, not serialized).
    SQLite::Database db(name, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_NOMUTEX,
                        busy_timeout_ms, vfs != nullptr ? vfs->name() : "");
    // Before anything writes (setting up a new file writes its first page).
    if (import_new) db.exec("PRAGMA synchronous = OFF; PRAGMA journal_mode = TRUNCATE");
    // A new file returns the pages retention frees to the file system (PRAGMA
    // incremental_vacuum). The mode can only be chosen before the first table exists; older
    // files switch with one VACUUM (storage/retention.hpp, enable_incremental_vacuum).
    if (db.execAndGet("SELECT count(*) FROM sqlite_master").getInt() == 0) {
        db.exec("PRAGMA auto_vacuum = INCREMENTAL");
    }
    // A first import in progress (storage/first_import.hpp) writes through a rollback journal
    // that this connection must leave alone; it writes with full syncs meanwhile. (A marker
    // left by an import that was cut short is cleared by the next poller, before it opens.)
    const bool import_running =
        !import_new && name != ":memory:" && std::filesystem::exists(import_marker_file(name));
    const auto journal = db.execAndGet(import_new || import_running ? "PRAGMA journal_mode"
                                                                    : "PRAGMA journal_mode = WAL")
                             .getString();
    const auto* wanted = import_new ? "truncate" : "wal";
    if (journal != wanted && journal != "memory" && !import_running) {  // "memory": ":memory:"
        throw std::runtime_error(fmt::format(
            "{}: cannot switch to {} journal mode (got \"{}\"); readers would block the writer",
            name, wanted, journal));
    }
    // NORMAL is durable with WAL except for the last commits at a power cut; OFF only for a
    // first import (above), which has its own recovery.
    if (!import_new)
        db.exec(journal == "wal" ? "PRAGMA synchronous = NORMAL" : "PRAGMA synchronous = FULL");
    // The page cache: 1 MiB, half SQLite's default. A first import no longer writes the
    // time-ordered indexes (defer_time_indexes), which needed the room: at 2 MiB against 1 a
    // cold poll of 1000 feeds takes the same time (1.04 s) and peaks 0.5–1.3 MiB higher (the
    // memory goal is half of newsboat's peak, met by ~1 MiB); at 10,000 feeds 1 MiB costs
    // ~4 % more in re-reads of the log (docs/benchmarks.md, session 12). 4 MiB halved those
    // re-reads but cost 2.3 MiB of peak RSS and no CPU time this machine could measure.
    db.exec("PRAGMA cache_size = -1024");
    // Checkpoint every 4000 pages (16 MiB) instead of 1000: a page that many transactions
    // change in a row is copied into the database once per checkpoint, so fewer checkpoints
    // write less (a cold poll: 141 MiB of checkpoint writes for a 93 MiB file, then 113). The
    // file is cut back to that size after a checkpoint that let it grow past it. A file's
    // connection hands its checkpoints to a thread instead (database::impl, wal_checkpointer).
    db.exec("PRAGMA wal_autocheckpoint = 4000");
    db.exec("PRAGMA journal_size_limit = 16777216");
    db.exec("PRAGMA foreign_keys = ON");
    migrate(db, name);  // registers the SQL functions the schema calls
    return db;
}

constexpr const char* select_feed_columns = R"sql(
SELECT f.id, f.config_url, f.url, coalesce(f.title, f.feed_title), f.tags, f.interval_s,
       f.etag, f.last_modified, f.last_fetch, f.last_success, f.last_outcome, f.last_status,
       f.last_error, f.error_count, f.next_poll, f.active,
       f.rate_interval_s, f.ttl_s, f.update_period_s, f.max_age_s, f.skip_hours, f.skip_days,
       f.poll_reason, f.redirect_to, f.redirect_seen,
)sql";
// The listing counts each feed's items; the scheduler's queries do not, so their
// cost does not grow with the items stored.
const std::string select_feed_sql = std::string(select_feed_columns) +
                                    "(SELECT count(*) FROM items i WHERE i.feed_id = f.id)\n"
                                    "FROM feeds f\n";
const std::string select_feed_state_sql = std::string(select_feed_columns) + "0\nFROM feeds f\n";

std::optional<std::chrono::seconds> optional_seconds(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return std::chrono::seconds{column.getInt64()};
}

void bind_optional(SQLite::Statement& stmt, const char* name,
                   const std::optional<std::chrono::seconds>& value) {
    if (value) {
        stmt.bind(name, static_cast<std::int64_t>(value->count()));
    } else {
        stmt.bind(name);
    }
}

feed_row read_feed(const SQLite::Statement& stmt) {
    feed_row row;
    row.id = stmt.getColumn(0).getInt64();
    row.config_url = stmt.getColumn(1).getString();
    row.url = stmt.getColumn(2).getString();
    row.title = optional_text(stmt.getColumn(3));
    row.tags = strings_from_json(stmt.getColumn(4).getString());
    row.interval = std::chrono::seconds{stmt.getColumn(5).getInt64()};
    row.etag = optional_text(stmt.getColumn(6));
    row.last_modified = optional_text(stmt.getColumn(7));
    row.last_fetch = optional_time(stmt.getColumn(8));
    row.last_success = optional_time(stmt.getColumn(9));
    row.last_outcome = stmt.getColumn(10).getString();
    row.last_status = stmt.getColumn(11).getInt();
    row.last_error = stmt.getColumn(12).getString();
    row.error_count = stmt.getColumn(13).getInt();
    row.next_poll = from_unix(stmt.getColumn(14).getInt64());
    row.active = stmt.getColumn(15).getInt() != 0;
    row.schedule.rate_interval = optional_seconds(stmt.getColumn(16));
    row.schedule.ttl = optional_seconds(stmt.getColumn(17));
    row.schedule.update_period = optional_seconds(stmt.getColumn(18));
    row.schedule.max_age = optional_seconds(stmt.getColumn(19));
    row.schedule.skip_hours = static_cast<std::uint32_t>(stmt.getColumn(20).getInt64());
    row.schedule.skip_days = static_cast<std::uint8_t>(stmt.getColumn(21).getInt());
    row.poll_reason = stmt.getColumn(22).getString();
    row.redirect_to = optional_text(stmt.getColumn(23));
    row.redirect_seen = stmt.getColumn(24).getInt();
    row.item_count = stmt.getColumn(25).getInt64();
    return row;
}

std::vector<feed_row> read_feeds(SQLite::Statement& stmt) {
    std::vector<feed_row> rows;
    while (stmt.executeStep()) {
        rows.push_back(read_feed(stmt));
    }
    return rows;
}

// An item of the refresh with what was derived from it.
struct item_to_store {
    const feeds::item* item;
    const prepared_item* prepared;
};

// When an item's story happened, as people read it: when it was published, but
// never later than when we fetched it (a future date is a feed's mistake), and the
// fetch time when the feed gives no date.
timestamp story_time(const feeds::item& it, timestamp fetched_at) {
    return it.published ? std::min(*it.published, fetched_at) : fetched_at;
}

// The outlet an item speaks for: its feed's title, else the host of its link, else
// the feed's URL.
std::string outlet(const std::optional<std::string>& feed_title, const feeds::item& it,
                   const std::string& feed_url) {
    if (feed_title && !feed_title->empty()) return *feed_title;
    if (it.link) {
        const auto url = boost::urls::parse_uri(*it.link);
        // Boost.URL 1.81 keeps the host's case.
        if (url && !url->host().empty()) return feeds::ascii_lower(url->host());
    }
    return feed_url;
}

}  // namespace

std::vector<prepared_item> prepare_items(const std::vector<feeds::item>& items, bool fold) {
    std::vector<prepared_item> out;
    out.reserve(items.size());
    for (const auto& it : items) {
        prepared_item p;
        p.key = feeds::item_key(it);
        p.authors = authors_to_json(it.authors);
        p.categories = strings_to_json(it.categories);
        p.enclosures = enclosures_to_json(it.enclosures);
        if (fold) {
            auto folded = fold_for_index(it.title, it.summary, it.content_html);
            p.folded = true;
            p.folded_title = std::move(folded.title);
            p.folded_text = std::move(folded.text);
        }
        out.push_back(std::move(p));
    }
    return out;
}

struct database::impl {
    impl(std::string name, open_mode mode, bool import_new = false)
        : name_(std::move(name)),
          mode_(mode),
          created_(mode == open_mode::read_write && name_ != ":memory:" &&
                   !std::filesystem::exists(name_)),
          importing_(import_new),
          vfs_(writer_vfs_for(mode)),
          db_(open_connection(name_, mode, vfs_.get(), import_new)),
          select_feeds_(db_, select_feed_sql + "WHERE f.active = 1 OR :all ORDER BY f.id"),
          select_feed_states_(db_, select_feed_state_sql + "WHERE f.active = 1 ORDER BY f.id"),
          select_feed_(db_, select_feed_sql + "WHERE f.id = :id"),
          select_due_(db_, select_feed_state_sql +
                               "WHERE f.active = 1 AND f.next_poll <= :now "
                               "ORDER BY f.next_poll, f.id"),
          upsert_feed_(db_, R"sql(
INSERT INTO feeds (config_url, url, title, tags, interval_s, next_poll, active)
VALUES (:config_url, :config_url, :title, :tags, :interval_s, :now, 1)
ON CONFLICT (config_url) DO UPDATE
SET title = excluded.title, tags = excluded.tags, interval_s = excluded.interval_s,
    -- A shortened interval applies now, not after the old, longer one ran out; a feed
    -- back in the configuration is polled at once. Back-off after errors is kept, and so is
    -- an unchanged interval's schedule: the adaptive one may lie well past last_fetch +
    -- interval_s (a feed that publishes daily), and a restart must not poll every feed.
    next_poll = CASE
        WHEN feeds.active = 0 THEN min(feeds.next_poll, excluded.next_poll)
        WHEN feeds.error_count = 0 AND feeds.last_fetch IS NOT NULL
             AND excluded.interval_s < feeds.interval_s
            THEN min(feeds.next_poll, feeds.last_fetch + excluded.interval_s)
        ELSE feeds.next_poll END,
    active = 1
)sql"),
          deactivate_feeds_(db_, R"sql(
UPDATE feeds SET active = 0
WHERE active = 1 AND config_url NOT IN (SELECT value FROM json_each(:config_urls))
)sql"),
          update_fetch_state_(db_, R"sql(
UPDATE feeds SET
    last_fetch = :fetched_at,
    last_outcome = :outcome,
    last_status = :status,
    last_error = :error,
    next_poll = :next_poll,
    error_count = CASE WHEN :success THEN 0 ELSE error_count + 1 END,
    last_success = CASE WHEN :success THEN :fetched_at ELSE last_success END,
    etag = CASE WHEN :replace_validators THEN :etag ELSE etag END,
    last_modified = CASE WHEN :replace_validators THEN :last_modified ELSE last_modified END,
    feed_title = CASE WHEN :success THEN coalesce(:feed_title, feed_title) ELSE feed_title END,
    -- A permanent redirect moves the feed once two polls in a row saw the same target
    -- (all right-hand sides read the row as it was before this UPDATE).
    url = CASE WHEN :success AND :new_url IS NOT NULL AND redirect_to = :new_url
                    AND redirect_seen + 1 >= :redirect_repeats
               THEN :new_url ELSE url END,
    redirect_seen = CASE WHEN NOT :success OR :new_url IS NULL THEN 0
                         WHEN redirect_to = :new_url THEN redirect_seen + 1 ELSE 1 END,
    redirect_to = CASE WHEN :success THEN :new_url ELSE NULL END,
    rate_interval_s = :rate_interval_s,
    ttl_s = :ttl_s,
    update_period_s = :update_period_s,
    max_age_s = :max_age_s,
    skip_hours = :skip_hours,
    skip_days = :skip_days,
    poll_reason = :poll_reason
WHERE id = :id
)sql"),
          upsert_host_(db_, R"sql(
INSERT INTO hosts (host, not_before, reason) VALUES (:host, :not_before, :reason)
ON CONFLICT (host) DO UPDATE SET not_before = excluded.not_before, reason = excluded.reason
)sql"),
          select_hosts_(db_,
                        "SELECT host, not_before, reason FROM hosts WHERE not_before > :now "
                        "ORDER BY host"),
          // The refresh's items in as few statements as multi_row_insert makes of them.
          insert_items_(
              db_,
              "INSERT INTO items (feed_id, key, guid, title, link, published, updated, "
              "summary, content_html, authors, categories, enclosures, first_seen) VALUES",
              "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)", 13,
              "ON CONFLICT (feed_id, key) DO NOTHING"),
          last_item_id_(db_, "SELECT coalesce(max(id), 0) FROM items"),
          items_after_(db_, "SELECT id, key FROM items WHERE id > ?1 ORDER BY id"),
          insert_fts_(db_, "INSERT INTO items_fts (rowid, title, text) VALUES (?1, ?2, ?3)"),
          update_listed_(db_, R"sql(
UPDATE feeds SET listed_since = (
    SELECT min(first_seen) FROM items
    WHERE feed_id = :id AND key IN (SELECT value FROM json_each(:keys)))
WHERE id = :id
)sql"),
          set_listed_since_(db_, "UPDATE feeds SET listed_since = :since WHERE id = :id"),
          select_items_(db_, "SELECT " + std::string(database_access::item_columns) +
                                 database_access::item_from + R"sql(
WHERE (:since IS NULL OR coalesce(i.published, i.first_seen) >= :since)
ORDER BY coalesce(i.published, i.first_seen) DESC, i.id DESC
LIMIT :limit
)sql"),
          // A statement of its own: "(:feed_url IS NULL OR f.url = :feed_url)" kept SQLite from
          // using the feed's index, so one feed's items were found by walking every item in
          // date order (1 s at 350k items; now its rows, sorted: 15 ms).
          select_feed_items_(db_, "SELECT " + std::string(database_access::item_columns) +
                                      database_access::item_from + R"sql(
WHERE i.feed_id IN (SELECT id FROM feeds WHERE config_url = :feed_url OR url = :feed_url)
  AND (:since IS NULL OR coalesce(i.published, i.first_seen) >= :since)
ORDER BY coalesce(i.published, i.first_seen) DESC, i.id DESC
LIMIT :limit
)sql") {
        if (mode_ == open_mode::read_write) start_checkpointer();
        if (importing_) writeback_ = std::make_unique<background_writeback>(name_);
    }

    ~impl() {
        if (!importing_) return;
        // A first import cut short by a stop: what it stored is kept, durably, so the marker
        // goes (the next start switches the file back to WAL). An open batch rolls back
        // first, through the journal, as its destructor would.
        try {
            batch_.reset();
            sync_path(name_);
            remove_import_marker(name_);
        } catch (...) {  // the marker stays: the next poller decides (first_import.hpp)
        }
    }

    impl(const impl&) = delete;
    impl& operator=(const impl&) = delete;

    // A file in WAL mode (not ":memory:") has its log copied back by a thread of its own.
    void start_checkpointer() {
        if (checkpointer_ || db_.execAndGet("PRAGMA journal_mode").getString() != "wal") return;
        checkpointer_ = std::make_unique<wal_checkpointer>(name_, wal_checkpointer::options{});
        checkpointer_->attach(db_.getHandle());
    }

    // Inside store_refresh's transaction: hands the new items to the clusterer
    // oldest story first and records its decisions.
    void cluster_new_items(const refresh& r, const clustering_step& step,
                           std::vector<new_item>& fresh) {
        if (step.prune_before) stories_.prune_signatures(*step.prune_before);
        if (fresh.empty()) return;
        const auto [title, feed_url] = stories_.feed_names(r.feed_id);
        for (auto& n : fresh) {
            n.source = outlet(title, r.items[n.index], feed_url);
        }
        std::stable_sort(fresh.begin(), fresh.end(), [](const new_item& a, const new_item& b) {
            return a.story_time < b.story_time;
        });
        const auto decisions = step.assign(r, fresh);
        if (decisions.size() != fresh.size()) {
            throw std::logic_error(fmt::format("clustering step returned {} decisions for {} items",
                                               decisions.size(), fresh.size()));
        }
        stories_.record(fresh, decisions, stories_.next_seq());
    }

    // Inserts the refresh's items that are not stored yet (by feed and key) and returns
    // items[i]'s new id, 0 when it was stored already. A new row's id is the largest id + 1,
    // so the new rows of a statement have ascending ids in the order of items: all or none
    // new (a first or an unchanged document) needs no read back; otherwise the rows after
    // the previous largest id, in id order, are the new items in order.
    std::vector<std::int64_t> insert_items(const refresh& r,
                                           const std::vector<item_to_store>& items) {
        std::vector<std::int64_t> new_ids(items.size(), 0);
        if (items.empty()) return new_ids;
        std::int64_t before = 0;
        {
            statement_use stmt(last_item_id_);
            last_item_id_.executeStep();
            before = last_item_id_.getColumn(0).getInt64();
        }
        std::size_t stored = 0;
        insert_items_.run(
            items.size(),
            [&](SQLite::Statement& s, int at, std::size_t i) {
                const auto& p = items[i];
                s.bind(at + 1, r.feed_id);
                s.bindNoCopy(at + 2, p.prepared->key);
                bind_optional_no_copy(s, at + 3, p.item->id);
                bind_optional_no_copy(s, at + 4, p.item->title);
                bind_optional_no_copy(s, at + 5, p.item->link);
                bind_optional(s, at + 6, p.item->published);
                bind_optional(s, at + 7, p.item->updated);
                bind_optional_no_copy(s, at + 8, p.item->summary);
                bind_optional_no_copy(s, at + 9, p.item->content_html);
                s.bindNoCopy(at + 10, p.prepared->authors);
                s.bindNoCopy(at + 11, p.prepared->categories);
                s.bindNoCopy(at + 12, p.prepared->enclosures);
                s.bind(at + 13, to_unix(r.fetched_at));
            },
            [](SQLite::Statement&) {},
            [&](SQLite::Statement&) { stored += static_cast<std::size_t>(db_.getChanges()); });
        if (stored == 0) return new_ids;
        if (stored == items.size() &&
            db_.getLastInsertRowid() == before + static_cast<std::int64_t>(stored)) {
            for (std::size_t i = 0; i < items.size(); ++i)
                new_ids[i] = before + 1 + static_cast<std::int64_t>(i);
            return new_ids;
        }
        statement_use stmt(items_after_);
        items_after_.bind(1, before);
        std::size_t next = 0;
        std::size_t found = 0;
        while (items_after_.executeStep()) {
            const auto& key = items_after_.getColumn(1);
            const std::string_view k(key.getText(), static_cast<std::size_t>(key.getBytes()));
            while (next < items.size() && items[next].prepared->key != k)
                ++next;
            if (next == items.size()) {
                throw std::logic_error(fmt::format(
                    "{}: store_refresh: feed {}: item {} (key \"{}\") was not written by this "
                    "refresh, or not in its order",
                    name_, r.feed_id, items_after_.getColumn(0).getInt64(), k));
            }
            new_ids[next++] = items_after_.getColumn(0).getInt64();
            ++found;
        }
        if (found != stored) {
            throw std::logic_error(
                fmt::format("{}: store_refresh: feed {}: {} items written but {} found after id {}",
                            name_, r.feed_id, stored, found, before));
        }
        return new_ids;
    }

    // Writes the folded text of the items stored since the last call into items_fts. FTS5
    // turns everything inserted since its last flush into a new index segment whenever a
    // savepoint begins, and the write batch opens one per refresh: inserted as they came,
    // a cold poll of 1000 feeds made 1000 segments and merged them again and again. Written
    // just before COMMIT, or between refreshes once a MiB of text waits (so a batch of
    // 256 refreshes holds no more than that), they make one segment per MiB or transaction.
    void queue_index_row(std::int64_t item_id, indexed_text text) {
        index_bytes_ += text.title.size() + text.text.size();
        index_rows_.push_back({item_id, std::move(text)});
    }

    void drop_index_rows() {
        index_rows_.clear();
        index_bytes_ = 0;
    }

    void write_index_rows() {
        const auto rows = std::move(index_rows_);
        drop_index_rows();
        for (const auto& row : rows) {
            statement_use use(insert_fts_);
            insert_fts_.bind(1, row.item_id);
            insert_fts_.bindNoCopy(2, row.text.title);
            insert_fts_.bindNoCopy(3, row.text.text);
            insert_fts_.exec();
        }
    }

    // Earlier refreshes' index rows are lost with the statement that failed: committing the
    // batch would store items the index does not hold, so it can only roll back now.
    void fail_batch_on_index(const std::exception& e) {
        batch_failed_ = fmt::format("writing the full-text index failed: {}", e.what());
    }

    // A refresh that arrives in (or finds) a failed batch is not stored; the batch's commit
    // rolls back and reports the same reason.
    [[noreturn]] void refuse_refresh() const {
        throw std::runtime_error(fmt::format(
            "{}: the write batch failed ({}); this refresh was not stored and its feed is "
            "fetched again at its next poll",
            name_, *batch_failed_));
    }

    // Runs a statement that returns no rows (the savepoints' own, prepared once).
    static void exec(SQLite::Statement& stmt) {
        statement_use use(stmt);
        stmt.exec();
    }

    void require_writable(std::string_view operation) const {
        if (mode_ == open_mode::read_only) {
            throw std::logic_error(
                fmt::format("{}: {} on a read-only connection", name_, operation));
        }
    }

    void require_no_batch(std::string_view operation) const {
        if (batch_) throw std::logic_error(fmt::format("{}: {} inside a batch", name_, operation));
    }

    std::string name_;
    open_mode mode_;
    bool created_;                     // this open made the file
    bool importing_;                   // begin_first_import switched, end_first_import not yet done
    std::unique_ptr<writer_vfs> vfs_;  // before db_: outlives the connection
    SQLite::Database db_;
    SQLite::Statement select_feeds_;
    SQLite::Statement select_feed_states_;
    SQLite::Statement select_feed_;
    SQLite::Statement select_due_;
    SQLite::Statement upsert_feed_;
    SQLite::Statement deactivate_feeds_;
    SQLite::Statement update_fetch_state_;
    SQLite::Statement upsert_host_;
    SQLite::Statement select_hosts_;
    multi_row_insert insert_items_;
    SQLite::Statement last_item_id_;
    SQLite::Statement items_after_;
    SQLite::Statement insert_fts_;
    SQLite::Statement update_listed_;
    SQLite::Statement set_listed_since_;
    SQLite::Statement select_items_;
    SQLite::Statement select_feed_items_;
    // One savepoint per refresh inside a write batch (store_refresh).
    SQLite::Statement savepoint_{db_, "SAVEPOINT refresh"};
    SQLite::Statement release_{db_, "RELEASE refresh"};
    SQLite::Statement rollback_to_{db_, "ROLLBACK TO refresh"};
    story_store stories_{db_};
    topic_store topic_store_{db_};
    std::shared_ptr<const topic_set> topics_;     // matched on ingest; null: no timelines
    std::unique_ptr<SQLite::Transaction> batch_;  // an open write_batch
    struct index_row {
        std::int64_t item_id;
        indexed_text text;
    };
    std::vector<index_row> index_rows_;  // items_fts rows waiting for write_index_rows
    std::size_t index_bytes_ = 0;        // their text
    static constexpr std::size_t index_bytes_max = std::size_t{1} << 20;
    std::optional<std::string> batch_failed_;          // why the open batch can only roll back
    std::unique_ptr<background_writeback> writeback_;  // while importing
    // Last: stopped before the statements and the connection go.
    std::unique_ptr<wal_checkpointer> checkpointer_;
};

database::database(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
database::database(database&&) noexcept = default;
database& database::operator=(database&&) noexcept = default;
database::~database() = default;

database database::open(const std::filesystem::path& path, open_mode mode) {
    return open(path, mode, false);
}

database database::open_for_polling(const std::filesystem::path& path) {
    if (path == ":memory:" || std::filesystem::exists(path))
        return open(path, open_mode::read_write, false);
    // A new file: its first import starts before SQLite creates it, so that even its schema
    // goes without syncs (on ext4 the first sync of a new file waits ~30 ms for the journal).
    write_import_marker(path, import_marker{current_boot_id(), false});
    try {
        return open(path, open_mode::read_write, true);
    } catch (...) {
        remove_import_marker(path);
        throw;
    }
}

database database::open(const std::filesystem::path& path, open_mode mode, bool import_new) {
    const auto name = path.string();
    try {
        return database(std::make_unique<impl>(name, mode, import_new));
    } catch (const SQLite::Exception& e) {
        // Our own errors already name the file; SQLite's ("unable to open database
        // file", "file is not a database") do not.
        throw std::runtime_error(
            fmt::format("{}: cannot open database: {}{}", name, e.what(), access_hint(path, mode)));
    }
}

int database::schema_version() {
    return latest_schema_version();
}

std::vector<feed_row> database::sync_feeds(const std::vector<feed_spec>& specs, timestamp now) {
    impl_->require_writable("sync_feeds");
    std::vector<std::string> config_urls;
    std::vector<std::string> tags;
    config_urls.reserve(specs.size());
    tags.reserve(specs.size());
    for (const auto& spec : specs) {
        config_urls.push_back(spec.config_url);
        tags.push_back(strings_to_json(spec.tags));
    }
    const auto config_urls_json = strings_to_json(config_urls);

    SQLite::Transaction tx(impl_->db_, SQLite::TransactionBehavior::IMMEDIATE);
    for (std::size_t i = 0; i < specs.size(); ++i) {
        statement_use upsert(impl_->upsert_feed_);
        upsert->bind(":config_url", specs[i].config_url);
        bind_optional(impl_->upsert_feed_, ":title", specs[i].title);
        upsert->bind(":tags", tags[i]);
        upsert->bind(":interval_s", static_cast<std::int64_t>(specs[i].interval.count()));
        upsert->bind(":now", to_unix(now));
        upsert->exec();
    }
    {
        statement_use deactivate(impl_->deactivate_feeds_);
        deactivate->bind(":config_urls", config_urls_json);
        deactivate->exec();
    }
    tx.commit();
    statement_use states(impl_->select_feed_states_);
    return read_feeds(impl_->select_feed_states_);
}

std::vector<feed_row> database::feeds(bool include_inactive) const {
    statement_use stmt(impl_->select_feeds_);
    stmt->bind(":all", include_inactive ? 1 : 0);
    return read_feeds(impl_->select_feeds_);
}

std::optional<feed_row> database::feed(std::int64_t id) const {
    statement_use stmt(impl_->select_feed_);
    stmt->bind(":id", id);
    if (!stmt->executeStep()) return std::nullopt;
    return read_feed(impl_->select_feed_);
}

std::vector<feed_row> database::due_feeds(timestamp now) const {
    statement_use stmt(impl_->select_due_);
    stmt->bind(":now", to_unix(now));
    return read_feeds(impl_->select_due_);
}

refresh_result database::store_refresh(const refresh& r, const clustering_step& step) {
    impl_->require_writable("store_refresh");
    if (impl_->batch_) {
        // RELEASE on success; on a throw ROLLBACK TO undoes this refresh alone and
        // RELEASE drops the savepoint, leaving the batch's transaction as it was.
        // A MiB of queued index text is written before the next refresh (the writer's idle
        // moments write smaller amounts). It does nothing in a batch that failed, and a failed
        // write fails the batch, which the check below then reports.
        write_pending_index_rows(impl::index_bytes_max);
        if (impl_->batch_failed_) impl_->refuse_refresh();
        try {
            // FTS5 flushes the index rows written so far when a savepoint begins.
            impl_->exec(impl_->savepoint_);
        } catch (const std::exception& e) {
            impl_->fail_batch_on_index(e);
            impl_->refuse_refresh();
        }
        const auto index_rows_before = impl_->index_rows_.size();
        const auto index_bytes_before = impl_->index_bytes_;
        try {
            auto result = store_one(*impl_, r, step);
            impl_->exec(impl_->release_);
            impl_->vfs_->release_journals();
            return result;
        } catch (const std::exception& e) {
            // This refresh's items are undone, so their index rows go too.
            impl_->index_rows_.resize(index_rows_before);
            impl_->index_bytes_ = index_bytes_before;
            try {
                impl_->exec(impl_->rollback_to_);
                impl_->exec(impl_->release_);
                impl_->vfs_->release_journals();
            } catch (const SQLite::Exception&) {
                // SQLite rolled the whole transaction back itself (e.g. a full disk): the
                // batch's commit reports why, for every refresh of the batch.
                impl_->batch_failed_ = fmt::format(
                    "storing a refresh failed and SQLite rolled the transaction back: {}",
                    e.what());
            }
            throw;
        }
    }
    SQLite::Transaction tx(impl_->db_, SQLite::TransactionBehavior::IMMEDIATE);
    impl_->drop_index_rows();
    auto result = store_one(*impl_, r, step);
    impl_->write_index_rows();
    tx.commit();
    return result;
}

void database::begin_batch() {
    impl_->require_writable("begin_batch");
    if (impl_->batch_) throw std::logic_error(fmt::format("{}: batch already open", impl_->name_));
    impl_->batch_ =
        std::make_unique<SQLite::Transaction>(impl_->db_, SQLite::TransactionBehavior::IMMEDIATE);
    impl_->drop_index_rows();
    impl_->batch_failed_.reset();
}

void database::commit_batch() {
    if (!impl_->batch_) throw std::logic_error(fmt::format("{}: no batch open", impl_->name_));
    // Closed whatever happens: a failed COMMIT leaves nothing to roll back to, and a failed
    // index write rolls the whole batch back as the transaction is destroyed.
    const auto tx = std::move(impl_->batch_);
    if (impl_->batch_failed_) {
        const auto why = *std::exchange(impl_->batch_failed_, std::nullopt);
        impl_->drop_index_rows();
        throw std::runtime_error(fmt::format("{}: write batch rolled back: {}", impl_->name_, why));
    }
    impl_->write_index_rows();
    tx->commit();
    if (impl_->writeback_) impl_->writeback_->request();
}

void database::rollback_batch() {
    impl_->batch_.reset();  // SQLite::Transaction's destructor rolls back
    impl_->drop_index_rows();
    impl_->batch_failed_.reset();
}

bool database::write_pending_index_rows(std::size_t min_bytes) {
    auto& db = *impl_;
    if (!db.batch_ || db.batch_failed_ || db.index_rows_.empty() || db.index_bytes_ < min_bytes) {
        return false;
    }
    try {
        db.write_index_rows();
        return true;
    } catch (const std::exception& e) {
        db.fail_batch_on_index(e);
        return false;
    }
}

bool database::in_batch() const {
    return impl_->batch_ != nullptr;
}

void database::block_host(const host_block& block) {
    impl_->require_writable("block_host");
    auto& s = impl_->upsert_host_;
    statement_use stmt(s);
    s.bind(":host", block.host);
    s.bind(":not_before", to_unix(block.not_before));
    s.bind(":reason", block.reason);
    s.exec();
}

std::vector<host_block> database::host_blocks(timestamp now) const {
    auto& s = impl_->select_hosts_;
    statement_use stmt(s);
    s.bind(":now", to_unix(now));
    std::vector<host_block> out;
    while (s.executeStep()) {
        out.push_back({s.getColumn(0).getString(), from_unix(s.getColumn(1).getInt64()),
                       s.getColumn(2).getString()});
    }
    return out;
}

// One refresh inside the caller's transaction.
refresh_result database::store_one(impl& db, const refresh& r, const clustering_step& step) {
    refresh_result result;

    // The daemon prepares items on its CPU pool; callers that did not are served here.
    std::vector<prepared_item> computed;
    const auto* prepared = &r.prepared;
    if (r.prepared.empty() && !r.items.empty()) {
        computed = prepare_items(r.items, false);
        prepared = &computed;
    } else if (r.prepared.size() != r.items.size()) {
        throw std::logic_error(fmt::format("{}: store_refresh: {} prepared items for {} items",
                                           db.name_, r.prepared.size(), r.items.size()));
    }
    std::vector<item_to_store> items;
    items.reserve(r.items.size());
    std::unordered_set<std::string_view> seen;
    for (std::size_t i = 0; i < r.items.size(); ++i) {
        const auto& p = (*prepared)[i];
        if (!seen.insert(p.key).second) {
            ++result.known_items;  // the same item twice in one document
            continue;
        }
        items.push_back(item_to_store{&r.items[i], &p});
    }
    // A 304 carries no validators of its own when the server omits them; the stored
    // ones are still the right ones to send next time.
    const bool replace_validators =
        r.success && !(r.outcome == not_modified_outcome && !r.etag && !r.last_modified);

    std::vector<new_item> fresh;
    std::vector<std::pair<std::int64_t, const feeds::item*>> inserted;  // for topic matching
    {
        auto& s = db.update_fetch_state_;
        statement_use stmt(s);
        s.bind(":id", r.feed_id);
        s.bind(":fetched_at", to_unix(r.fetched_at));
        s.bind(":outcome", r.outcome);
        s.bind(":status", r.http_status);
        s.bind(":error", r.error);
        s.bind(":next_poll", to_unix(r.next_poll));
        s.bind(":success", r.success ? 1 : 0);
        s.bind(":replace_validators", replace_validators ? 1 : 0);
        bind_optional(s, ":etag", r.etag);
        bind_optional(s, ":last_modified", r.last_modified);
        bind_optional(s, ":feed_title", r.feed_title);
        bind_optional(s, ":new_url", r.new_url);
        s.bind(":redirect_repeats", permanent_redirect_repeats);
        bind_optional(s, ":rate_interval_s", r.schedule.rate_interval);
        bind_optional(s, ":ttl_s", r.schedule.ttl);
        bind_optional(s, ":update_period_s", r.schedule.update_period);
        bind_optional(s, ":max_age_s", r.schedule.max_age);
        s.bind(":skip_hours", static_cast<std::int64_t>(r.schedule.skip_hours));
        s.bind(":skip_days", static_cast<int>(r.schedule.skip_days));
        s.bind(":poll_reason", r.poll_reason);
        if (s.exec() == 0) {
            throw std::runtime_error(
                fmt::format("{}: store_refresh: no feed with id {}", db.name_, r.feed_id));
        }
    }
    const auto new_ids = db.insert_items(r, items);
    for (std::size_t i = 0; i < items.size(); ++i) {
        const auto& p = items[i];
        const auto item_id = new_ids[i];
        if (item_id == 0) {
            ++result.known_items;
            continue;
        }
        ++result.new_items;
        if (db.topics_) inserted.emplace_back(item_id, p.item);
        // Unless prepared on the CPU pool, folded here, for new items only: most items of
        // a later poll are already stored, and folding them all would cost more than it saves.
        const auto& prep = *p.prepared;
        db.queue_index_row(item_id, prep.folded ? indexed_text{prep.folded_title, prep.folded_text}
                                                : fold_for_index(p.item->title, p.item->summary,
                                                                 p.item->content_html));
        if (step.assign) {
            fresh.push_back(new_item{item_id,
                                     static_cast<std::size_t>(p.item - r.items.data()),
                                     r.fetched_at,
                                     story_time(*p.item, r.fetched_at),
                                     {}});
        }
    }
    if (r.success && r.outcome != not_modified_outcome) {
        // A parsed document: what it lists bounds what retention may prune (migration 5).
        if (!items.empty() && static_cast<std::size_t>(result.new_items) == items.size()) {
            // Every item it lists was inserted just now with first_seen = fetched_at, which
            // is what the query below would find; in a cold poll that query cost the
            // writer 6 %.
            auto& s = db.set_listed_since_;
            statement_use stmt(s);
            s.bind(":id", r.feed_id);
            s.bind(":since", to_unix(r.fetched_at));
            s.exec();
        } else {
            std::vector<std::string> keys;
            keys.reserve(items.size());
            for (const auto& p : items)
                keys.push_back(p.prepared->key);
            auto& s = db.update_listed_;
            statement_use stmt(s);
            s.bind(":id", r.feed_id);
            s.bind(":keys", strings_to_json(keys));
            s.exec();
        }
    }
    if (step.assign) db.cluster_new_items(r, step, fresh);
    // After clustering: timelines hold stories, so the items need their story ids.
    if (db.topics_ && !inserted.empty()) {
        db.topic_store_.record(*db.topics_, r.feed_id, r.fetched_at, inserted);
    }
    return result;
}

void database::set_topics(std::shared_ptr<const topic_set> topics) {
    impl_->topics_ = std::move(topics);
}

std::vector<stored_item> database::items(const item_query& q) const {
    auto& s = q.feed_url ? impl_->select_feed_items_ : impl_->select_items_;
    statement_use stmt(s);
    if (q.feed_url) s.bind(":feed_url", *q.feed_url);
    bind_optional(s, ":since", q.since);
    s.bind(":limit", q.limit ? *q.limit : -1);  // SQLite: a negative LIMIT means none
    std::vector<stored_item> out;
    while (s.executeStep())
        out.push_back(database_access::read_item(s));
    return out;
}

std::vector<story_view> database::list_stories(const story_query& q) const {
    return impl_->stories_.list(q);
}

std::optional<story_view> database::load_story(std::int64_t id) const {
    return impl_->stories_.load(id);
}

std::vector<story_view> database::load_stories(const std::vector<std::int64_t>& ids) const {
    return impl_->stories_.load(ids);
}

std::vector<windowed_signature> database::windowed_signatures(timestamp since) const {
    return impl_->stories_.windowed(since);
}

void database::scan_windowed_signatures(
    timestamp since, const std::function<void(const windowed_signature&)>& each) const {
    impl_->stories_.windowed(since, each);
}

std::int64_t database::story_count() const {
    return impl_->db_.execAndGet("SELECT count(*) FROM stories").getInt64();
}

std::int64_t database::max_story_id() const {
    return impl_->stories_.max_story_id();
}

bool database::defer_time_indexes() {
    impl_->require_writable("defer_time_indexes");
    impl_->require_no_batch("defer_time_indexes");
    auto& db = impl_->db_;
    SQLite::Transaction tx(db, SQLite::TransactionBehavior::IMMEDIATE);
    const auto missing = [&] {
        return std::any_of(
            time_ordered_indexes.begin(), time_ordered_indexes.end(),
            [&](const index_definition& index) { return !has_index(db, index.name); });
    };
    if (db.execAndGet("SELECT EXISTS (SELECT 1 FROM items)").getInt() != 0) return missing();
    for (const auto& index : time_ordered_indexes)
        db.exec(fmt::format("DROP INDEX IF EXISTS {}", index.name));
    tx.commit();
    return true;
}

bool database::begin_first_import() {
    impl_->require_writable("begin_first_import");
    impl_->require_no_batch("begin_first_import");
    auto& d = *impl_;
    if (d.importing_) return true;
    if (d.name_ == ":memory:" || !d.checkpointer_ ||
        d.db_.execAndGet("SELECT EXISTS (SELECT 1 FROM items)").getInt() != 0) {
        return false;
    }
    const std::filesystem::path file(d.name_);
    // A file that held something (feeds from an OPML import, topics, digests) is copied
    // first, synced, so that a power cut during the import can put it back.
    const import_marker marker{current_boot_id(), !d.created_};
    if (marker.has_base) {
        auto copy = import_base_file(file);
        copy += ".tmp";
        std::filesystem::remove(copy);
        SQLite::Statement vacuum(d.db_, "VACUUM INTO ?");
        vacuum.bind(1, copy.string());
        vacuum.exec();
        sync_path(copy);
        std::filesystem::rename(copy, import_base_file(file));
    }
    write_import_marker(file, marker);  // syncs the folder: the copy's name too
    // The checkpoint thread's connection goes, or the switch could not have the file alone.
    d.checkpointer_.reset();
    d.db_.exec("PRAGMA synchronous = OFF");
    std::string journal;
    try {
        journal = d.db_.execAndGet("PRAGMA journal_mode = TRUNCATE").getString();
    } catch (const SQLite::Exception&) {  // busy: another connection uses the log
    }
    if (journal != "truncate") {
        d.db_.exec("PRAGMA synchronous = NORMAL");
        d.start_checkpointer();
        remove_import_marker(file);
        return false;
    }
    d.importing_ = true;
    d.writeback_ = std::make_unique<background_writeback>(d.name_);
    return true;
}

bool database::end_first_import() {
    impl_->require_writable("end_first_import");
    impl_->require_no_batch("end_first_import");
    auto& d = *impl_;
    if (d.checkpointer_ || d.name_ == ":memory:") return true;
    // The switch needs the file alone for a moment: a reader in the middle of a query makes
    // it wait (up to the busy timeout), and it is tried again later if that was not enough.
    std::string journal;
    try {
        journal = d.db_.execAndGet("PRAGMA journal_mode = WAL").getString();
    } catch (const SQLite::Exception&) {
    }
    if (d.importing_) {
        // Everything the import wrote (the switch too, unsynced), durable with one fsync: no
        // transaction is open, so there is no journal to sync.
        d.writeback_.reset();
        sync_path(d.name_);
        remove_import_marker(d.name_);
        d.importing_ = false;
    }
    if (journal != "wal") {
        d.db_.exec("PRAGMA synchronous = FULL");  // still a rollback journal: sync each commit
        return false;
    }
    d.db_.exec("PRAGMA synchronous = NORMAL");
    d.start_checkpointer();
    return true;
}

bool database::in_first_import() const {
    return impl_->importing_;
}

int database::build_time_indexes() {
    impl_->require_writable("build_time_indexes");
    impl_->require_no_batch("build_time_indexes");
    auto& db = impl_->db_;
    // Each build sorts its table's keys. SQLite's sorter holds up to a page cache's worth of
    // them in one buffer before it spills a sorted run to a temporary file; at the end of a
    // cold poll, the process's peak, that buffer added a MiB to it. With the page cache shrunk
    // meanwhile (the scan of the table does not need it) the buffer stays at 64 KiB
    // (configure_sqlite) and fits in memory the cache gives back.
    const auto cache_size = db.execAndGet("PRAGMA cache_size").getInt64();
    db.exec("PRAGMA cache_size = -64");
    int built = 0;
    std::exception_ptr failure;  // the cache is restored either way
    try {
        for (const auto& index : time_ordered_indexes) {
            if (has_index(db, index.name)) continue;
            db.exec(std::string(index.create));
            ++built;
        }
    } catch (...) {
        failure = std::current_exception();
    }
    db.exec(fmt::format("PRAGMA cache_size = {}", cache_size));
    if (failure) std::rethrow_exception(failure);
    return built;
}

std::string database::integrity_check() const {
    // Run rarely (start-up, tests), so it is prepared on demand rather than kept.
    SQLite::Statement stmt(impl_->db_, "PRAGMA integrity_check");
    std::string report;
    while (stmt.executeStep()) {
        if (!report.empty()) report += '\n';
        report += stmt.getColumn(0).getString();
    }
    // The full-text index against the items it indexes (migration 8's view): a row missing,
    // or words left behind by a delete, is reported. The command is an INSERT (it changes
    // nothing), so only a read-write connection can run it.
    if (report == "ok" && impl_->mode_ == open_mode::read_write) {
        try {
            impl_->db_.exec(
                "INSERT INTO items_fts (items_fts, rank) VALUES ('integrity-check', 1)");
        } catch (const SQLite::Exception& e) {
            report = fmt::format("items_fts does not match the items: {}", e.what());
        }
    }
    // The counts migration 14's triggers keep, against a count of each timeline.
    if (report == "ok") {
        const auto miscounted = impl_->db_.execAndGet(R"sql(
SELECT group_concat(name, ', ') FROM topics
WHERE story_count <> (SELECT count(*) FROM topic_stories WHERE topic_id = topics.id)
)sql");
        if (!miscounted.isNull()) {
            report = fmt::format("topics.story_count does not match the timeline of: {}",
                                 miscounted.getString());
        }
    }
    return report;
}

checkpoint_counters database::checkpoints() const {
    return impl_->checkpointer_ ? impl_->checkpointer_->snapshot() : checkpoint_counters{};
}

stored_item database_access::read_item(const SQLite::Statement& s) {
    stored_item it;
    it.id = s.getColumn(0).getInt64();
    it.feed_id = s.getColumn(1).getInt64();
    it.feed_url = s.getColumn(2).getString();
    it.feed_title = optional_text(s.getColumn(3));
    it.key = s.getColumn(4).getString();
    it.guid = optional_text(s.getColumn(5));
    it.title = optional_text(s.getColumn(6));
    it.link = optional_text(s.getColumn(7));
    it.published = optional_time(s.getColumn(8));
    it.updated = optional_time(s.getColumn(9));
    it.summary = optional_text(s.getColumn(10));
    it.content_html = optional_text(s.getColumn(11));
    it.authors = author_names_from_json(s.getColumn(12).getString());
    it.categories = strings_from_json(s.getColumn(13).getString());
    it.first_seen = from_unix(s.getColumn(14).getInt64());
    if (!s.getColumn(15).isNull()) it.story_id = s.getColumn(15).getInt64();
    return it;
}

SQLite::Database& database_access::connection(const database& db) {
    return db.impl_->db_;
}

const std::string& database_access::name(const database& db) {
    return db.impl_->name_;
}

wal_checkpointer* database_access::checkpointer(const database& db) {
    return db.impl_->checkpointer_.get();
}

bool database_access::writable(const database& db) {
    return db.impl_->mode_ == open_mode::read_write;
}

}  // namespace feedd::storage
