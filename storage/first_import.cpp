#include "storage/first_import.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <system_error>

#include <fmt/core.h>

#include "storage/poller_lock.hpp"

namespace feedd::storage {
namespace {

constexpr std::string_view marker_suffix = ".import";
constexpr std::string_view base_suffix = ".import-base";

std::filesystem::path with_suffix(std::filesystem::path path, std::string_view suffix) {
    path += suffix;
    return path;
}

// The folder a file's name lives in, for syncing a rename or an unlink.
std::filesystem::path folder_of(const std::filesystem::path& file) {
    return file.has_parent_path() ? file.parent_path() : std::filesystem::path(".");
}

void remove_if_present(const std::filesystem::path& file) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    if (ec) {
        throw std::runtime_error(fmt::format("{}: cannot remove: {}", file.string(), ec.message()));
    }
}

void rename_file(const std::filesystem::path& from, const std::filesystem::path& to) {
    std::error_code ec;
    std::filesystem::rename(from, to, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("{}: cannot rename to {}: {}", from.string(), to.string(), ec.message()));
    }
}

// The database and SQLite's files beside it, gone (a file the interrupted import created).
void remove_database_files(const std::filesystem::path& database) {
    for (const std::string_view suffix : {"-journal", "-wal", "-shm", ""})
        remove_if_present(with_suffix(database, suffix));
}

}  // namespace

std::filesystem::path import_marker_file(const std::filesystem::path& database) {
    return poller_lock::file_for(database, marker_suffix);
}

std::filesystem::path import_base_file(const std::filesystem::path& database) {
    return poller_lock::file_for(database, base_suffix);
}

std::string current_boot_id() {
    std::ifstream in("/proc/sys/kernel/random/boot_id");
    std::string id;
    if (!(in >> id) || id.empty()) return std::string(unknown_boot);
    return id;
}

void sync_path(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::fsync(fd) != 0) {
        const int error = errno;
        if (fd >= 0) ::close(fd);
        throw std::runtime_error(
            fmt::format("{}: cannot sync to disk: {}", path.string(), std::strerror(error)));
    }
    ::close(fd);
}

void write_import_marker(const std::filesystem::path& database, const import_marker& marker) {
    const auto file = import_marker_file(database);
    const auto temporary = with_suffix(file, ".tmp");
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << "boot " << marker.boot_id << "\nbase " << (marker.has_base ? "yes" : "no") << '\n';
        out.flush();
        if (!out) {
            throw std::runtime_error(
                fmt::format("{}: cannot write the first import's marker", temporary.string()));
        }
    }
    sync_path(temporary);
    rename_file(temporary, file);
    sync_path(folder_of(file));
}

std::optional<import_marker> read_import_marker(const std::filesystem::path& database) {
    const auto file = import_marker_file(database);
    std::ifstream in(file);
    if (!in) {
        if (!std::filesystem::exists(file)) return std::nullopt;
        throw std::runtime_error(
            fmt::format("{}: cannot read the first import's marker", file.string()));
    }
    std::string boot_key, boot, base_key, base;
    in >> boot_key >> boot >> base_key >> base;
    if (boot_key != "boot" || boot.empty() || base_key != "base" ||
        (base != "yes" && base != "no")) {
        throw std::runtime_error(fmt::format(
            "{}: not a first import's marker (expected \"boot ID\" and \"base yes|no\" lines); "
            "remove it to keep {} as it is",
            file.string(), database.string()));
    }
    return import_marker{boot, base == "yes"};
}

void remove_import_marker(const std::filesystem::path& database) {
    const auto marker = import_marker_file(database);
    // The marker first: without it, a base copy left behind is only a stale file.
    remove_if_present(marker);
    remove_if_present(import_base_file(database));
    remove_if_present(with_suffix(marker, ".tmp"));
    sync_path(folder_of(marker));
}

import_recovery recover_interrupted_import(const std::filesystem::path& database,
                                           std::string_view boot_id) {
    const auto marker = read_import_marker(database);
    if (!marker) {
        // A base copy without a marker is from an import that never began or had ended.
        remove_if_present(import_base_file(database));
        return import_recovery::none;
    }
    if (marker->boot_id == boot_id && boot_id != unknown_boot) {
        // The process died, the kernel did not: every write reached the page cache, and
        // SQLite rolls back the hot journal of the transaction it cut short.
        remove_import_marker(database);
        return import_recovery::kept;
    }
    // The machine went down while pages were written without syncs: put back the file as
    // it was. Its journal goes first, so that it is never applied to the copy. (SQLite keeps
    // its files beside the file a symlink points to, as the marker is.)
    const auto file = poller_lock::file_for(database, "");
    const auto base = import_base_file(database);
    if (!marker->has_base) {
        remove_database_files(file);
    } else if (std::filesystem::exists(base)) {
        for (const std::string_view suffix : {"-journal", "-wal", "-shm"})
            remove_if_present(with_suffix(file, suffix));
        rename_file(base, file);
    }
    // (A marker that names a base which is gone: the copy was put back already, by a
    // recovery that stopped before removing the marker.)
    sync_path(folder_of(file));
    remove_import_marker(database);
    return import_recovery::restored;
}

background_writeback::background_writeback(const std::filesystem::path& file)
    : fd_(::open(file.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ >= 0) thread_ = std::thread([this] { run(); });
}

background_writeback::~background_writeback() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    wake_.notify_one();
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
}

void background_writeback::request() {
    {
        const std::lock_guard lock(mutex_);
        requested_ = true;
    }
    wake_.notify_one();
}

void background_writeback::run() {
    std::unique_lock lock(mutex_);
    while (true) {
        wake_.wait(lock, [&] { return requested_ || stop_; });
        if (stop_) return;
        requested_ = false;
        lock.unlock();
        ::sync_file_range(fd_, 0, 0, SYNC_FILE_RANGE_WRITE);  // a hint: errors ignored
        lock.lock();
    }
}

}  // namespace feedd::storage
