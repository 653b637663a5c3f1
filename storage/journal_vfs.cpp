#include "storage/journal_vfs.hpp"

#include <algorithm>
#include <atomic>
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

}  // namespace

// A statement journal that lives in memory, in blocks of 64 KiB. SQLite only ever appends to
// one and reads it back on ROLLBACK TO; it starts it over at offset 0 once the savepoint it
// served is released, which is when release_journals() frees its blocks.
struct journal_vfs::memory_file {
    static constexpr std::size_t block_bytes = std::size_t{1} << 16;
    sqlite3_file base;  // first: SQLite holds a sqlite3_file*
    journal_vfs* owner = nullptr;
    std::vector<std::unique_ptr<unsigned char[]>> blocks;
    std::size_t size = 0;

    void attach(journal_vfs& vfs) {
        owner = &vfs;
        vfs.open_files_.push_back(this);
    }
    void detach() { std::erase(owner->open_files_, this); }

    // Calls copy(block, offset in it, offset in the caller's buffer, bytes) for each block
    // that [from, from + count) touches, in order.
    template <class Copy>
    static void for_each_block(std::size_t from, std::size_t count, const Copy& copy) {
        for (std::size_t done = 0; done < count;) {
            const std::size_t in_block = from % block_bytes;
            const std::size_t n = std::min(count - done, block_bytes - in_block);
            copy(from / block_bytes, in_block, done, n);
            done += n;
            from += n;
        }
    }
};
// SQLite's sqlite3_file* is the memory_file's address.
static_assert(std::is_standard_layout_v<journal_vfs::memory_file>);

struct journal_vfs::registration {
    sqlite3_vfs vfs;  // first: SQLite hands open_file this pointer
    journal_vfs* owner;
    char name[48];
};
static_assert(std::is_standard_layout_v<journal_vfs::registration>);

namespace {

using memory_file = journal_vfs::memory_file;

memory_file& as_memory(sqlite3_file* f) {
    return *reinterpret_cast<memory_file*>(f);
}

int memory_close(sqlite3_file* f) {
    auto& m = as_memory(f);
    m.detach();
    m.~memory_file();
    return SQLITE_OK;
}

int memory_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
    const auto& m = as_memory(f);
    auto* to = static_cast<unsigned char*>(out);
    const auto want = static_cast<std::size_t>(amount);
    const auto from = static_cast<std::size_t>(offset);
    const std::size_t have = from < m.size ? std::min(want, m.size - from) : 0;
    memory_file::for_each_block(
        from, have, [&](std::size_t block, std::size_t in_block, std::size_t done, std::size_t n) {
            std::memcpy(to + done, m.blocks[block].get() + in_block, n);
        });
    if (have == want) return SQLITE_OK;
    // SQLite's contract for reading past the end: zeros, and say so.
    std::memset(to + have, 0, want - have);
    return SQLITE_IOERR_SHORT_READ;
}

int memory_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
    auto& m = as_memory(f);
    const auto from = static_cast<std::size_t>(offset);
    if (from == 0) {  // a journal started over
        m.blocks.resize(std::min<std::size_t>(m.blocks.size(), 1));
        m.size = 0;
    }
    if (from > m.size) return SQLITE_IOERR_WRITE;  // never done by SQLite: appends only
    const auto* bytes = static_cast<const unsigned char*>(data);
    const auto total = static_cast<std::size_t>(amount);
    try {
        memory_file::for_each_block(
            from, total,
            [&](std::size_t block, std::size_t in_block, std::size_t done, std::size_t n) {
                if (block == m.blocks.size()) {
                    m.blocks.push_back(
                        std::make_unique_for_overwrite<unsigned char[]>(memory_file::block_bytes));
                }
                std::memcpy(m.blocks[block].get() + in_block, bytes + done, n);
            });
    } catch (const std::bad_alloc&) {
        return SQLITE_IOERR_NOMEM;
    }
    m.size = std::max(m.size, from + total);
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
    m->attach(owner);
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

std::size_t journal_vfs::held_bytes() const {
    std::size_t blocks = 0;
    for (const auto* f : open_files_)
        blocks += f->blocks.size();
    return blocks * memory_file::block_bytes;
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
