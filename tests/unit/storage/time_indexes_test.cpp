// A first import goes without the time-ordered indexes and builds them when its round is over
// (database::defer_time_indexes, build_time_indexes); a real SQLite file per test.
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/database_access.hpp"
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

}  // namespace
}  // namespace feedd::storage
