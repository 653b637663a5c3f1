// A full disk for the storage tests: SQLite's max_page_count keeps the file at its size.
#pragma once

#include <string>

#include <SQLiteCpp/Database.h>

namespace feedd::storage::test_support {

// The file may not grow past its size now, as on a full disk (pages freed inside it can
// still be reused).
inline void fix_file_size(SQLite::Database& conn) {
    const auto pages = conn.execAndGet("PRAGMA page_count").getInt64();
    conn.exec("PRAGMA max_page_count = " + std::to_string(pages));
}

inline void free_file_size(SQLite::Database& conn) {
    conn.exec("PRAGMA max_page_count = 1073741823");
}

}  // namespace feedd::storage::test_support
