#include "storage/poller_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace feedd::storage {
namespace {

// The pid a holder wrote, if that process still exists (EPERM: it does, as another user).
std::optional<long> read_holder(int fd) {
    char text[32] = {};
    const auto n = ::pread(fd, text, sizeof text - 1, 0);
    if (n <= 0) return std::nullopt;
    long pid = 0;
    const auto [end, ec] = std::from_chars(text, text + n, pid);
    if (ec != std::errc() || end == text || pid <= 0) return std::nullopt;
    if (::kill(static_cast<pid_t>(pid), 0) != 0 && errno != EPERM) return std::nullopt;
    return pid;
}

// Advisory only: a failed write leaves the pid out of the message a second poller prints.
void write_pid(int fd) {
    const auto text = fmt::format("{}\n", ::getpid());
    if (::ftruncate(fd, 0) != 0) return;
    [[maybe_unused]] const auto written = ::pwrite(fd, text.data(), text.size(), 0);
}

}  // namespace

std::filesystem::path poller_lock::file_for(const std::filesystem::path& database,
                                            std::string_view suffix) {
    std::error_code ec;  // a path that cannot be resolved is used as given
    auto resolved = std::filesystem::weakly_canonical(database, ec);
    if (ec) resolved = std::filesystem::absolute(database);
    resolved += suffix;
    return resolved;
}

poller_lock poller_lock::try_acquire(const std::filesystem::path& database,
                                     std::string_view suffix) {
    poller_lock lock;
    lock.file_ = file_for(database, suffix);
    // Close-on-exec: a sendmail started for a digest must not inherit, and outlive us with,
    // the lock.
    lock.fd_ = ::open(lock.file_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    const bool writable = lock.fd_ >= 0;
    const int open_error = errno;
    // A lock file another user made (a root poll before the service's first start) can
    // still be locked read-only; only the pid then goes unrecorded.
    if (!writable && (errno == EACCES || errno == EROFS))
        lock.fd_ = ::open(lock.file_.c_str(), O_RDONLY | O_CLOEXEC);
    if (lock.fd_ < 0) {
        throw std::runtime_error(fmt::format(
            "{}: cannot open its lock file {}: {}; feedd needs to create files beside the "
            "database (this lock, and SQLite's write-ahead log): make its folder writable",
            database.string(), lock.file_.string(), std::strerror(open_error)));
    }
    if (::flock(lock.fd_, LOCK_EX | LOCK_NB) == 0) {
        lock.acquired_ = true;
        if (writable) write_pid(lock.fd_);
        return lock;
    }
    if (errno != EWOULDBLOCK) {
        throw std::runtime_error(fmt::format("{}: cannot lock {}: {}", database.string(),
                                             lock.file_.string(), std::strerror(errno)));
    }
    lock.holder_ = read_holder(lock.fd_);
    return lock;
}

poller_lock::poller_lock(poller_lock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      acquired_(std::exchange(other.acquired_, false)),
      holder_(std::move(other.holder_)),
      file_(std::move(other.file_)) {}

poller_lock& poller_lock::operator=(poller_lock&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0) ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        acquired_ = std::exchange(other.acquired_, false);
        holder_ = std::move(other.holder_);
        file_ = std::move(other.file_);
    }
    return *this;
}

poller_lock::~poller_lock() {
    // Closing the only descriptor releases the flock; the file stays, so the next poller
    // locks the same inode (removing it would let two pollers lock two different files).
    if (fd_ >= 0) ::close(fd_);
}

}  // namespace feedd::storage
