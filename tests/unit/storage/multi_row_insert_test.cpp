#include "storage/multi_row_insert.hpp"

#include <cstdint>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

namespace feedd::storage {
namespace {

std::vector<std::string> rows_of(SQLite::Database& db) {
    std::vector<std::string> out;
    SQLite::Statement s(db, "SELECT id, a, b, c FROM t ORDER BY rowid");
    while (s.executeStep()) {
        out.push_back(std::to_string(s.getColumn(0).getInt64()) + " " + s.getColumn(1).getString() +
                      " " + std::to_string(s.getColumn(2).getInt64()) + " " +
                      std::to_string(s.getColumn(3).getInt64()));
    }
    return out;
}

TEST(multi_row_insert, writes_every_row_in_order_whatever_the_count) {
    for (const std::size_t count : {0U, 1U, 2U, 3U, 31U, 32U, 33U, 70U}) {
        SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c INTEGER)");
        // ?2 twice: each row's parameters are numbered from its own ?1.
        multi_row_insert insert(db, "INSERT INTO t (id, a, b, c) VALUES", "(?1, ?3, ?2, ?2 * 10)",
                                3, "");
        std::vector<std::string> texts;
        for (std::size_t i = 0; i < count; ++i)
            texts.push_back("row " + std::to_string(i));
        std::vector<std::size_t> order;
        insert.run(count, [&](SQLite::Statement& s, int at, std::size_t i) {
            order.push_back(i);
            s.bind(at + 1, static_cast<std::int64_t>(100 + i));
            s.bind(at + 2, static_cast<std::int64_t>(i));
            s.bindNoCopy(at + 3, texts[i]);
        });
        std::vector<std::string> expected;
        for (std::size_t i = 0; i < count; ++i) {
            EXPECT_EQ(order.at(i), i);
            expected.push_back(std::to_string(100 + i) + " row " + std::to_string(i) + " " +
                               std::to_string(i) + " " + std::to_string(i * 10));
        }
        EXPECT_EQ(rows_of(db), expected) << count << " rows";
    }
}

TEST(multi_row_insert, the_tail_applies_to_every_row_and_statements_report_their_changes) {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c INTEGER)");
    db.exec("INSERT INTO t VALUES (3, 'old', 0, 0)");
    multi_row_insert insert(db, "INSERT INTO t (id, a, b, c) VALUES", "(?1, 'new', ?1, 0)", 1,
                            "ON CONFLICT (id) DO NOTHING", 4);
    int changes = 0;
    int statements = 0;
    insert.run(
        7, [](SQLite::Statement& s, int at, std::size_t i) { s.bind(at + 1, static_cast<int>(i)); },
        [](SQLite::Statement&) {},
        [&](SQLite::Statement&) {
            changes += db.getChanges();
            ++statements;
        });
    EXPECT_EQ(statements, 3);  // 4 + 2 + 1 rows
    EXPECT_EQ(changes, 6);     // row 3 was there
    EXPECT_EQ(db.execAndGet("SELECT a FROM t WHERE id = 3").getString(), "old");
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t").getInt(), 7);
}

TEST(multi_row_insert, a_failed_statement_writes_none_of_its_rows_and_the_next_run_works) {
    SQLite::Database db(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    db.exec("CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b INTEGER, c INTEGER)");
    multi_row_insert insert(db, "INSERT INTO t (id, a, b, c) VALUES", "(?1, 'x', 0, 0)", 1, "");
    const auto bind = [](SQLite::Statement& s, int at, std::size_t i) {
        s.bind(at + 1, static_cast<int>(i % 3));  // 0, 1, 2, 0: the fourth row repeats the first
    };
    EXPECT_THROW(insert.run(4, bind), SQLite::Exception);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t").getInt(), 0);
    insert.run(3, bind);
    EXPECT_EQ(db.execAndGet("SELECT count(*) FROM t").getInt(), 3);
}

}  // namespace
}  // namespace feedd::storage
