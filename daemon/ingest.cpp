#include "daemon/ingest.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace feedd::daemon {

signed_item sign_item(const feeds::item& item) {
    // The fuller text wins: a copy that only carries a summary is still found
    // by containment in the longer one.
    // Views, not value_or(""): that copied the whole text (and the title) per item.
    const auto& text = item.content_html ? item.content_html : item.summary;
    auto sig =
        stories::make_signature(item.title ? std::string_view(*item.title) : std::string_view(),
                                text ? std::string_view(*text) : std::string_view());
    auto encoded = stories::encode_signature(sig);
    return signed_item{std::move(sig), std::move(encoded)};
}

std::vector<signed_item> sign_items(const std::vector<feeds::item>& items) {
    std::vector<signed_item> out;
    out.reserve(items.size());
    for (const auto& it : items)
        out.push_back(sign_item(it));
    return out;
}

stories::cluster_options cluster_options_of(const stories_config& cfg) {
    stories::cluster_options options;
    options.window = cfg.window;
    if (cfg.threshold) options.threshold = *cfg.threshold;
    return options;
}

story_ingest::story_ingest(const stories_config& cfg)
    : options_(cluster_options_of(cfg)), clusterer_(options_) {}

void story_ingest::rebuild(const storage::database& db) {
    stale_ = true;
    const auto next_id = db.max_story_id() + 1;
    stories::clusterer fresh(options_, next_id);
    std::optional<storage::timestamp> newest;
    std::size_t unreadable = 0;
    // One pass, one stored signature at a time (holding them all would double the memory
    // the index needs). Members are restored in clustering order, and the clusterer
    // expires first in, first out: restoring all and then expiring at the newest
    // clustering time (pruning never removes the newest member) drops exactly the members
    // up to the first one inside its window, as the running index did.
    auto each = [&](const storage::windowed_signature& m) {
        newest = newest ? std::max(*newest, m.time) : m.time;
        const auto sig = stories::decode_signature(m.signature);
        if (!sig) {
            // Written by a feedd with another signature format: that member can no
            // longer attract copies, which costs a missed fold, never data.
            ++unreadable;
            return;
        }
        fresh.restore(m.item_id, m.story_id, m.time.time_since_epoch().count(), *sig);
    };
    db.scan_windowed_signatures(storage::timestamp::min(), each);
    if (newest) fresh.expire(newest->time_since_epoch().count());
    fresh.set_next_story_id(next_id);
    clusterer_ = std::move(fresh);
    newest_ = newest;
    stale_ = false;
    spdlog::info("stories: index rebuilt windowed_items={}", clusterer_.windowed_items());
    if (unreadable > 0) {
        spdlog::warn("stories: {} stored signatures were unreadable and are left out of the index",
                     unreadable);
    }
}

storage::refresh_result story_ingest::store(storage::database& db, const storage::refresh& r,
                                            const std::vector<signed_item>& signatures,
                                            std::vector<storage::story_assignment>* decisions) {
    const bool sign_here = signatures.empty();
    if (!sign_here && signatures.size() != r.items.size()) {
        throw std::logic_error(fmt::format("story_ingest: {} signatures for {} items",
                                           signatures.size(), r.items.size()));
    }
    // Without items there is nothing to decide; signatures are pruned at the next
    // write that has some.
    if (stale_ && !r.items.empty()) rebuild(db);

    storage::clustering_step step;
    // Everything older than the window of the newest member is out of the index
    // already; its signatures go in this transaction.
    if (newest_) step.prune_before = *newest_ - options_.window;
    step.assign = [this, &signatures, sign_here, decisions](
                      const storage::refresh& refreshed,
                      const std::vector<storage::new_item>& items) {
        std::vector<storage::story_assignment> out;
        out.reserve(items.size());
        signed_item signed_here;
        for (const auto& it : items) {
            if (sign_here) signed_here = sign_item(refreshed.items.at(it.index));
            const auto& s = sign_here ? signed_here : signatures.at(it.index);
            const auto d = clusterer_.add(it.id, it.time.time_since_epoch().count(), s.signature);
            storage::story_assignment a;
            a.story_id = d.story;
            a.new_story = d.new_story;
            if (!d.new_story) {
                a.similarity = d.similarity;
                a.matched_item = d.matched_item;
            }
            a.reason = d.reason;
            a.signature = s.encoded;
            out.push_back(std::move(a));
            newest_ = newest_ ? std::max(*newest_, it.time) : it.time;
        }
        // Expiring at the newest clustering time leaves the index a function of
        // what is stored, which rebuild() reproduces.
        if (newest_) clusterer_.expire(newest_->time_since_epoch().count());
        if (decisions) *decisions = out;
        return out;
    };
    try {
        return db.store_refresh(r, step);
    } catch (...) {
        // The transaction rolled back; the index may hold items the database does
        // not. Put it back in step with what was committed.
        try {
            rebuild(db);
        } catch (const std::exception& e) {
            spdlog::error("stories: rebuilding the index after a failed write failed too: {}",
                          e.what());
        }
        throw;
    }
}

std::vector<std::exception_ptr> story_ingest::store_group(
    storage::database& db, const std::vector<std::function<void(storage::database&)>>& units) {
    std::vector<std::exception_ptr> errors(units.size());
    std::exception_ptr batch_error;
    try {
        begin_group(db);
        for (std::size_t i = 0; i < units.size(); ++i)
            errors[i] = store_in_group(db, units[i]);
        batch_error = commit_group(db);
    } catch (...) {
        batch_error = std::current_exception();  // the batch could not begin
    }
    if (batch_error) std::fill(errors.begin(), errors.end(), batch_error);
    return errors;
}

void story_ingest::begin_group(storage::database& db) {
    if (!db.in_batch()) db.begin_batch();
}

std::exception_ptr story_ingest::store_in_group(
    storage::database& db, const std::function<void(storage::database&)>& unit) {
    try {
        unit(db);
        return nullptr;
    } catch (...) {
        return std::current_exception();  // undone alone (savepoint)
    }
}

std::exception_ptr story_ingest::commit_group(storage::database& db) {
    if (!db.in_batch()) return nullptr;
    try {
        db.commit_batch();
        return nullptr;
    } catch (...) {
        const auto batch_error = std::current_exception();
        db.rollback_batch();
        try {
            rebuild(db);
        } catch (const std::exception& e) {
            spdlog::error("stories: rebuilding the index after a failed commit failed: {}",
                          e.what());
        }
        return batch_error;
    }
}

}  // namespace feedd::daemon
