#include "storage/migrations.hpp"

#include <chrono>
#include <stdexcept>
#include <string>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "tests/support/errors.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::storage {
namespace {

using std::chrono::seconds;

const timestamp t0{seconds{1'700'000'000}};

int user_version(const std::filesystem::path& path) {
    SQLite::Database db(path.string(), SQLite::OPEN_READONLY);
    return db.execAndGet("PRAGMA user_version").getInt();
}

TEST(migrations, migrate_an_empty_file_to_the_latest_version) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    { auto db = database::open(path, open_mode::read_write); }
    EXPECT_GE(database::schema_version(), 1);
    EXPECT_EQ(user_version(path), database::schema_version());

    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    // WAL is a property of the file, so a fresh connection reports it.
    EXPECT_EQ(raw.execAndGet("PRAGMA journal_mode").getString(), "wal");
    EXPECT_TRUE(raw.tableExists("feeds"));
    EXPECT_TRUE(raw.tableExists("items"));
}

TEST(migrations, reopening_a_migrated_file_is_a_no_op_and_keeps_data) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    {
        auto db = database::open(path, open_mode::read_write);
        feed_spec spec;
        spec.config_url = "https://a.example/feed";
        db.sync_feeds({spec}, t0);
    }
    // Re-running migration 1 would fail on CREATE TABLE; reopening must not.
    auto db = database::open(path, open_mode::read_write);
    EXPECT_EQ(user_version(path), database::schema_version());
    const auto feeds = db.feeds();
    ASSERT_EQ(feeds.size(), 1U);
    EXPECT_EQ(feeds[0].config_url, "https://a.example/feed");
    EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(migrations, migrate_runs_each_pending_step_on_a_raw_connection) {
    SQLite::Database raw(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    EXPECT_EQ(schema_version_of(raw), 0);
    migrate(raw, ":memory:");
    EXPECT_EQ(schema_version_of(raw), latest_schema_version());
    migrate(raw, ":memory:");  // idempotent
    EXPECT_EQ(schema_version_of(raw), latest_schema_version());
}

TEST(migrations, a_newer_schema_is_refused_read_write_and_read_only) {
    test::temp_dir dir;
    const auto path = dir / "future.db";
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("CREATE TABLE something_new (x INTEGER)");
        raw.exec("PRAGMA user_version = " + std::to_string(database::schema_version() + 1));
    }
    const auto rw = test::runtime_error_of([&] { database::open(path, open_mode::read_write); });
    EXPECT_NE(rw.find(path.string()), std::string::npos) << rw;
    EXPECT_NE(rw.find("newer"), std::string::npos) << rw;

    const auto ro = test::runtime_error_of([&] { database::open(path, open_mode::read_only); });
    EXPECT_NE(ro.find(path.string()), std::string::npos) << ro;
    EXPECT_NE(ro.find("newer"), std::string::npos) << ro;

    // Refusing must not touch the file.
    EXPECT_EQ(user_version(path), database::schema_version() + 1);
}

TEST(migrations, read_only_open_of_a_missing_file_fails_naming_it) {
    test::temp_dir dir;
    const auto path = dir / "missing.db";
    const auto message =
        test::runtime_error_of([&] { database::open(path, open_mode::read_only); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(migrations, read_only_open_of_an_unmigrated_file_is_refused) {
    test::temp_dir dir;
    const auto path = dir / "empty.db";
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("CREATE TABLE unrelated (x INTEGER)");
    }
    const auto message =
        test::runtime_error_of([&] { database::open(path, open_mode::read_only); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find("not initialised"), std::string::npos) << message;
    EXPECT_EQ(user_version(path), 0);
}

TEST(migrations, a_file_that_is_not_a_database_fails_naming_it) {
    test::temp_dir dir;
    const auto path = test::write_file(dir / "notes.txt", std::string(4096, 'x'));
    const auto message =
        test::runtime_error_of([&] { database::open(path, open_mode::read_write); });
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
}

}  // namespace
}  // namespace feedd::storage
