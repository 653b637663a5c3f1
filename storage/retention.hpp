// Retention ([storage] keep): deletes items first seen before a cutoff, with what only they
// kept alive (stories, story sources, timeline entries, signatures, full-text rows), in small
// transactions so the writer never stalls, and returns the freed pages to the file system.
// What is never pruned: an item its feed's latest document still lists (so the next poll
// cannot store it again), an item inside the clustering window, any member of a story that
// has a member kept, and stories a pending digest holds. docs/design.md, Retention.
#pragma once

#include <cstdint>
#include <limits>
#include <unordered_set>

#include "storage/database.hpp"

namespace feedd::storage {

struct prune_counts {
    std::int64_t items = 0;
    std::int64_t stories = 0;
    std::int64_t timeline_entries = 0;
    prune_counts& operator+=(const prune_counts& other);
};

struct prune_options {
    timestamp cutoff{};    // items first seen before this may go
    int max_items = 500;   // per transaction; a story goes whole, so a larger one may exceed it
    bool dry_run = false;  // roll every batch back: the counts say what would go
    // After a batch that deleted something, up to this many free pages go back to the file
    // system (incremental_vacuum; 0: none); the rest are reused by later inserts.
    int vacuum_pages = 1024;
    // After a batch that deleted something, the full-text index rewrites up to this many
    // pages to drop the deleted rows' entries (FTS5 'merge'; 0: none).
    int fts_merge_pages = 500;
};

// Where a run has got to. Candidates are visited oldest first by (first_seen, id), so a run
// of many batches looks at each once, and kept ones are stepped over rather than re-read.
struct prune_cursor {
    std::int64_t after_first_seen = std::numeric_limits<std::int64_t>::min();
    std::int64_t after_id = 0;
    std::unordered_set<std::int64_t> stories_decided;  // kept or deleted in this run
    bool done = false;
};

// One batch in one IMMEDIATE transaction, then its incremental vacuum. Call until
// cursor.done, letting other writes run in between. Writer only.
prune_counts prune_batch(database& db, const prune_options& options, prune_cursor& cursor);

// All batches at once (the CLI, tests). Writer only.
prune_counts prune_all(database& db, const prune_options& options);

// PRAGMA incremental_vacuum(pages): hands up to `pages` free pages back to the file system
// (none when pages <= 0). Does nothing unless the file uses incremental auto-vacuum. Writer
// only.
void incremental_vacuum(database& db, int pages);

// Whether the file returns free pages to the file system on incremental_vacuum. New files
// are created so; older ones need enable_incremental_vacuum once.
bool uses_incremental_vacuum(const database& db);

// Switches a file created before retention to auto_vacuum = INCREMENTAL. That needs one
// VACUUM, which rewrites the whole file: it holds the write lock for as long as that takes
// and needs free disk space about the size of the file. Returns false when the file was
// incremental already. Writer only, outside any transaction.
bool enable_incremental_vacuum(database& db);

struct file_pages {
    std::int64_t page_size = 0;
    std::int64_t pages = 0;       // PRAGMA page_count
    std::int64_t free_pages = 0;  // PRAGMA freelist_count
};
file_pages pages_of(const database& db);

}  // namespace feedd::storage
