#include "storage/writer_vfs.hpp"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

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
SQLite::Database open_through(const writer_vfs& vfs, const std::string& path) {
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

TEST(writer_vfs, a_savepoint_rolled_back_past_64_kib_restores_every_page_from_memory) {
    test::temp_dir dir;
    writer_vfs vfs;
    auto db = open_through(vfs, (dir / "t.db").string());
    const auto before = sum_of_values(db);
    const auto checksum = db.execAndGet("SELECT sum(length(body)) + count(*) FROM t").getInt64();
    const auto totals_before = writer_vfs::totals();

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
    const auto totals = writer_vfs::totals();
    EXPECT_GE(totals.files_opened, totals_before.files_opened + 1);
    // The pages past the first 64 KiB, copied into the VFS's memory file (none to disk).
    EXPECT_GT(totals.bytes_written - totals_before.bytes_written, 64 * 1024);
}

TEST(writer_vfs,
     a_writers_batch_journals_through_it_and_its_rolled_back_savepoint_leaves_no_trace) {
    test::temp_dir dir;
    auto db = database::open(dir / "feedd.db", open_mode::read_write);
    auto& conn = database_access::connection(db);
    conn.exec("CREATE TABLE scratch (id INTEGER PRIMARY KEY, body BLOB NOT NULL)");
    conn.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) "
        "INSERT INTO scratch (body) SELECT randomblob(2000) FROM n");
    const auto totals_before = writer_vfs::totals();
    db.begin_batch();
    conn.exec("SAVEPOINT refresh");
    conn.exec("UPDATE scratch SET body = zeroblob(2000)");
    conn.exec("ROLLBACK TO refresh");
    conn.exec("RELEASE refresh");
    db.commit_batch();
    EXPECT_EQ(conn.execAndGet("SELECT count(*) FROM scratch WHERE body = zeroblob(2000)").getInt(),
              0);
    EXPECT_GT(writer_vfs::totals().bytes_written - totals_before.bytes_written, 64 * 1024);
}

// A connection as the writer's: through the VFS, WAL, synchronous = NORMAL (no sync at a
// commit, so nothing but the VFS itself writes its buffer out), and a page cache of a few
// pages, so that big transactions spill pages to the WAL and write some of them again.
SQLite::Database open_writer(const writer_vfs& vfs, const std::string& path, int cache_pages) {
    SQLite::Database db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE, 0, vfs.name());
    db.exec("PRAGMA journal_mode = WAL");
    db.exec("PRAGMA synchronous = NORMAL");
    db.exec("PRAGMA cache_size = " + std::to_string(cache_pages));
    db.exec(
        "CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL, "
        "body BLOB NOT NULL)");
    return db;
}

void insert_rows(SQLite::Database& db, int from, int count) {
    SQLite::Statement insert(db, "INSERT INTO t (id, v, body) VALUES (?1, ?1, randomblob(900))");
    for (int i = from; i < from + count; ++i) {
        insert.reset();
        insert.bind(1, i);
        insert.exec();
    }
}

// One transaction: `change`, rows [from, from + count), then `end` (COMMIT or ROLLBACK).
void change_and_insert(SQLite::Database& db, const std::string& change, int from, int count,
                       const char* end) {
    db.exec("BEGIN");
    db.exec(change);
    insert_rows(db, from, count);
    db.exec(end);
}

std::int64_t fingerprint(SQLite::Database& db) {
    return db.execAndGet("SELECT count(*) * 1000003 + sum(v) + sum(length(body)) FROM t")
        .getInt64();
}

TEST(writer_vfs, every_commit_is_in_the_wal_file_when_another_connection_looks_in_few_writes) {
    test::temp_dir dir;
    const auto path = (dir / "t.db").string();
    writer_vfs vfs;
    auto writer = open_writer(vfs, path, 2000);
    SQLite::Database reader(path, SQLite::OPEN_READONLY);  // SQLite's default VFS
    const auto before = writer_vfs::totals();
    int stored = 0;
    for (int transaction = 0; transaction < 30; ++transaction) {
        writer.exec("BEGIN");
        insert_rows(writer, stored + 1, 40);
        writer.exec("COMMIT");
        stored += 40;
        // The reader learns of the commit from the wal-index at once: its frames must be
        // in the file by then, or it reads pages that are not there.
        ASSERT_EQ(reader.execAndGet("SELECT count(*) FROM t").getInt(), stored);
        ASSERT_EQ(fingerprint(reader), fingerprint(writer));
    }
    const auto after = writer_vfs::totals();
    const auto writes = after.wal_writes - before.wal_writes;
    const auto file_writes = after.wal_file_writes - before.wal_file_writes;
    EXPECT_GT(writes, 30 * 2 * 10) << "two writes per frame, ten pages or more per commit";
    EXPECT_LT(file_writes * 8, writes) << "the frames reach the file in few large writes";
    EXPECT_EQ(after.wal_barrier_writes, before.wal_barrier_writes)
        << "each commit frame's write wrote its transaction out before the barrier";
    EXPECT_EQ(reader.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

// What a process killed at that moment leaves: the database and WAL files as they are
// (the wal-index is rebuilt from the WAL when the copy is opened).
std::filesystem::path copy_as_if_killed(const std::filesystem::path& db_file,
                                        const std::filesystem::path& to) {
    std::filesystem::create_directories(to);
    for (const char* suffix : {"", "-wal"}) {
        std::filesystem::copy_file(db_file.string() + suffix,
                                   (to / db_file.filename()).string() + suffix);
    }
    return to / db_file.filename();
}

TEST(writer_vfs, a_wal_written_through_it_recovers_to_the_last_commit_after_a_kill) {
    test::temp_dir dir;
    const auto path = dir / "t.db";
    writer_vfs vfs;
    // Ten pages of cache: each transaction spills pages and changes some of them again,
    // which SQLite writes over their frames and then re-checksums every frame after them.
    auto writer = open_writer(vfs, path.string(), 10);
    const auto before = writer_vfs::totals();
    writer.exec("BEGIN");
    insert_rows(writer, 1, 300);
    writer.exec("COMMIT");
    writer.exec("BEGIN");
    for (int round = 0; round < 3; ++round)
        writer.exec("UPDATE t SET v = v + 1, body = randomblob(900) WHERE id % 3 = " +
                    std::to_string(round));
    insert_rows(writer, 301, 200);
    writer.exec("COMMIT");
    const auto committed = fingerprint(writer);
    const auto after = writer_vfs::totals();
    // Re-checksummed frames (hundreds here) are read 64 KiB at a time (9 reads here, one
    // per frame would be over a hundred) and their headers written back in the same blocks.
    const auto reads = after.wal_file_reads - before.wal_file_reads;
    EXPECT_GT(reads, 0);
    EXPECT_LT(reads * 20, after.wal_writes - before.wal_writes);

    // Killed in the middle of the next transaction, with frames of it written and buffered.
    writer.exec("BEGIN");
    writer.exec("UPDATE t SET v = -1, body = zeroblob(900)");
    insert_rows(writer, 501, 100);
    const auto copy = copy_as_if_killed(path, dir / "killed");
    writer.exec("COMMIT");

    SQLite::Database recovered(copy.string(), SQLite::OPEN_READWRITE);
    EXPECT_EQ(recovered.execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_EQ(recovered.execAndGet("SELECT count(*) FROM t").getInt(), 500);
    EXPECT_EQ(fingerprint(recovered), committed);
    // And after the last commit, the WAL on disk holds it whole.
    const auto last = fingerprint(writer);
    const auto copy2 = copy_as_if_killed(path, dir / "after-commit");
    SQLite::Database recovered2(copy2.string(), SQLite::OPEN_READWRITE);
    EXPECT_EQ(recovered2.execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_EQ(fingerprint(recovered2), last);
    EXPECT_NE(last, committed);
}

// The buffer's own contract, without SQLite's write pattern: whatever mix of appends,
// writes over buffered or written bytes, writes elsewhere and reads, the file reads as if
// every write had gone straight to it, and holds exactly that after close.
TEST(writer_vfs, a_wal_file_reads_and_ends_as_if_every_write_went_straight_to_it) {
    test::temp_dir dir;
    test::write_file(dir / "x.db", "");  // the unix VFS takes a WAL's mode from its database
    const std::string name = (dir / "x.db-wal").string() + std::string(2, '\0');
    writer_vfs vfs;
    auto* v = sqlite3_vfs_find(vfs.name());
    ASSERT_NE(v, nullptr);
    auto storage = std::make_unique<std::max_align_t[]>(
        static_cast<std::size_t>(v->szOsFile) / sizeof(std::max_align_t) + 1);
    auto* file = reinterpret_cast<sqlite3_file*>(storage.get());
    ASSERT_EQ(v->xOpen(v, name.c_str(), file,
                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_WAL, nullptr),
              SQLITE_OK);
    const auto& io = *file->pMethods;

    std::string model;  // what the file must hold
    std::mt19937 random(7);
    const auto pick = [&](std::size_t below) {
        return std::uniform_int_distribution<std::size_t>(0, below - 1)(random);
    };
    for (int step = 0; step < 3000; ++step) {
        const auto kind = pick(10);
        if (kind < 7) {  // mostly appends, as a WAL; else anywhere up to just past the end
            const std::size_t amount = std::vector<std::size_t>{24, 4096, 32, 7, 100}[pick(5)];
            const std::size_t at = kind < 5 ? model.size() : pick(model.size() + 1);
            std::string bytes(amount, '\0');
            for (auto& c : bytes)
                c = static_cast<char>('a' + pick(26));
            ASSERT_EQ(io.xWrite(file, bytes.data(), static_cast<int>(amount),
                                static_cast<sqlite3_int64>(at)),
                      SQLITE_OK);
            if (model.size() < at + amount) model.resize(at + amount);
            model.replace(at, amount, bytes);
        } else if (!model.empty()) {  // a read of written bytes, in or out of the buffer
            const std::size_t at = pick(model.size());
            const std::size_t amount = 1 + pick(std::min<std::size_t>(model.size() - at, 9000));
            std::string got(amount, '\0');
            ASSERT_EQ(io.xRead(file, got.data(), static_cast<int>(amount),
                               static_cast<sqlite3_int64>(at)),
                      SQLITE_OK);
            ASSERT_EQ(got, model.substr(at, amount)) << "step " << step << " at " << at;
        }
    }
    sqlite3_int64 size = 0;
    ASSERT_EQ(io.xFileSize(file, &size), SQLITE_OK);
    EXPECT_EQ(static_cast<std::size_t>(size), model.size());
    ASSERT_EQ(io.xClose(file), SQLITE_OK);
    EXPECT_EQ(test::read_file(dir / "x.db-wal"), model);
}

TEST(writer_vfs, frames_of_a_rolled_back_transaction_never_land_on_another_writers_frames) {
    test::temp_dir dir;
    const auto path = dir / "t.db";
    writer_vfs vfs;
    auto ours = open_writer(vfs, path.string(), 10);
    insert_rows(ours, 1, 50);
    // A transaction that spills frames past the last commit, then rolls back.
    change_and_insert(ours, "UPDATE t SET v = -1, body = zeroblob(900)", 51, 30, "ROLLBACK");
    // Another connection (SQLite's own VFS) writes its frames where those were, and commits.
    SQLite::Database other(path.string(), SQLite::OPEN_READWRITE);
    change_and_insert(other, "UPDATE t SET v = v + 1000, body = randomblob(900) WHERE id % 2 = 0",
                      1001, 40, "COMMIT");
    // Ours writes on after them.
    change_and_insert(ours, "SELECT 1", 2001, 5, "COMMIT");

    SQLite::Database fresh(path.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(fresh.execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_EQ(fresh.execAndGet("SELECT count(*) FROM t").getInt(), 95);
    EXPECT_EQ(fresh.execAndGet("SELECT count(*) FROM t WHERE v = -1").getInt(), 0);
    EXPECT_EQ(fingerprint(fresh), fingerprint(other));
    const auto copy = copy_as_if_killed(path, dir / "killed");
    SQLite::Database recovered(copy.string(), SQLite::OPEN_READWRITE);
    EXPECT_EQ(recovered.execAndGet("PRAGMA integrity_check").getString(), "ok");
    EXPECT_EQ(fingerprint(recovered), fingerprint(fresh));
}

}  // namespace
}  // namespace feedd::storage
