// One poller per database. `feedd run` and `feedd poll --once` each keep a story clusterer
// that hands out story ids, so two of them on one file collide (UNIQUE stories.id, "database
// is locked"). Each takes this lock first: flock(2) on `<database>.lock` beside the file,
// never waiting. The kernel drops it when the process ends, however it ends (kill -9
// included), so nothing stale is left behind. Readers and the short writers (prune, topics
// rebuild, digest) do not take it: SQLite's own locking serialises their writes.
// The same kind of lock on `<database>.digest-lock` lets one process at a time send a pending
// digest (the daemon's digest thread and `feedd digest` both send them; daemon/digest_runner).
#pragma once

#include <filesystem>
#include <optional>
#include <string_view>

namespace feedd::storage {

class poller_lock {
  public:
    // Tries once. Not acquired() means another process holds it. Throws std::runtime_error
    // naming the database and the lock file when that cannot be opened or created (a
    // read-only folder).
    static poller_lock try_acquire(const std::filesystem::path& database,
                                   std::string_view suffix = poller_suffix);

    // `<database><suffix>`, beside the file a symlinked path points to (where SQLite puts its
    // -wal and -shm files too), so every path to one file finds the same lock.
    static std::filesystem::path file_for(const std::filesystem::path& database,
                                          std::string_view suffix = poller_suffix);

    static constexpr std::string_view poller_suffix = ".lock";
    static constexpr std::string_view digest_sender_suffix = ".digest-lock";

    poller_lock(poller_lock&& other) noexcept;
    poller_lock& operator=(poller_lock&& other) noexcept;
    poller_lock(const poller_lock&) = delete;
    poller_lock& operator=(const poller_lock&) = delete;
    ~poller_lock();  // releases it

    bool acquired() const { return acquired_; }
    // Not acquired: the pid the holder wrote into the lock file, if it did and that process
    // still exists (advisory: written just after locking, and a pid can be reused).
    std::optional<long> holder() const { return holder_; }
    const std::filesystem::path& file() const { return file_; }

  private:
    poller_lock() = default;

    int fd_ = -1;
    bool acquired_ = false;
    std::optional<long> holder_;
    std::filesystem::path file_;
};

}  // namespace feedd::storage
