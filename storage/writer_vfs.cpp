#include "storage/writer_vfs.hpp"

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
std::atomic<std::int64_t> wal_writes{0};
std::atomic<std::int64_t> wal_file_writes{0};
std::atomic<std::int64_t> wal_barrier_writes{0};
std::atomic<std::int64_t> wal_file_reads{0};

}  // namespace

// A statement journal that lives in memory, in blocks of 64 KiB. SQLite only ever appends to
// one and reads it back on ROLLBACK TO; it starts it over at offset 0 once the savepoint it
// served is released, which is when release_journals() frees its blocks.
struct writer_vfs::memory_file {
    static constexpr std::size_t block_bytes = std::size_t{1} << 16;
    sqlite3_file base;  // first: SQLite holds a sqlite3_file*
    writer_vfs* owner = nullptr;
    std::vector<std::unique_ptr<unsigned char[]>> blocks;
    std::size_t size = 0;

    void attach(writer_vfs& vfs) {
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
static_assert(std::is_standard_layout_v<writer_vfs::memory_file>);

struct writer_vfs::registration {
    sqlite3_vfs vfs;  // first: SQLite hands open_file this pointer
    writer_vfs* owner;
    char name[48];
};
static_assert(std::is_standard_layout_v<writer_vfs::registration>);

// The default VFS's main database or WAL file, with this VFS's methods in front. A WAL's
// writes that follow each other wait in `buffer` and reach the file in one write (see
// writer_vfs.hpp); everything else is passed on. The default VFS's own file lives right
// after this structure, in the same allocation (registration's szOsFile makes room).
struct writer_vfs::wrapped_file {
    // Well under 128 KiB: the unix VFS writes at most 128 KiB - 1 bytes per call (it masks
    // the length with 0x1ffff) and reports the rest as a full disk.
    static constexpr std::size_t buffer_bytes = std::size_t{1} << 16;
    static constexpr std::size_t real_offset = 64;
    static constexpr int frame_header_bytes = 24;  // a WAL frame's header, before its page

    sqlite3_file base;  // first: SQLite holds a sqlite3_file*
    writer_vfs* owner = nullptr;
    bool wal = false;
    std::unique_ptr<unsigned char[]> buffer;  // allocated at the first write
    sqlite3_int64 start = 0;                  // the file offset of buffer[0]
    std::size_t held = 0;                     // bytes in the buffer
    bool dirty = false;                       // some of them not yet in the file
    // Where the page of a commit frame goes whose header was the last write, else -1.
    sqlite3_int64 commit_page_at = -1;

    sqlite3_file* real() {
        return reinterpret_cast<sqlite3_file*>(reinterpret_cast<unsigned char*>(this) +
                                               real_offset);
    }
    const sqlite3_io_methods& real_methods() { return *real()->pMethods; }

    void attach(writer_vfs& vfs) {
        owner = &vfs;
        if (wal) vfs.wal_files_.push_back(this);
    }
    void detach() {
        if (wal) std::erase(owner->wal_files_, this);
    }

    // Hands the buffered bytes to the file. They are gone either way: on an error SQLite
    // abandons the transaction whose frames they were.
    int flush() {
        if (held == 0) return SQLITE_OK;
        int rc = SQLITE_OK;
        if (dirty) {
            rc = real_methods().xWrite(real(), buffer.get(), static_cast<int>(held), start);
            wal_file_writes.fetch_add(1, std::memory_order_relaxed);
        }
        held = 0;
        dirty = false;
        return rc;
    }

    int allocate_buffer() {
        if (buffer) return SQLITE_OK;
        try {
            buffer = std::make_unique_for_overwrite<unsigned char[]>(buffer_bytes);
        } catch (const std::bad_alloc&) {
            return SQLITE_IOERR_NOMEM;
        }
        return SQLITE_OK;
    }

    // Lock 0 of the wal-index is the WAL's write lock, held for one write transaction. What
    // a WAL still holds when it is given up are frames of a transaction that rolled back:
    // they go out now, while no other connection may write the WAL, as SQLite would have
    // written them; kept, they would be written later over another writer's frames.
    int shm_lock(int offset, int n, int flags) {
        constexpr int write_lock = 0;
        if (offset != write_lock) return real_methods().xShmLock(real(), offset, n, flags);
        if (flags == (SQLITE_SHM_UNLOCK | SQLITE_SHM_EXCLUSIVE)) {
            flush_owner_wals();
            owner->wal_write_locked_ = false;
        }
        const int rc = real_methods().xShmLock(real(), offset, n, flags);
        if (rc == SQLITE_OK && flags == (SQLITE_SHM_LOCK | SQLITE_SHM_EXCLUSIVE))
            owner->wal_write_locked_ = true;
        return rc;
    }

    // Writes out what any WAL of the owner still holds, from a method of the main database
    // file that cannot report a failure (the commit frame's own write could). Returns how
    // many buffers held bytes not yet in their file.
    int flush_owner_wals() {
        int written = 0;
        for (auto* w : owner->wal_files_) {
            written += w->dirty ? 1 : 0;
            w->flush();
        }
        return written;
    }

    int write(const unsigned char* data, std::size_t amount, sqlite3_int64 offset) {
        wal_writes.fetch_add(1, std::memory_order_relaxed);
        const bool commit_page = offset == commit_page_at;
        commit_page_at = -1;
        // A frame header's bytes 4-7 hold the database size in pages after a commit, and
        // are 0 in every other frame; the header is written alone, its page next.
        if (amount == frame_header_bytes && read_u32(data + 4) != 0)
            commit_page_at = offset + frame_header_bytes;
        const auto at = static_cast<std::size_t>(offset - start);
        if (held > 0 && offset >= start && at <= held && at + amount <= buffer_bytes) {
            std::memcpy(buffer.get() + at, data, amount);  // appended, or written over
            held = std::max(held, at + amount);
            dirty = true;
        } else {
            if (const int rc = flush(); rc != SQLITE_OK) return rc;
            if (amount >= buffer_bytes) {
                wal_file_writes.fetch_add(1, std::memory_order_relaxed);
                return real_methods().xWrite(real(), data, static_cast<int>(amount), offset);
            }
            if (const int rc = allocate_buffer(); rc != SQLITE_OK) return rc;
            std::memcpy(buffer.get(), data, amount);
            start = offset;
            held = amount;
            dirty = true;
        }
        return commit_page ? flush() : SQLITE_OK;
    }

    int read(unsigned char* out, std::size_t amount, sqlite3_int64 offset) {
        if (held > 0 && offset + static_cast<sqlite3_int64>(amount) > start) {
            const auto at = static_cast<std::size_t>(offset - start);
            if (offset >= start && at + amount <= held) {
                std::memcpy(out, buffer.get() + at, amount);
                return SQLITE_OK;
            }
            if (const int rc = flush(); rc != SQLITE_OK) return rc;
        }
        if (owner->wal_write_locked_ && is_whole_frame(amount)) {
            if (const int rc = load(offset, amount); rc != SQLITE_OK) return rc;
            if (held >= amount) {
                std::memcpy(out, buffer.get(), amount);
                return SQLITE_OK;
            }
        }
        return real_methods().xRead(real(), out, static_cast<int>(amount), offset);
    }

    // SQLite reads whole frames (header and page) only to checksum them again, one after
    // the other, writing each header back: after a page spilled to the WAL changed again
    // in the same transaction, every frame from its frame on (~22k frames in a cold poll).
    // Read into the buffer 64 KiB at a time, they are answered from it and their headers
    // written into it. Only while this connection holds the WAL's write lock, when the
    // file changes through this buffer alone.
    static bool is_whole_frame(std::size_t amount) {
        if (amount <= frame_header_bytes) return false;
        const auto page = amount - frame_header_bytes;
        return page >= 512 && (page & (page - 1)) == 0;
    }

    int load(sqlite3_int64 offset, std::size_t amount) {
        if (const int rc = flush(); rc != SQLITE_OK) return rc;
        if (const int rc = allocate_buffer(); rc != SQLITE_OK) return rc;
        sqlite3_int64 size = 0;
        if (const int rc = real_methods().xFileSize(real(), &size); rc != SQLITE_OK) return rc;
        if (size < offset + static_cast<sqlite3_int64>(amount)) return SQLITE_OK;  // read past
        const auto bytes = std::min(buffer_bytes, static_cast<std::size_t>(size - offset));
        const int rc = real_methods().xRead(real(), buffer.get(), static_cast<int>(bytes), offset);
        if (rc != SQLITE_OK) return rc;
        start = offset;
        held = bytes;
        wal_file_reads.fetch_add(1, std::memory_order_relaxed);
        return SQLITE_OK;
    }

    static std::uint32_t read_u32(const unsigned char* p) {  // big-endian, as SQLite writes
        return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) |
               (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
    }
};
static_assert(std::is_standard_layout_v<writer_vfs::wrapped_file>);
static_assert(sizeof(writer_vfs::wrapped_file) <= writer_vfs::wrapped_file::real_offset);

namespace {

using memory_file = writer_vfs::memory_file;

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

using wrapped_file = writer_vfs::wrapped_file;

wrapped_file& as_wrapped(sqlite3_file* f) {
    return *reinterpret_cast<wrapped_file*>(f);
}

sqlite3_file* real_of(sqlite3_file* f) {
    return as_wrapped(f).real();
}

// Whatever touches a WAL's file other than a write or a read writes the buffer out first.
int flushed(sqlite3_file* f) {
    auto& w = as_wrapped(f);
    return w.wal ? w.flush() : SQLITE_OK;
}

int wrapped_close(sqlite3_file* f) {
    auto& w = as_wrapped(f);
    const int flush_rc = flushed(f);
    const int rc = w.real_methods().xClose(w.real());
    w.detach();
    w.~wrapped_file();
    return flush_rc != SQLITE_OK ? flush_rc : rc;
}

int wrapped_read(sqlite3_file* f, void* out, int amount, sqlite3_int64 offset) {
    auto& w = as_wrapped(f);
    if (!w.wal) return w.real_methods().xRead(w.real(), out, amount, offset);
    return w.read(static_cast<unsigned char*>(out), static_cast<std::size_t>(amount), offset);
}

int wrapped_write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
    auto& w = as_wrapped(f);
    if (!w.wal) return w.real_methods().xWrite(w.real(), data, amount, offset);
    return w.write(static_cast<const unsigned char*>(data), static_cast<std::size_t>(amount),
                   offset);
}

int wrapped_truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (const int rc = flushed(f); rc != SQLITE_OK) return rc;
    return as_wrapped(f).real_methods().xTruncate(real_of(f), size);
}

int wrapped_sync(sqlite3_file* f, int flags) {
    if (const int rc = flushed(f); rc != SQLITE_OK) return rc;
    return as_wrapped(f).real_methods().xSync(real_of(f), flags);
}

int wrapped_file_size(sqlite3_file* f, sqlite3_int64* size) {
    if (const int rc = flushed(f); rc != SQLITE_OK) return rc;
    return as_wrapped(f).real_methods().xFileSize(real_of(f), size);
}

int wrapped_lock(sqlite3_file* f, int level) {
    return as_wrapped(f).real_methods().xLock(real_of(f), level);
}

int wrapped_unlock(sqlite3_file* f, int level) {
    return as_wrapped(f).real_methods().xUnlock(real_of(f), level);
}

int wrapped_check_reserved_lock(sqlite3_file* f, int* reserved) {
    return as_wrapped(f).real_methods().xCheckReservedLock(real_of(f), reserved);
}

int wrapped_file_control(sqlite3_file* f, int op, void* arg) {
    if (const int rc = flushed(f); rc != SQLITE_OK) return rc;
    return as_wrapped(f).real_methods().xFileControl(real_of(f), op, arg);
}

int wrapped_sector_size(sqlite3_file* f) {
    return as_wrapped(f).real_methods().xSectorSize(real_of(f));
}

int wrapped_device_characteristics(sqlite3_file* f) {
    return as_wrapped(f).real_methods().xDeviceCharacteristics(real_of(f));
}

// The shared-memory and mmap methods exist from version 2 and 3 of a file's methods.
bool has_version(sqlite3_file* f, int version) {
    return as_wrapped(f).real_methods().iVersion >= version;
}

int wrapped_shm_map(sqlite3_file* f, int region, int bytes, int extend, void volatile** out) {
    if (!has_version(f, 2)) return SQLITE_IOERR_SHMMAP;
    return as_wrapped(f).real_methods().xShmMap(real_of(f), region, bytes, extend, out);
}

int wrapped_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
    if (!has_version(f, 2)) return SQLITE_IOERR_SHMLOCK;
    return as_wrapped(f).shm_lock(offset, n, flags);
}

// SQLite calls this on the main database file between the two copies of the wal-index
// header it writes when a commit makes new frames visible: the frames must be in the WAL
// file by then. The commit frame's write has normally written them already; this writes
// anything that is left, and counts it (a test expects none).
void wrapped_shm_barrier(sqlite3_file* f) {
    auto& w = as_wrapped(f);
    wal_barrier_writes.fetch_add(w.flush_owner_wals(), std::memory_order_relaxed);
    if (has_version(f, 2)) w.real_methods().xShmBarrier(w.real());
}

int wrapped_shm_unmap(sqlite3_file* f, int delete_flag) {
    if (!has_version(f, 2)) return SQLITE_OK;
    return as_wrapped(f).real_methods().xShmUnmap(real_of(f), delete_flag);
}

int wrapped_fetch(sqlite3_file* f, sqlite3_int64 offset, int amount, void** out) {
    if (!has_version(f, 3)) {
        *out = nullptr;  // no mapping: SQLite reads instead
        return SQLITE_OK;
    }
    return as_wrapped(f).real_methods().xFetch(real_of(f), offset, amount, out);
}

int wrapped_unfetch(sqlite3_file* f, sqlite3_int64 offset, void* page) {
    if (!has_version(f, 3)) return SQLITE_OK;
    return as_wrapped(f).real_methods().xUnfetch(real_of(f), offset, page);
}

const sqlite3_io_methods wrapped_methods = {3,
                                            wrapped_close,
                                            wrapped_read,
                                            wrapped_write,
                                            wrapped_truncate,
                                            wrapped_sync,
                                            wrapped_file_size,
                                            wrapped_lock,
                                            wrapped_unlock,
                                            wrapped_check_reserved_lock,
                                            wrapped_file_control,
                                            wrapped_sector_size,
                                            wrapped_device_characteristics,
                                            wrapped_shm_map,
                                            wrapped_shm_lock,
                                            wrapped_shm_barrier,
                                            wrapped_shm_unmap,
                                            wrapped_fetch,
                                            wrapped_unfetch};

sqlite3_vfs* default_vfs() {
    static sqlite3_vfs* const vfs = [] {
        auto* found = sqlite3_vfs_find(nullptr);
        if (found == nullptr) throw std::runtime_error("SQLite has no default VFS");
        return found;
    }();
    return vfs;
}

writer_vfs& owner_of(sqlite3_vfs* vfs) {
    // The registration is standard-layout with the sqlite3_vfs first.
    return *reinterpret_cast<writer_vfs::registration*>(vfs)->owner;
}

int open_wrapped(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                 int* out_flags) {
    auto* w = new (file) wrapped_file{};
    auto* fallback = default_vfs();
    const int rc = fallback->xOpen(fallback, name, w->real(), flags, out_flags);
    if (rc != SQLITE_OK) {  // SQLite calls no method of a file that failed to open
        w->~wrapped_file();
        file->pMethods = nullptr;
        return rc;
    }
    w->base.pMethods = &wrapped_methods;
    w->wal = (flags & SQLITE_OPEN_WAL) != 0;
    w->attach(owner_of(vfs));
    return SQLITE_OK;
}

int open_file(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    if ((flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0)
        return open_wrapped(vfs, name, file, flags, out_flags);
    if ((flags & SQLITE_OPEN_SUBJOURNAL) == 0) {
        auto* fallback = default_vfs();
        return fallback->xOpen(fallback, name, file, flags, out_flags);
    }
    auto* m = new (file) memory_file{};
    m->base.pMethods = &memory_methods;
    m->attach(owner_of(vfs));
    if (out_flags != nullptr) *out_flags = flags;
    files_opened.fetch_add(1, std::memory_order_relaxed);
    return SQLITE_OK;
}

std::atomic<int> registrations{0};

}  // namespace

writer_vfs::writer_vfs() : registration_(std::make_unique<registration>()) {
    auto& r = *registration_;
    // Everything but xOpen is the default VFS's own: the unix VFS's other methods read
    // nothing of the structure they are handed but mxPathname, copied here.
    r.vfs = *default_vfs();
    r.vfs.pNext = nullptr;
    r.vfs.szOsFile = std::max(r.vfs.szOsFile + static_cast<int>(wrapped_file::real_offset),
                              static_cast<int>(sizeof(memory_file)));
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

writer_vfs::~writer_vfs() {
    sqlite3_vfs_unregister(&registration_->vfs);
}

const char* writer_vfs::name() const {
    return registration_->name;
}

std::size_t writer_vfs::held_bytes() const {
    std::size_t blocks = 0;
    for (const auto* f : open_files_)
        blocks += f->blocks.size();
    return blocks * memory_file::block_bytes;
}

void writer_vfs::release_journals() {
    for (auto* f : open_files_) {
        f->blocks.clear();
        f->size = 0;
    }
}

writer_vfs_counters writer_vfs::totals() {
    return {files_opened.load(),    bytes_written.load(),      wal_writes.load(),
            wal_file_writes.load(), wal_barrier_writes.load(), wal_file_reads.load()};
}

}  // namespace feedd::storage
