#include "storage/checkpointer.hpp"

#include <utility>

#include <fmt/format.h>
#include <sqlite3.h>

#include "storage/sql_helpers.hpp"

namespace feedd::storage {
namespace {

// The thread's own connection: read-write (a checkpoint writes the database file), no
// mutex (one thread uses it), closed whatever happens.
class connection {
  public:
    explicit connection(const std::string& path) {
        const int rc = sqlite3_open_v2(path.c_str(), &db_,
                                       SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
        if (rc != SQLITE_OK) {
            error_ = fmt::format(
                "{}: the checkpoint thread cannot open the database ({}); the "
                "writer checkpoints the log itself",
                path, db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
            return;
        }
        // A lock another connection holds for a moment (a reader opening, the writer's
        // commit) is waited for, as the daemon's other connections do, instead of switching
        // the thread off for good.
        sqlite3_busy_timeout(db_, busy_timeout_ms);
        // One read, so the connection finds the log (a connection that never read does not
        // know the file is in WAL mode, and its checkpoint would copy nothing). NORMAL as
        // the writer's: a checkpoint syncs the log before and the file after it copies.
        const char* setup = "PRAGMA synchronous = NORMAL; SELECT count(*) FROM sqlite_schema";
        if (sqlite3_exec(db_, setup, nullptr, nullptr, nullptr) != SQLITE_OK) {
            error_ = fmt::format("{}: checkpointer cannot read the database: {}", path,
                                 sqlite3_errmsg(db_));
        }
    }
    ~connection() { sqlite3_close_v2(db_); }
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    sqlite3* get() const { return error_.empty() ? db_ : nullptr; }
    const std::string& error() const { return error_; }

  private:
    sqlite3* db_ = nullptr;
    std::string error_;
};

}  // namespace

wal_checkpointer::wal_checkpointer(std::string path, options opts)
    : path_(std::move(path)), opts_(opts) {}

wal_checkpointer::~wal_checkpointer() {
    if (writer_ != nullptr) sqlite3_wal_hook(writer_, nullptr, nullptr);
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_all();
    done_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void wal_checkpointer::attach(sqlite3* writer) {
    // Replaces SQLite's automatic checkpoint (which is a wal hook too).
    writer_ = writer;
    sqlite3_wal_hook(writer, &wal_checkpointer::on_commit, this);
}

int wal_checkpointer::on_commit(void* self, sqlite3* db, const char* schema, int pages) {
    auto& c = *static_cast<wal_checkpointer*>(self);
    if (pages < c.opts_.start_pages) return SQLITE_OK;
    std::unique_lock lock(c.mutex_);
    if (c.thread_failed_) {
        // The thread has no connection: the writer checkpoints, as SQLite's own hook would.
        lock.unlock();
        sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
        return SQLITE_OK;
    }
    c.request(lock);
    if (pages >= c.opts_.restart_pages) {
        const auto start = std::chrono::steady_clock::now();
        c.wait_for(lock, c.requested_, c.opts_.max_wait);
        ++c.counters_.writer_waits;
        c.counters_.writer_waited += std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - start);
    }
    return SQLITE_OK;  // a failed checkpoint is not the commit's failure
}

void wal_checkpointer::checkpoint_now() {
    std::unique_lock lock(mutex_);
    request(lock);
    wait_for(lock, requested_, std::chrono::hours(1));
}

wal_checkpointer::counters wal_checkpointer::snapshot() const {
    const std::lock_guard lock(mutex_);
    return counters_;
}

void wal_checkpointer::request(const std::unique_lock<std::mutex>&) {
    if (stop_) return;
    // A pass that has not started yet covers this commit too; one already running may not.
    ++requested_;
    if (!thread_.joinable()) {
        // Called from SQLite's wal hook: nothing may be thrown through its C frames. Without
        // a thread the writer checkpoints itself (on_commit).
        try {
            thread_ = std::thread([this] { run(); });
        } catch (const std::exception& e) {
            thread_failed_ = true;
            ++counters_.failures;
            counters_.last_error = fmt::format(
                "{}: cannot start the checkpoint thread: {}; "
                "the writer checkpoints the log itself",
                path_, e.what());
            finished_ = requested_;
            done_.notify_all();
            return;
        }
    }
    wake_.notify_one();
}

void wal_checkpointer::wait_for(std::unique_lock<std::mutex>& lock, std::int64_t pass,
                                std::chrono::milliseconds limit) {
    done_.wait_for(lock, limit, [&] { return stop_ || finished_ >= pass; });
}

void wal_checkpointer::run() {
    const connection conn(path_);
    std::unique_lock lock(mutex_);
    if (!conn.get()) {
        ++counters_.failures;
        counters_.last_error = conn.error();
        thread_failed_ = true;
    }
    for (;;) {
        wake_.wait(lock, [&] { return stop_ || finished_ < requested_; });
        if (stop_) break;
        const auto pass = requested_;
        std::string error;
        lock.unlock();
        if (conn.get()) {
            // PASSIVE: copies what no reader still needs and takes no lock the writer waits
            // for. BUSY only says another connection was checkpointing at the same moment.
            const int rc = sqlite3_wal_checkpoint_v2(conn.get(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                     nullptr, nullptr);
            if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
                error = fmt::format("{}: checkpoint failed: {}", path_, sqlite3_errmsg(conn.get()));
            }
        }
        lock.lock();
        if (conn.get()) ++counters_.passes;
        if (!error.empty()) {
            ++counters_.failures;
            counters_.last_error = std::move(error);
        }
        finished_ = pass;
        done_.notify_all();
    }
    finished_ = requested_;
    done_.notify_all();
}

}  // namespace feedd::storage
