// A SQLite VFS that keeps one connection's statement journals in memory, in 64 KiB blocks.
// Internal to storage/: database.cpp opens each read-write connection through one.
//
// A savepoint (one per refresh in a write batch) copies each page it changes to a
// statement journal (up to ~2 MiB per refresh in a cold poll of 1000 feeds). SQLite keeps
// the first 64 KiB of one in memory and writes the rest to a temporary file (~900 MiB of
// temp-file writes in that poll); with temp_store = MEMORY it keeps all of it in memory,
// but in blocks of 1 KiB, each allocated and freed again at every savepoint: 3 % of the
// writer thread's instructions. Through this VFS the part past 64 KiB goes to blocks of
// 64 KiB: a copy per page and 1/64 of the allocations. (SQLite's own spill limit,
// SQLITE_CONFIG_STMTJRNL_SPILL, cannot do this: above 128 KiB its spill write fails with
// SQLITE_FULL.) Every other file goes to SQLite's default VFS unchanged.
//
// SQLite does not tell a journal file that the savepoint it served was released (it only
// truncates its own in-memory journals), so the connection's owner does: release_journals()
// after the outermost RELEASE frees the blocks before the next refresh or the commit needs
// memory of their own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace feedd::storage {

struct journal_vfs_counters {
    std::int64_t files_opened = 0;
    std::int64_t bytes_written = 0;
};

class journal_vfs {
  public:
    journal_vfs();  // registers a VFS of its own (not the default)
    // Unregisters it: every connection opened through it must be closed by then.
    ~journal_vfs();
    journal_vfs(const journal_vfs&) = delete;
    journal_vfs& operator=(const journal_vfs&) = delete;

    const char* name() const;  // for sqlite3_open_v2 / SQLite::Database
    // Call with no savepoint open: the journals' contents are dead, their memory goes.
    void release_journals();
    std::size_t held_bytes() const;  // the open journals' blocks

    // Totals over every journal_vfs of the process, for tests.
    static journal_vfs_counters totals();

    struct memory_file;   // journal_vfs.cpp
    struct registration;  // journal_vfs.cpp

  private:
    std::unique_ptr<registration> registration_;
    std::vector<memory_file*> open_files_;
};

}  // namespace feedd::storage
