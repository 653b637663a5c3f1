// A first import goes without the time-ordered indexes and builds them when its round is over
// (database::defer_time_indexes, build_time_indexes), and without the write-ahead log, through
// a rollback journal without syncs, with a marker that lets the next poller recover from a
// crash (database::begin_first_import, end_first_import; storage/first_import.hpp). A real
// SQLite file per test.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Transaction.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/database_access.hpp"
#include "storage/first_import.hpp"
#include "storage/migrations.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/storage/full_disk.hpp"

namespace feedd::storage {
namespace {

using test_support::fix_file_size;
using test_support::free_file_size;

using std::chrono::hours;
using std::chrono::seconds;

const timestamp t0{seconds{1'700'000'000}};

// The definitions (sqlite_schema.sql) of the time-ordered indexes that exist, by name.
std::map<std::string, std::string> time_indexes(const std::filesystem::path& path) {
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    std::map<std::string, std::string> found;
    for (const auto& index : time_ordered_indexes) {
        SQLite::Statement stmt(raw, "SELECT sql FROM sqlite_schema WHERE name = ?1");
        stmt.bind(1, std::string(index.name));
        if (stmt.executeStep()) found[std::string(index.name)] = stmt.getColumn(0).getString();
    }
    return found;
}

// Three items of one feed, dated out of order, in one refresh at t0 + hours(1).
void store_three_items(database& db) {
    feed_spec spec;
    spec.config_url = "https://a.example/feed";
    const auto feed_id = db.sync_feeds({spec}, t0).at(0).id;
    refresh r;
    r.feed_id = feed_id;
    r.fetched_at = t0 + hours(1);
    r.outcome = "ok";
    r.http_status = 200;
    r.success = true;
    r.next_poll = t0 + hours(2);
    for (const auto& [id, age] : {std::pair{"mid", 5}, {"new", 1}, {"old", 9}}) {
        feeds::item it;
        it.id = id;
        it.title = id;
        it.published = t0 - hours(age);
        r.items.push_back(it);
    }
    // Each item a story of its own, numbered oldest first (the order the step sees them in).
    std::int64_t next_story = 1;
    clustering_step each_its_own_story;
    each_its_own_story.assign = [&](const refresh&, const std::vector<new_item>& items) {
        std::vector<story_assignment> out(items.size());
        for (auto& a : out) {
            a.story_id = next_story++;
            a.new_story = true;
            a.reason = "no similar story in the window";
        }
        return out;
    };
    db.store_refresh(r, each_its_own_story);
}

std::vector<std::string> titles_newest_first(const database& db) {
    std::vector<std::string> out;
    for (const auto& it : db.items({}))
        out.push_back(it.title.value_or(""));
    return out;
}

std::vector<std::int64_t> stories_newest_first(const database& db) {
    std::vector<std::int64_t> out;
    for (const auto& story : db.list_stories({}))
        out.push_back(story.id);
    return out;
}

TEST(time_indexes, are_defined_as_the_migrations_left_them) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    { auto db = database::open(path, open_mode::read_write); }
    const auto migrated = time_indexes(path);
    ASSERT_EQ(migrated.size(), time_ordered_indexes.size());
    for (const auto& index : time_ordered_indexes) {
        // SQLite stores a CREATE INDEX without its IF NOT EXISTS.
        std::string create(index.create);
        create.erase(create.find("IF NOT EXISTS "), 14);
        EXPECT_EQ(migrated.at(std::string(index.name)), create);
    }
}

std::int64_t cache_size(const database& db) {
    return database_access::connection(db).execAndGet("PRAGMA cache_size").getInt64();
}

TEST(time_indexes, a_first_import_goes_without_them_until_they_are_built) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open(path, open_mode::read_write);
    const auto migrated = time_indexes(path);
    ASSERT_TRUE(db.defer_time_indexes());
    EXPECT_TRUE(time_indexes(path).empty());

    store_three_items(db);
    // Listings are right without them, only slower.
    EXPECT_EQ(titles_newest_first(db), (std::vector<std::string>{"new", "mid", "old"}));
    EXPECT_EQ(stories_newest_first(db), (std::vector<std::int64_t>{3, 2, 1}));

    const auto cache = cache_size(db);
    EXPECT_EQ(db.build_time_indexes(), 2);
    EXPECT_EQ(cache_size(db), cache);  // shrunk for the sort only
    EXPECT_EQ(time_indexes(path), migrated);
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_EQ(titles_newest_first(db), (std::vector<std::string>{"new", "mid", "old"}));
    EXPECT_EQ(stories_newest_first(db), (std::vector<std::int64_t>{3, 2, 1}));
    EXPECT_EQ(db.build_time_indexes(), 0);

    // Items are stored now: nothing to defer, and the indexes stay.
    EXPECT_FALSE(db.defer_time_indexes());
    EXPECT_EQ(time_indexes(path), migrated);
}

TEST(time_indexes, another_connection_opened_during_an_import_leaves_them_missing) {
    // The daemon's digest thread and feedd's other commands open the file read-write while
    // the writer imports.
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open(path, open_mode::read_write);
    ASSERT_TRUE(db.defer_time_indexes());
    { auto other = database::open(path, open_mode::read_write); }
    EXPECT_TRUE(time_indexes(path).empty());
    store_three_items(db);
    { auto other = database::open(path, open_mode::read_write); }
    EXPECT_TRUE(time_indexes(path).empty());
}

TEST(time_indexes, an_import_cut_short_leaves_them_to_the_next_start) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    std::map<std::string, std::string> migrated;
    {
        auto db = database::open(path, open_mode::read_write);
        migrated = time_indexes(path);
        ASSERT_TRUE(db.defer_time_indexes());
        store_three_items(db);
    }  // closed before the round was over: no build
    {
        // A reader finds the items without them.
        auto reader = database::open(path, open_mode::read_only);
        EXPECT_EQ(titles_newest_first(reader), (std::vector<std::string>{"new", "mid", "old"}));
    }
    // The next start finds them missing, drops nothing (items are stored) and builds them.
    auto db = database::open(path, open_mode::read_write);
    EXPECT_TRUE(time_indexes(path).empty());
    EXPECT_TRUE(db.defer_time_indexes());
    EXPECT_EQ(titles_newest_first(db), (std::vector<std::string>{"new", "mid", "old"}));
    EXPECT_EQ(db.build_time_indexes(), 2);
    EXPECT_EQ(time_indexes(path), migrated);
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_FALSE(db.defer_time_indexes());
}

TEST(time_indexes, a_build_on_a_full_disk_fails_changing_nothing_and_succeeds_later) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open(path, open_mode::read_write);
    ASSERT_TRUE(db.defer_time_indexes());
    store_three_items(db);
    auto& conn = database_access::connection(db);
    const auto cache = cache_size(db);
    conn.exec("PRAGMA incremental_vacuum");  // no free pages left inside the file either
    fix_file_size(conn);
    try {
        db.build_time_indexes();
        ADD_FAILURE() << "an index was built in a file that could not grow";
    } catch (const SQLite::Exception& e) {
        EXPECT_NE(std::string(e.what()).find("full"), std::string::npos) << e.what();
    }
    EXPECT_EQ(cache_size(db), cache);
    EXPECT_TRUE(time_indexes(path).empty());
    EXPECT_TRUE(db.defer_time_indexes());  // still due
    free_file_size(conn);
    EXPECT_EQ(db.build_time_indexes(), 2);
    EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(time_indexes, are_neither_dropped_nor_built_inside_a_batch) {
    auto db = database::open(":memory:", open_mode::read_write);
    const write_batch batch(db);
    EXPECT_THROW(db.defer_time_indexes(), std::logic_error);
    EXPECT_THROW(db.build_time_indexes(), std::logic_error);
}

std::string journal_mode(const database& db) {
    return database_access::connection(db).execAndGet("PRAGMA journal_mode").getString();
}

std::int64_t item_count(const std::filesystem::path& path) {
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    return raw.execAndGet("SELECT count(*) FROM items").getInt64();
}

TEST(first_import, a_new_file_is_written_without_the_log_until_the_import_ends) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open_for_polling(path);
    ASSERT_TRUE(db.in_first_import());
    EXPECT_TRUE(db.begin_first_import());  // already on
    EXPECT_EQ(journal_mode(db), "truncate");
    const auto marker = read_import_marker(path);
    ASSERT_TRUE(marker.has_value());
    EXPECT_EQ(marker->boot_id, current_boot_id());
    EXPECT_FALSE(marker->has_base);  // nothing to put back: the import made the file
    EXPECT_FALSE(std::filesystem::exists(import_base_file(path)));

    store_three_items(db);
    {
        // Another connection (the digest thread, `feedd prune`) does not switch the file to
        // the log (its rollback journal mode is its own), and a reader sees what was committed.
        auto other = database::open(path, open_mode::read_write);
        EXPECT_EQ(journal_mode(other), "delete");
        auto reader = database::open(path, open_mode::read_only);
        EXPECT_EQ(titles_newest_first(reader), (std::vector<std::string>{"new", "mid", "old"}));
    }
    EXPECT_FALSE(std::filesystem::exists(path.string() + "-wal"));

    EXPECT_TRUE(db.end_first_import());
    EXPECT_FALSE(db.in_first_import());
    EXPECT_EQ(journal_mode(db), "wal");
    EXPECT_FALSE(read_import_marker(path).has_value());
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(path)));
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_TRUE(db.end_first_import());     // nothing left to do
    EXPECT_FALSE(db.begin_first_import());  // items are stored
}

TEST(first_import, a_reader_that_keeps_the_switch_back_from_happening_delays_only_the_switch) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open_for_polling(path);
    store_three_items(db);
    {
        // A read transaction held past the busy timeout (5 s): the switch to WAL fails.
        SQLite::Database reader(path.string(), SQLite::OPEN_READONLY);
        SQLite::Transaction read(reader);
        reader.execAndGet("SELECT count(*) FROM items");
        EXPECT_FALSE(db.end_first_import());
        // The import is over all the same: durable, marker gone, each commit synced.
        EXPECT_FALSE(db.in_first_import());
        EXPECT_FALSE(std::filesystem::exists(import_marker_file(path)));
        EXPECT_NE(journal_mode(db), "wal");
        EXPECT_EQ(database_access::connection(db).execAndGet("PRAGMA synchronous").getInt(),
                  2);  // FULL
    }
    EXPECT_TRUE(db.end_first_import());  // tried again once the reader is gone
    EXPECT_EQ(journal_mode(db), "wal");
    EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(first_import, a_file_that_held_feeds_is_copied_before_the_import_and_the_copy_removed_after) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    feed_spec spec;
    spec.config_url = "https://opml.example/feed";
    {
        auto opml_import = database::open(path, open_mode::read_write);
        opml_import.sync_feeds({spec}, t0);
    }
    auto db = database::open_for_polling(path);
    EXPECT_FALSE(db.in_first_import());  // an existing file opens with its log
    EXPECT_EQ(journal_mode(db), "wal");
    ASSERT_TRUE(db.begin_first_import());
    EXPECT_EQ(journal_mode(db), "truncate");
    ASSERT_TRUE(read_import_marker(path).value().has_base);
    {
        SQLite::Database copy(import_base_file(path).string(), SQLite::OPEN_READONLY);
        EXPECT_EQ(copy.execAndGet("SELECT config_url FROM feeds").getString(), spec.config_url);
        EXPECT_EQ(copy.execAndGet("PRAGMA integrity_check").getString(), "ok");
    }
    store_three_items(db);
    EXPECT_TRUE(db.end_first_import());
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(path)));
    EXPECT_FALSE(std::filesystem::exists(import_base_file(path)));
    EXPECT_EQ(journal_mode(db), "wal");
}

TEST(first_import, does_not_begin_on_a_store_with_items_or_in_memory) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    {
        auto db = database::open(path, open_mode::read_write);
        store_three_items(db);
    }
    auto db = database::open_for_polling(path);
    EXPECT_FALSE(db.begin_first_import());
    EXPECT_EQ(journal_mode(db), "wal");
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(path)));
    auto memory = database::open_for_polling(":memory:");
    EXPECT_FALSE(memory.begin_first_import());
    EXPECT_TRUE(memory.end_first_import());
}

TEST(first_import, a_writer_closed_during_the_import_keeps_what_it_stored) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    {
        auto db = database::open_for_polling(path);
        ASSERT_TRUE(db.in_first_import());
        store_three_items(db);
        db.begin_batch();  // in progress at the stop: rolled back
        EXPECT_THROW(db.end_first_import(), std::logic_error);  // not inside a batch
    }
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(path)));
    EXPECT_EQ(item_count(path), 3);
    auto db = database::open_for_polling(path);
    EXPECT_EQ(journal_mode(db), "wal");
    EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(first_import, a_reader_rolls_back_the_journal_a_killed_import_left) {
    // What a kill in the middle of a transaction leaves: the file and its hot journal, copied
    // while the transaction is open (the copies hold no lock, as a dead writer holds none).
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    const auto killed = dir / "killed.db";
    {
        auto db = database::open_for_polling(path);
        store_three_items(db);
        auto& conn = database_access::connection(db);
        SQLite::Transaction tx(conn);
        conn.exec("DELETE FROM feeds");  // changes pages the file had: they go to the journal
        std::filesystem::copy_file(path, killed);
        std::filesystem::copy_file(path.string() + "-journal", killed.string() + "-journal");
    }
    ASSERT_GT(std::filesystem::file_size(killed.string() + "-journal"), 0U);
    auto reader = database::open(killed, open_mode::read_only);  // used to fail: read-only
    EXPECT_EQ(titles_newest_first(reader), (std::vector<std::string>{"new", "mid", "old"}));
    EXPECT_EQ(reader.feeds().size(), 1U);  // the DELETE rolled back
}

// What an import leaves behind when the process or the machine dies: its marker, maybe a
// copy of the file as it was, and the file with the import's pages.
struct interrupted_import {
    test::temp_dir dir;
    std::filesystem::path path = dir / "feedd.db";

    explicit interrupted_import(bool file_held_feeds) {
        if (file_held_feeds) {
            auto before = database::open(path, open_mode::read_write);
            feed_spec spec;
            spec.config_url = "https://opml.example/feed";
            before.sync_feeds({spec}, t0);
        }
        auto db = database::open_for_polling(path);
        if (!db.in_first_import() && !db.begin_first_import()) throw std::logic_error("no import");
        store_three_items(db);
        // What a kill leaves: the writer's own close would end the import.
        const auto marker = read_import_marker(path).value();
        const auto copy = import_base_file(path).string() + ".kept";
        if (marker.has_base) std::filesystem::copy_file(import_base_file(path), copy);
        db = database::open(":memory:", open_mode::read_write);
        write_import_marker(path, marker);
        if (marker.has_base) std::filesystem::rename(copy, import_base_file(path));
    }
};

TEST(first_import, cut_short_in_this_boot_the_file_is_kept) {
    interrupted_import cut(true);
    EXPECT_EQ(recover_interrupted_import(cut.path, current_boot_id()), import_recovery::kept);
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(cut.path)));
    EXPECT_FALSE(std::filesystem::exists(import_base_file(cut.path)));
    EXPECT_EQ(item_count(cut.path), 3);
    EXPECT_EQ(recover_interrupted_import(cut.path, "x"), import_recovery::none);
}

TEST(first_import, cut_short_by_a_restart_of_the_machine_the_file_is_put_back) {
    interrupted_import cut(true);
    // As a power cut may leave it: pages the kernel never wrote.
    std::filesystem::resize_file(cut.path, 4096 * 3);
    EXPECT_EQ(recover_interrupted_import(cut.path, "another-boot"), import_recovery::restored);
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(cut.path)));
    EXPECT_FALSE(std::filesystem::exists(import_base_file(cut.path)));
    EXPECT_EQ(item_count(cut.path), 0);
    auto db = database::open_for_polling(cut.path);
    EXPECT_EQ(db.integrity_check(), "ok");
    ASSERT_EQ(db.feeds().size(), 1U);  // the OPML import's feed is back
    EXPECT_EQ(db.feeds().at(0).config_url, "https://opml.example/feed");
    EXPECT_TRUE(db.begin_first_import());  // and the import starts over
}

TEST(first_import, cut_short_by_a_restart_a_file_the_import_made_is_removed) {
    interrupted_import cut(false);
    EXPECT_EQ(recover_interrupted_import(cut.path, "another-boot"), import_recovery::restored);
    EXPECT_FALSE(std::filesystem::exists(cut.path));
    EXPECT_FALSE(std::filesystem::exists(import_marker_file(cut.path)));
    auto db = database::open_for_polling(cut.path);
    EXPECT_TRUE(db.in_first_import());
}

TEST(first_import, cut_short_where_the_boot_could_not_be_told_the_file_is_put_back) {
    // systemd's ProcSubset=pid hides the boot id from the service: a kill there cannot be
    // told from a power cut, so the import starts over rather than trust unsynced pages.
    interrupted_import cut(true);
    auto marker = read_import_marker(cut.path).value();
    marker.boot_id = std::string(unknown_boot);
    write_import_marker(cut.path, marker);
    EXPECT_EQ(recover_interrupted_import(cut.path, unknown_boot), import_recovery::restored);
    EXPECT_EQ(item_count(cut.path), 0);
}

TEST(first_import, a_marker_it_cannot_read_is_an_error_that_names_it) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    test::write_file(import_marker_file(path), "garbage\n");
    try {
        recover_interrupted_import(path, "b");
        ADD_FAILURE() << "a garbled marker was accepted";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find(import_marker_file(path).string()), std::string::npos)
            << e.what();
    }
}

}  // namespace
}  // namespace feedd::storage
