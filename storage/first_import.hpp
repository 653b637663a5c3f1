// A first import (a poller's first round into a store with no item yet) writes its file
// straight, through a rollback journal with `synchronous = OFF` and no checkpoint thread,
// instead of through the write-ahead log. Every page of the new file is then written once:
// no log frames for pages that several transactions change, no checkpoint copying them again,
// no wait for the log to start over (a cold poll of 1000 feeds: −6 to −16 % wall, less on a
// faster host; docs/benchmarks.md, session 15). database::begin_first_import switches, and
// database::end_first_import makes the file durable and goes back to WAL when the round is
// over (or the writer closes).
//
// Without `fsync` a `kill -9` still loses nothing (the kernel keeps every write, and the hot
// journal rolls the last transaction back), but a power cut or kernel crash can leave a file
// whose pages are a mix of old and new. So the import leaves a marker beside the file while
// it runs, `<database>.import`, naming the boot it started in (the kernel's boot_id), and,
// when the file held anything before (feeds from an OPML import, topics, digests), a copy of
// it as it was, `<database>.import-base`, both synced before the first unsynced write. The
// next poller that finds the marker (recover_interrupted_import, under the poller lock) keeps
// the file if the machine has not restarted since, and otherwise (or when the boot cannot be
// told) puts the copy back (or removes a file the import had created), so the import starts
// over from a consistent state.
#pragma once

#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

namespace feedd::storage {

struct import_marker {
    std::string boot_id;    // of the boot the import started in
    bool has_base = false;  // <database>.import-base holds the file as it was before
};

std::filesystem::path import_marker_file(const std::filesystem::path& database);
std::filesystem::path import_base_file(const std::filesystem::path& database);

// The kernel's id of this boot (/proc/sys/kernel/random/boot_id), or unknown_boot when it
// cannot be read (systemd's ProcSubset=pid hides /proc/sys from the service). A marker from an
// unknown boot is never taken for this one: an import cut short there starts over.
std::string current_boot_id();
inline constexpr std::string_view unknown_boot = "unknown";

// Writes the marker durably (a synced temporary file renamed into place, then the folder
// synced). Throws std::runtime_error naming the file.
void write_import_marker(const std::filesystem::path& database, const import_marker& marker);
// The marker, nullopt when there is none. Throws std::runtime_error on a marker it cannot
// read or understand.
std::optional<import_marker> read_import_marker(const std::filesystem::path& database);
// Removes the marker and the base copy (a missing one is fine) and syncs the folder.
void remove_import_marker(const std::filesystem::path& database);

// fsync(2) of a file, or of a folder; throws std::runtime_error naming it.
void sync_path(const std::filesystem::path& path);

enum class import_recovery {
    none,      // no marker: nothing was interrupted
    kept,      // same boot: the file is as SQLite's journal leaves it, consistent
    restored,  // another or an unknown boot: the file was put back as it was before the import
};

// Call with the poller lock held (no import can be running), before opening the database.
import_recovery recover_interrupted_import(const std::filesystem::path& database,
                                           std::string_view boot_id);

// A first import's commits are not synced, so the kernel would write the whole file when
// the import ends and syncs it, with everything else waiting (≈ 0.1 s for the 84 MB of a cold
// poll of 1000 feeds). request(), after each commit, has a thread of its own ask the kernel to
// start writing what is dirty (sync_file_range, SYNC_FILE_RANGE_WRITE), so the end's sync finds
// little left; on its own thread because that call can wait for the device (1–17 ms seen),
// which the writer must not.
class background_writeback {
  public:
    explicit background_writeback(const std::filesystem::path& file);  // no hints if unopenable
    ~background_writeback();  // stops the thread; a call in progress finishes
    background_writeback(const background_writeback&) = delete;
    background_writeback& operator=(const background_writeback&) = delete;

    void request();  // never waits

  private:
    void run();

    int fd_ = -1;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool requested_ = false;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace feedd::storage
