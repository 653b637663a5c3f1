// Folding new items into stories as they are stored. Signatures are computed on
// the CPU pool (sign_items); the streaming clusterer lives with the storage writer
// and decides inside the transaction that stores the items, so the stories in the
// database and the in-memory index never disagree: only items that are really new
// get clustered, and a refresh that rolls back rebuilds the index from the
// database. The window runs on the clustering clock, the fetch time (a first poll's
// backlog of week-old items from several feeds, fetched in any order, still
// folds): between refreshes the index holds exactly the members clustered within
// `window` of the newest one. At start-up it is rebuilt from the stored
// signatures the same way, in the original order, so an item joins exactly the
// story it would have joined had the daemon never stopped.
#pragma once

#include <cstddef>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "feeds/model.hpp"
#include "stories/clusterer.hpp"
#include "stories/signature.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {

struct signed_item {
    stories::signature signature;
    std::string encoded;  // encode_signature(signature), stored while inside the window
};

// One item's signature, from its title and its fuller text. Pure.
signed_item sign_item(const feeds::item& item);
// One signature per item, in the same order. Pure CPU work: run it on the pool.
std::vector<signed_item> sign_items(const std::vector<feeds::item>& items);

// The clusterer options a [stories] section asks for.
stories::cluster_options cluster_options_of(const stories_config& cfg);

class story_ingest {
  public:
    explicit story_ingest(const stories_config& cfg);

    // All members below: the writer thread only (or before it starts).

    // Replaces the index with the stored members clustered within the window of
    // the newest stored one, restored in clustering order, and continues
    // story ids after the highest stored one.
    void rebuild(const storage::database& db);
    // Marks the index out of date: the next store() of a refresh with items rebuilds it
    // first. Refreshes without items (304s, failures) never need it.
    void rebuild_later() { stale_ = true; }

    // Stores one refresh; its new items are clustered in the same transaction and
    // signatures older than the window are pruned. `signatures` matches r.items, or is
    // empty to sign only the items that turn out to be new, inside the transaction: for a
    // document that is mostly items already stored (any but a feed's first), signing them
    // all on the pool costs ten times the CPU of signing the few new ones here (the same
    // rule as r.prepared). On failure the index is rebuilt from the database before the
    // exception propagates. decisions, when given, receives the clusterer's decision per
    // new item (for the HTTP server's event stream).
    storage::refresh_result store(storage::database& db, const storage::refresh& r,
                                  const std::vector<signed_item>& signatures,
                                  std::vector<storage::story_assignment>* decisions = nullptr);

    // Group commit: runs the units (each stores refreshes through store()) in one
    // storage::write_batch, each in a savepoint of its own, so a unit that throws is undone
    // alone; then commits once. Returns one exception per unit, null for those stored. When
    // the batch as a whole fails (its commit, or the full-text index rows it queued), nothing
    // of it is stored: every unit gets that exception, and the index, which took the
    // batch's decisions, is rebuilt from the database so it forgets them.
    std::vector<std::exception_ptr> store_group(
        storage::database& db, const std::vector<std::function<void(storage::database&)>>& units);

    // The same group commit in steps, for a writer that keeps one transaction open across
    // several drains of its queue. begin_group opens the batch (when none is open);
    // store_in_group runs one unit in a savepoint of its own and returns its exception (null:
    // stored, pending the commit); commit_group commits, or, when that fails, rolls the batch
    // back, rebuilds the index as store_group does, and returns the exception every unit of
    // the batch gets (null: all committed).
    void begin_group(storage::database& db);
    std::exception_ptr store_in_group(storage::database& db,
                                      const std::function<void(storage::database&)>& unit);
    std::exception_ptr commit_group(storage::database& db);

    std::size_t windowed_items() const { return clusterer_.windowed_items(); }

  private:
    stories::cluster_options options_;
    stories::clusterer clusterer_;
    std::optional<storage::timestamp> newest_;  // the newest clustering time
    bool stale_ = false;  // not rebuilt yet, or a rebuild failed: rebuild before the next decision
};

}  // namespace feedd::daemon
