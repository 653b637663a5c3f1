// Small SQLiteCpp helpers shared by storage/'s repositories. Internal to storage/.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <SQLiteCpp/Column.h>
#include <SQLiteCpp/Statement.h>

#include "storage/stories.hpp"

namespace feedd::storage {

// A connection waiting for another's lock (a second daemon, the sqlite3 shell, the
// checkpoint thread) gives up after this long; longer would stall the writer thread's queue.
constexpr int busy_timeout_ms = 5000;

// Resets a member statement and clears its bindings before use, and resets it again
// afterwards: a SELECT left mid-result keeps its read transaction open, which would
// pin a reader to an old WAL snapshot and block checkpoints.
class statement_use {
  public:
    explicit statement_use(SQLite::Statement& stmt) : stmt_(stmt) {
        // A failed previous run leaves its error code to be returned by the next
        // reset; that error was already thrown back then.
        stmt_.tryReset();
        stmt_.clearBindings();
    }
    ~statement_use() { stmt_.tryReset(); }
    statement_use(const statement_use&) = delete;
    statement_use& operator=(const statement_use&) = delete;

    SQLite::Statement* operator->() const { return &stmt_; }

  private:
    SQLite::Statement& stmt_;
};

inline std::int64_t to_unix(timestamp t) {
    return t.time_since_epoch().count();
}
inline timestamp from_unix(std::int64_t s) {
    return timestamp{std::chrono::seconds{s}};
}

// The writer's per-item statements bind by number (?1, ?2 ...): binding by name searches the
// statement's parameter list on every call, 3 % of a cold poll's writer thread. Text bound
// without a copy must outlive the statement's next reset (statement_use resets it).
inline void bind_optional_no_copy(SQLite::Statement& stmt, int index,
                                  const std::optional<std::string>& value) {
    if (value) {
        stmt.bindNoCopy(index, *value);
    } else {
        stmt.bind(index);  // NULL
    }
}

inline void bind_optional(SQLite::Statement& stmt, int index,
                          const std::optional<timestamp>& value) {
    if (value) {
        stmt.bind(index, to_unix(*value));
    } else {
        stmt.bind(index);
    }
}

inline void bind_optional(SQLite::Statement& stmt, const char* name,
                          const std::optional<std::string>& value) {
    if (value) {
        stmt.bind(name, *value);
    } else {
        stmt.bind(name);  // NULL
    }
}

inline void bind_optional(SQLite::Statement& stmt, const char* name,
                          const std::optional<timestamp>& value) {
    if (value) {
        stmt.bind(name, to_unix(*value));
    } else {
        stmt.bind(name);
    }
}

inline std::optional<std::string> optional_text(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return column.getString();
}

inline std::optional<timestamp> optional_time(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return from_unix(column.getInt64());
}

}  // namespace feedd::storage
