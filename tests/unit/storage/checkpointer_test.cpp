#include "storage/checkpointer.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
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

// A writer on a file of its own, and the checkpointer started on it.
class checkpointer_test : public ::testing::Test {
  protected:
    // thread_path: the file the thread's own connection opens (the writer's by default).
    wal_checkpointer& start(int start_pages, int restart_pages,
                            const std::filesystem::path& thread_path = {}) {
        wal_checkpointer::options opts;
        opts.start_pages = start_pages;
        opts.restart_pages = restart_pages;
        opts.max_wait = std::chrono::seconds(30);  // never the limit here: the pass finishes
        checkpointer_ = std::make_unique<wal_checkpointer>(
            (thread_path.empty() ? path_ : thread_path).string(), opts);
        checkpointer_->attach(db_.getHandle());
        return *checkpointer_;
    }

    test::temp_dir dir_;
    const std::filesystem::path path_ = dir_ / "t.db";
    SQLite::Database db_ = open_writer(path_);
    std::unique_ptr<wal_checkpointer> checkpointer_;  // after db_: stopped before it closes
};

TEST_F(checkpointer_test, copies_the_log_on_its_thread_and_the_log_starts_over) {
    auto& checkpointer = start(20, 60);
    for (int i = 0; i < 40; ++i)
        commit_rows(db_, 10);  // ~11 pages a commit, 440 in all

    const auto counters = checkpointer.snapshot();
    EXPECT_GT(counters.passes, 0);
    EXPECT_GT(counters.writer_waits, 0);
    EXPECT_GT(counters.writer_waited.count(), 0);
    EXPECT_EQ(counters.failures, 0) << counters.last_error;
    // Without the restart the log would hold all 440 pages; each wait rewinds it, so it
    // stays near restart_pages plus one commit.
    EXPECT_LT(wal_bytes(path_), std::uintmax_t{100} * (page_bytes + 24));
    checkpointer.checkpoint_now();
    EXPECT_EQ(pages_only_in_log(db_, path_), 0);
    EXPECT_EQ(db_.execAndGet("SELECT count(*) FROM t").getInt(), 400);
    EXPECT_EQ(db_.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST_F(checkpointer_test, below_its_start_the_thread_never_runs) {
    auto& checkpointer = start(2000, 4000);
    commit_rows(db_, 1100);  // past SQLite's own automatic checkpoint (1000 pages)
    EXPECT_EQ(checkpointer.snapshot().passes, 0);
    // SQLite's automatic checkpoint is off too: the commit's pages are all still in the log.
    EXPECT_GT(pages_only_in_log(db_, path_), 1000);
}

TEST_F(checkpointer_test, stops_cleanly_and_the_writer_goes_on_without_it) {
    start(1, 1'000'000);  // the writer never waits: at the stop the thread is mid-pass or not
    commit_rows(db_, 50);
    checkpointer_.reset();  // at once: a pass may be running or only asked for; either way it ends
    commit_rows(db_, 5);    // the hook is gone: this commit must not reach the freed object
    EXPECT_EQ(db_.execAndGet("SELECT count(*) FROM t").getInt(), 55);
    EXPECT_EQ(db_.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST_F(checkpointer_test, without_its_own_connection_the_writer_checkpoints) {
    // The thread's connection cannot open this path (no such folder).
    auto& checkpointer = start(5, 1'000'000, dir_ / "missing" / "t.db");
    commit_rows(db_, 10);  // starts the thread, whose open fails
    checkpointer.checkpoint_now();
    commit_rows(db_, 10);  // the writer copies the log itself
    const auto counters = checkpointer.snapshot();
    EXPECT_EQ(counters.failures, 1);
    EXPECT_NE(counters.last_error.find("missing"), std::string::npos) << counters.last_error;
    EXPECT_EQ(pages_only_in_log(db_, path_), 0);
}

TEST(checkpointer, a_database_file_has_one_and_memory_has_none) {
    test::temp_dir dir;
    auto file = database::open(dir / "feedd.db", open_mode::read_write);
    ASSERT_NE(database_access::checkpointer(file), nullptr);
    // The thread's own connection opens and checkpoints a file with feedd's whole schema.
    database_access::checkpointer(file)->checkpoint_now();
    EXPECT_EQ(file.checkpoints().failures, 0) << file.checkpoints().last_error;
    EXPECT_EQ(file.checkpoints().passes, 1);
    auto memory = database::open(":memory:", open_mode::read_write);
    EXPECT_EQ(database_access::checkpointer(memory), nullptr);
    EXPECT_EQ(memory.checkpoints().passes, 0);
    auto reader = database::open(dir / "feedd.db", open_mode::read_only);
    EXPECT_EQ(database_access::checkpointer(reader), nullptr);
}

}  // namespace
}  // namespace feedd::storage
