// One INSERT statement for many rows. Internal to storage/ (it speaks SQLiteCpp).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>

namespace feedd::storage {

// Writes rows of one shape with as few statements as the binary digits of their count
// (one per power of two up to max_rows): each statement run costs the writer thread its
// fixed part (cursors opened on the table and each index and closed again, the statement's
// savepoint, reset) once for all its rows instead of once per row. The statement for 2^k
// rows is prepared the first time a run needs it and kept: up to 16 rows, the items', stories'
// and members' statements hold 145 KiB (up to 32: 254 KiB, for 0.25 % fewer instructions).
class multi_row_insert {
  public:
    // head: "INSERT INTO t (a, b) VALUES"; row: one row's values, numbering its parameters
    // ?1..?parameters (each may appear more than once, e.g. "(?1, ?2, ?2, 1)"); tail: what
    // follows the rows (an ON CONFLICT clause, or empty).
    multi_row_insert(SQLite::Database& db, std::string head, std::string row, int parameters,
                     std::string tail, std::size_t max_rows = 16);

    // Binds and writes rows [0, count) in order: bind(stmt, first, i) binds row i's
    // parameters at first + 1 .. first + parameters (the row's ?1 is first + 1). A statement
    // with a RETURNING clause hands each row it returns to each_row(stmt); after each
    // statement, after_each(stmt) (e.g. to read the connection's change count).
    template <class Bind, class Each, class After>
    void run(std::size_t count, const Bind& bind, const Each& each_row, const After& after_each) {
        std::size_t done = 0;
        while (done < count) {
            const auto chunk = largest_chunk(count - done);
            auto& stmt = statement(chunk);
            stmt.tryReset();  // a failed previous run left its error here; it was thrown then
            stmt.clearBindings();
            for (std::size_t i = 0; i < chunk; ++i)
                bind(stmt, static_cast<int>(i) * parameters_, done + i);
            try {
                while (stmt.executeStep())
                    each_row(stmt);
            } catch (...) {
                stmt.tryReset();
                throw;
            }
            after_each(stmt);
            stmt.tryReset();  // bound text (no copy) need not outlive the run
            done += chunk;
        }
    }
    template <class Bind>
    void run(std::size_t count, const Bind& bind) {
        run(
            count, bind, [](SQLite::Statement&) {}, [](SQLite::Statement&) {});
    }

  private:
    std::size_t largest_chunk(std::size_t left) const;
    SQLite::Statement& statement(std::size_t rows);

    SQLite::Database& db_;
    std::string head_;
    std::string row_;
    int parameters_;
    std::string tail_;
    std::size_t max_rows_;
    std::vector<std::unique_ptr<SQLite::Statement>> by_power_;  // [k]: 2^k rows
};

}  // namespace feedd::storage
