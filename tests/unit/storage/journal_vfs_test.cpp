#include "storage/journal_vfs.hpp"

#include <cstdint>
#include <string>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/database_access.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::storage {
namespace {

constexpr int rows = 400;  // of about 1 KiB each: ~100 pages, far past SQLite's 64 KiB in memory

std::int64_t sum_of_values(SQLite::Database& db) {
    return db.execAndGet("SELECT sum(v) FROM t").getInt64();
}

// A connection as database.cpp opens a writer's: through the journal VFS, WAL, and the
// default temp_store (FILE), so statement journals past 64 KiB reach the VFS.
SQLite::Database open_through(const journal_vfs& vfs, const std::string& path) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0, vfs.name());
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, body BLOB NOT NULL)");
    db.exec("BEGIN");
    SQLite::Statement insert(db, "INSERT INTO t (v, body) VALUES (?1, randomblob(1000))");
    for (int i = 1; i <= rows; ++i) {
        insert.reset();
        insert.bind(1, i);
        insert.exec();
    }
    db.exec("COMMIT");
    return db;
}

TEST(journal_vfs, a_savepoint_rolled_back_past_64_kib_restores_every_page_from_memory) {
    test::temp_dir dir;
    journal_vfs vfs;
    auto db = open_through(vfs, (dir / "t.db").string());
    const auto before = sum_of_values(db);
    const auto checksum = db.execAndGet("SELECT sum(length(body)) + count(*) FROM t").getInt64();
    const auto totals_before = journal_vfs::totals();

    db.exec("BEGIN");
    db.exec("UPDATE t SET v = v + 1 WHERE id <= 10");  // kept: before the savepoint
    db.exec("SAVEPOINT refresh");
    db.exec("UPDATE t SET v = v * 1000, body = zeroblob(1000)");  // every page of the table
    db.exec("DELETE FROM t WHERE id % 3 = 0");
    EXPECT_NE(sum_of_values(db), before + 10);
    db.exec("ROLLBACK TO refresh");
    db.exec("RELEASE refresh");
    // A second savepoint in the same transaction writes the journal from its start again,
    // into blocks allocated anew once the first savepoint's were released.
    EXPECT_GT(vfs.held_bytes(), 64U * 1024);
    vfs.release_journals();
    EXPECT_EQ(vfs.held_bytes(), 0U);
    db.exec("SAVEPOINT refresh");
    db.exec("UPDATE t SET v = 0");
    db.exec("ROLLBACK TO refresh");
    db.exec("RELEASE refresh");
    db.exec("COMMIT");
    EXPECT_EQ(vfs.held_bytes(), 0U) << "the journal is closed with its transaction";

    EXPECT_EQ(sum_of_values(db), before + 10);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t").getInt(), rows);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t WHERE body = zeroblob(1000)").getInt(), 0);
    EXPECT_EQ(db.execAndGet("SELECT sum(length(body)) + count(*) FROM t").getInt64(), checksum);
    EXPECT_EQ(db.execAndGet("PRAGMA integrity_check").getString(), "ok");
    const auto totals = journal_vfs::totals();
    EXPECT_GE(totals.files_opened, totals_before.files_opened + 1);
    // The pages past the first 64 KiB, copied into the VFS's memory file (none to disk).
    EXPECT_GT(totals.bytes_written - totals_before.bytes_written, 64 * 1024);
}

TEST(journal_vfs,
     a_writers_batch_journals_through_it_and_its_rolled_back_savepoint_leaves_no_trace) {
    test::temp_dir dir;
    auto db = database::open(dir / "feedd.db", open_mode::read_write);
    auto& conn = database_access::connection(db);
    conn.exec("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    conn.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
        "INSERT INTO scratch (body) SELECT randomblob(2000) FROM n");
    const auto totals_before = journal_vfs::totals();
    db.begin_batch();
    conn.exec("SAVEPOINT refresh");
    conn.exec("UPDATE scratch SET body = zeroblob(2000)");
    conn.exec("ROLLBACK TO refresh");
    conn.exec("RELEASE refresh");
    db.commit_batch();
    EXPECT_EQ(conn.execAndGet("SELECT count(*) FROM scratch WHERE body = zeroblob(2000)").getInt(),
              0);
    EXPECT_GT(journal_vfs::totals().bytes_written - totals_before.bytes_written, 64 * 1024);
}

}  // namespace
}  // namespace feedd::storage
