// The write-ahead log copied into the database by a thread of its own, so the writer
// thread does not spend its time on checkpoints (11 % of it in a cold poll of 1000 feeds,
// plus the two fdatasyncs of each). Internal to storage/: database::impl owns one per
// read-write file connection.
//
// SQLite calls on_commit on the writer thread after every commit (sqlite3_wal_hook, which
// replaces the automatic checkpoint). From start_pages of log on, it asks the thread for a
// PASSIVE checkpoint through its own connection: the writer never waits for it, and it
// never waits for the writer. A passive checkpoint cannot start the log over while the
// writer keeps committing, though: SQLite rewinds the log only when a write transaction
// begins with every frame already copied. So once the log reaches restart_pages, the
// writer waits (after its commit, holding no lock) until the thread has copied what is
// left, which is little, since the thread copied the earlier commits while the writer
// worked; the next transaction then starts the log from its beginning again.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "storage/database.hpp"

struct sqlite3;

namespace feedd::storage {

class wal_checkpointer {
  public:
    struct options {
        int start_pages = 4000;     // log pages after a commit that start a checkpoint
        int restart_pages = 12000;  // log pages after a commit that make the writer wait
        std::chrono::milliseconds max_wait{2000};  // the writer waits no longer than this
    };
    using counters = checkpoint_counters;

    // Nothing runs until the first commit that leaves start_pages in the log; then the
    // thread opens its own connection to path.
    wal_checkpointer(std::string path, options opts);
    // Stops the thread; a checkpoint in progress finishes first.
    ~wal_checkpointer();
    wal_checkpointer(const wal_checkpointer&) = delete;
    wal_checkpointer& operator=(const wal_checkpointer&) = delete;

    // Installs the hook on the writer's connection, which must outlive this object (the
    // destructor removes the hook; SQLite's own checkpoints stay off).
    void attach(sqlite3* writer);
    // Asks for a checkpoint now and waits until one has run (tests, idle moments).
    void checkpoint_now();
    counters snapshot() const;

  private:
    static int on_commit(void* self, sqlite3* db, const char* schema, int pages);
    void request(const std::unique_lock<std::mutex>& lock);
    void wait_for(std::unique_lock<std::mutex>& lock, std::int64_t pass,
                  std::chrono::milliseconds limit);
    void run();

    const std::string path_;
    sqlite3* writer_ = nullptr;
    const options opts_;
    mutable std::mutex mutex_;
    std::condition_variable wake_;  // the thread: a pass was asked for, or stop
    std::condition_variable done_;  // waiters: a pass finished
    std::int64_t requested_ = 0;    // passes asked for
    std::int64_t finished_ = 0;     // passes finished (each one asked for after its start)
    bool stop_ = false;
    bool thread_failed_ = false;  // its connection did not open: the writer checkpoints
    counters counters_;
    std::thread thread_;  // started by the first request
};

}  // namespace feedd::storage
