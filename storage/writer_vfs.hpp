// A SQLite VFS for one read-write connection: its statement journals live in memory, in
// 64 KiB blocks, and what it appends to the WAL reaches the file in writes of up to 64 KiB.
// Internal to storage/: database.cpp opens each read-write connection through one.
//
// Statement journals. A savepoint (one per refresh in a write batch) copies each page it
// changes to a statement journal (up to ~2 MiB per refresh in a cold poll of 1000 feeds).
// SQLite keeps the first 64 KiB of one in memory and writes the rest to a temporary file
// (~900 MiB of temp-file writes in that poll); with temp_store = MEMORY it keeps all of it in
// memory, but in blocks of 1 KiB, each allocated and freed again at every savepoint: 3 % of
// the writer thread's instructions. Through this VFS the part past 64 KiB goes to blocks of
// 64 KiB: a copy per page and 1/64 of the allocations. (SQLite's own spill limit,
// SQLITE_CONFIG_STMTJRNL_SPILL, cannot do this: above 128 KiB its spill write fails with
// SQLITE_FULL, as the unix VFS writes at most 128 KiB - 1 bytes per call.) SQLite does not tell a
// journal file that the savepoint it served was released (it only truncates its own in-memory
// journals), so the connection's owner does: release_journals() after the outermost RELEASE frees
// the blocks before the next refresh or the commit needs memory of their own.
//
// WAL appends. SQLite writes each WAL frame as two pwrite()s, its 24-byte header and its page:
// ~100k system calls in a cold poll, ~0.25 s of the writer thread's CPU on this machine
// against ~0.07 s for the same bytes in large writes. The WAL file of this VFS buffers
// writes that follow each other and hands them on when the buffer is full, when the frame
// that commits a transaction has been written (so the commit's write reports any error, and
// every frame is in the file before SQLite's wal-index makes it visible to other
// connections), and before anything else touches the file (a read past the buffer, sync,
// truncate, size, close). A read inside the buffer is answered from it. The buffer only
// ever holds frames of the write transaction in progress, which no other connection may
// read; a process killed with frames in it loses only that uncommitted transaction. When
// the WAL's write lock is given up, anything left (frames of a transaction that rolled back)
// is written out, so no buffer outlives its transaction to land on another writer's frames.
// As a second guard, the main database file's shared-memory barrier (SQLite calls it
// between the two copies of the wal-index header it writes at a commit) writes out anything
// left.
//
// Every other file, and every other method, is the default VFS's own.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace feedd::storage {

struct writer_vfs_counters {
    std::int64_t files_opened = 0;        // statement journals
    std::int64_t bytes_written = 0;       // to statement journals
    std::int64_t wal_writes = 0;          // writes SQLite made to a WAL
    std::int64_t wal_file_writes = 0;     // writes the WAL's file received for them
    std::int64_t wal_barrier_writes = 0;  // of those, made at a barrier (a commit not seen)
    std::int64_t wal_file_reads = 0;      // 64 KiB reads of frames SQLite checksums again
};

class writer_vfs {
  public:
    writer_vfs();  // registers a VFS of its own (not the default)
    // Unregisters it: every connection opened through it must be closed by then.
    ~writer_vfs();
    writer_vfs(const writer_vfs&) = delete;
    writer_vfs& operator=(const writer_vfs&) = delete;

    const char* name() const;  // for sqlite3_open_v2 / SQLite::Database
    // Call with no savepoint open: the journals' contents are dead, their memory goes.
    void release_journals();
    std::size_t held_bytes() const;  // the open journals' blocks

    // Totals over every writer_vfs of the process, for tests.
    static writer_vfs_counters totals();

    struct memory_file;   // writer_vfs.cpp
    struct wrapped_file;  // writer_vfs.cpp
    struct registration;  // writer_vfs.cpp

  private:
    std::unique_ptr<registration> registration_;
    std::vector<memory_file*> open_files_;
    std::vector<wrapped_file*> wal_files_;
    bool wal_write_locked_ = false;  // this connection holds the WAL's write lock
};

}  // namespace feedd::storage
