#include "storage/checkpointer.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/database_access.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::storage {
namespace {

constexpr int page_bytes = 4096;

// A writer connection as database::impl opens one: WAL, NORMAL, SQLite's own checkpoints
// replaced by the hook.
SQLite::Database open_writer(const std::filesystem::path& path) {
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    return db;
}

// One transaction of `rows` rows of a page each.
void commit_rows(SQLite::Database& db, int rows) {
    db.exec("BEGIN IMMEDIATE");
    SQLite::Statement insert(db, "INSERT INTO t (body) VALUES (zeroblob(?1))");
    for (int i = 0; i < rows; ++i) {
        insert.reset();
        insert.bind(1, page_bytes);
        insert.exec();
    }
    db.exec("COMMIT");
}

std::uintmax_t wal_bytes(const std::filesystem::path& path) {
    const auto wal = path.string() + "-wal";
    return std::filesystem::exists(wal) ? std::filesystem::file_size(wal) : 0;
}

// Pages of the database that only the log holds: the table only grows, so a page not yet
// copied back lies beyond the end of the file (a complete checkpoint sizes the file to the
// database). Reading does not checkpoint.
std::int64_t pages_only_in_log(SQLite::Database& db, const std::filesystem::path& path) {
    const auto pages = db.execAndGet("PRAGMA page_count").getInt64();
    return pages - static_cast<std::int64_t>(std::filesystem::file_size(path) / page_bytes);
}

TEST(checkpointer, copies_the_log_on_its_thread_and_the_log_starts_over) {
    test::temp_dir dir;
    const auto path = dir / "t.db";
    auto db = open_writer(path);
    wal_checkpointer::options opts;
    opts.start_pages = 20;
    opts.restart_pages = 60;
    opts.max_wait = std::chrono::seconds(30);  // never the limit here: the pass finishes
    wal_checkpointer checkpointer(path.string(), opts);
    checkpointer.attach(db.getHandle());

    for (int i = 0; i < 40; ++i)
        commit_rows(db, 10);  // ~11 pages a commit, 440 in all

    const auto counters = checkpointer.snapshot();
    EXPECT_GT(counters.passes, 0);
    EXPECT_GT(counters.writer_waits, 0);
    EXPECT_EQ(counters.failures, 0) << counters.last_error;
    // Without the restart the log would hold all 440 pages; each wait rewinds it, so it
    // stays near restart_pages plus one commit.
    EXPECT_LT(wal_bytes(path), std::uintmax_t{100} * (page_bytes + 24));
    checkpointer.checkpoint_now();
    EXPECT_EQ(pages_only_in_log(db, path), 0);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t").getInt(), 400);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST(checkpointer, below_its_start_the_thread_never_runs) {
    test::temp_dir dir;
    const auto path = dir / "t.db";
    auto db = open_writer(path);
    wal_checkpointer::options opts;
    opts.start_pages = 1000;
    wal_checkpointer checkpointer(path.string(), opts);
    checkpointer.attach(db.getHandle());
    commit_rows(db, 10);
    EXPECT_EQ(checkpointer.snapshot().passes, 0);
    // SQLite's automatic checkpoint is off too: the commit's pages are all still in the log.
    EXPECT_GT(pages_only_in_log(db, path), 10);
}

TEST(checkpointer, stops_cleanly_and_the_writer_goes_on_without_it) {
    test::temp_dir dir;
    const auto path = dir / "t.db";
    auto db = open_writer(path);
    {
        wal_checkpointer::options opts;
        opts.start_pages = 1;
        opts.restart_pages = 1'000'000;  // the writer never waits: the thread is mid-pass or not
        wal_checkpointer checkpointer(path.string(), opts);
        checkpointer.attach(db.getHandle());
        commit_rows(db, 50);
        // Destroyed at once: a pass may be running or only asked for; either way it ends.
    }
    commit_rows(db, 5);  // the hook is gone: this commit must not reach the freed object
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t").getInt(), 55);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST(checkpointer, without_its_own_connection_the_writer_checkpoints) {
    test::temp_dir dir;
    const auto path = dir / "t.db";
    auto db = open_writer(path);
    wal_checkpointer::options opts;
    opts.start_pages = 5;
    opts.restart_pages = 1'000'000;
    // The thread's connection cannot open this path (no such folder).
    wal_checkpointer checkpointer((dir / "missing" / "t.db").string(), opts);
    checkpointer.attach(db.getHandle());
    commit_rows(db, 10);  // starts the thread, whose open fails
    checkpointer.checkpoint_now();
    commit_rows(db, 10);  // the writer copies the log itself
    const auto counters = checkpointer.snapshot();
    EXPECT_EQ(counters.failures, 1);
    EXPECT_NE(counters.last_error.find("missing"), std::string::npos) << counters.last_error;
    EXPECT_EQ(pages_only_in_log(db, path), 0);
}

TEST(checkpointer, a_database_file_has_one_and_memory_has_none) {
    test::temp_dir dir;
    auto file = database::open(dir / "feedd.db", open_mode::read_write);
    EXPECT_NE(database_access::checkpointer(file), nullptr);
    auto memory = database::open(":memory:", open_mode::read_write);
    EXPECT_EQ(database_access::checkpointer(memory), nullptr);
    auto reader = database::open(dir / "feedd.db", open_mode::read_only);
    EXPECT_EQ(database_access::checkpointer(reader), nullptr);
}

}  // namespace
}  // namespace feedd::storage
