#include "storage/journal_vfs.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstdio>
#include <cstring>
#include <memory>
#include <new>
#include <type_traits>
#include <stdexcept>
#include <string>
#include <vector>

#include <sqlite3.h>

namespace feedd::storage {
namespace {

std::atomic<std::int64_t> files_opened{0};
std::atomic<std::int64_t> bytes_written{0};

// A statement journal that lives in memory, in blocks of 64 KiB. SQLite only ever appends to
// one, reads it back on ROLLBACK TO, and starts it over at offset 0 when the savepoint it
// served is released: then the blocks past the first are freed, so that a large refresh's
// journal does not stay allocated for the rest of the transaction.
}  // namespace

struct journal_vfs::memory_file {
    static constexpr std::size_t block_bytes = std::size_t{1} << 16;
    sqlite3_file base;  // first: SQLite holds a sqlite3_file*
    journal_vfs* owner = nullptr;
    std::vector<std::unique_ptr<unsigned char[]>> blocks;
    std::size_t size = 0;
};

struct journal_vfs::registration {
    sqlite3_vfs vfs;  // first: SQLite hands open_file this pointer
    journal_vfs* owner;
    char name[48];
};
static_assert(std::is_standard_layout_v<journal_vfs::registration>);

// Reaches journal_vfs's private parts from SQLite's C callbacks.
struct journal_vfs_access {
    static void opened(journal_vfs& vfs, journal_vfs::memory_file* f) {
        vfs.open_files_.push_back(f);
    }
    static void closed(journal_vfs& vfs, journal_vfs::memory_file* f) {
        std::erase(vfs.open_files_, f);
    }
};

namespace {

using memory_file = journal_vfs::memory_file;

memory_file& as_memory(sqlite3_file* f) {
    return *reinterpret_cast<memory_file*>(f);
}

int memory_close(sqlite3_file* f) {
    auto& m = as_memory(f);
    journal_vfs_access::closed(*m.owner, &m);
    m.~memory_file();
    return SQLITE_OK;
}

int memory_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
    const auto& m = as_memory(f);
    auto* to = static_cast<unsigned char*>(out);
    const auto want = static_cast<std::size_t>(amount);
    auto from = static_cast<std::size_t>(offset);
    const std::size_t have = from < m.size ? std::min(want, m.size - from) : 0;
    for (std::size_t done = 0; done < have;) {
        const std::size_t in_block = from % memory_file::block_bytes;
        const std::size_t n = std::min(have - done, memory_file::block_bytes - in_block);
        std::memcpy(to + done, m.blocks[from / memory_file::block_bytes].get() + in_block, n);
        done += n;
        from += n;
    }
    if (have == want) return SQLITE_OK;
    // SQLite's contract for reading past the end: zeros, and say so.
    std::memset(to + have, 0, want - have);
    return SQLITE_IOERR_SHORT_READ;
}

int memory_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
    auto& m = as_memory(f);
    auto from = static_cast<std::size_t>(offset);
    if (from == 0) {  // a journal started over
        m.blocks.resize(std::min<std::size_t>(m.blocks.size(), 1));
        m.size = 0;
    }
    if (from > m.size) return SQLITE_IOERR_WRITE;  // never done by SQLite: appends only
    const auto* bytes = static_cast<const unsigned char*>(data);
    const auto total = static_cast<std::size_t>(amount);
    try {
        for (std::size_t done = 0; done < total;) {
            const std::size_t block = from / memory_file::block_bytes;
            if (block == m.blocks.size()) {
                m.blocks.push_back(
                    std::make_unique_for_overwrite<unsigned char[]>(memory_file::block_bytes));
            }
            const std::size_t in_block = from % memory_file::block_bytes;
            const std::size_t n = std::min(total - done, memory_file::block_bytes - in_block);
            std::memcpy(m.blocks[block].get() + in_block, bytes + done, n);
            done += n;
            from += n;
        }
    } catch (const std::bad_alloc&) {
        return SQLITE_IOERR_NOMEM;
    }
    m.size = std::max(m.size, from);
    bytes_written.fetch_add(amount, std::memory_order_relaxed);
    return SQLITE_OK;
}

int memory_truncate(sqlite3_file* f, sqlite3_int64 size) {
    auto& m = as_memory(f);
    m.size = std::min(m.size, static_cast<std::size_t>(size));
    return SQLITE_OK;
}

int memory_sync(sqlite3_file*, int) {
    return SQLITE_OK;
}

int memory_file_size(sqlite3_file* f, sqlite3_int64* size) {
    *size = static_cast<sqlite3_int64>(as_memory(f).size);
    return SQLITE_OK;
}

int memory_lock(sqlite3_file*, int) {
    return SQLITE_OK;  // private to one connection
}

int memory_check_reserved_lock(sqlite3_file*, int* reserved) {
    *reserved = 0;
    return SQLITE_OK;
}

int memory_file_control(sqlite3_file*, int, void*) {
    return SQLITE_NOTFOUND;
}

int memory_sector_size(sqlite3_file*) {
    return 4096;
}

int memory_device_characteristics(sqlite3_file*) {
    return 0;
}

const sqlite3_io_methods memory_methods = {1,  // iVersion: no shared memory, no mmap
                                           memory_close,
                                           memory_read,
                                           memory_write,
                                           memory_truncate,
                                           memory_sync,
                                           memory_file_size,
                                           memory_lock,
                                           memory_lock,
                                           memory_check_reserved_lock,
                                           memory_file_control,
                                           memory_sector_size,
                                           memory_device_characteristics,
                                           nullptr,
                                           nullptr,
                                           nullptr,
                                           nullptr,
                                           nullptr,
                                           nullptr};

sqlite3_vfs* default_vfs() {
    static sqlite3_vfs* const vfs = [] {
        auto* found = sqlite3_vfs_find(nullptr);
        if (found == nullptr) throw std::runtime_error("SQLite has no default VFS");
        return found;
    }();
    return vfs;
}

int open_file(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    if ((flags & SQLITE_OPEN_SUBJOURNAL) == 0) {
        auto* fallback = default_vfs();
        return fallback->xOpen(fallback, name, file, flags, out_flags);
    }
    // The registration is standard-layout with the sqlite3_vfs first.
    auto& owner = *reinterpret_cast<journal_vfs::registration*>(vfs)->owner;
    auto* m = new (file) memory_file{};
    m->base.pMethods = &memory_methods;
    m->owner = &owner;
    journal_vfs_access::opened(owner, m);
    if (out_flags != nullptr) *out_flags = flags;
    files_opened.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;
}

std::atomic<int> registrations{0};

}  // namespace

journal_vfs::journal_vfs() : registration_(std::make_unique<registration>()) {
    auto& r = *registration_;
    // Everything but xOpen is the default VFS's own: the unix VFS's other methods read
    // nothing of the structure they are handed but mxPathname, copied here.
    r.vfs = *default_vfs();
    r.vfs.pNext = nullptr;
    r.vfs.szOsFile = std::max(r.vfs.szOsFile, static_cast<int>(sizeof(memory_file)));
    r.vfs.xOpen = open_file;
    r.owner = this;
    std::snprintf(r.name, sizeof r.name, "feedd-journal-%d", registrations.fetch_add(1));
    r.vfs.zName = r.name;
    const int rc = sqlite3_vfs_register(&r.vfs, 0);
    if (rc != SQLITE_OK) {
        throw std::runtime_error(std::string("cannot register SQLite VFS ") + r.name + ": " +
                                 sqlite3_errstr(rc));
    }
}

journal_vfs::~journal_vfs() {
    sqlite3_vfs_unregister(&registration_->vfs);
}

const char* journal_vfs::name() const {
    return registration_->name;
}

void journal_vfs::release_journals() {
    for (auto* f : open_files_) {
        f->blocks.clear();
        f->size = 0;
    }
}

journal_vfs_counters journal_vfs::totals() {
    return {files_opened.load(), bytes_written.load()};
}

}  // namespace feedd::storage
