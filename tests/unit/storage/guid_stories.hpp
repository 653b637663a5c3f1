// Storage tests' shared pieces: two feeds, a poll's refresh, and a clustering step standing in
// for the clusterer: each new item's story is the number after '@' in its guid ("a@3" joins
// story 3), new when `known` has not seen it yet.
#pragma once

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/database.hpp"

namespace feedd::storage::test_support {

// An item with this id (its guid) and title, and a summary that mentions the title.
inline feeds::item item(std::string id, std::string title) {
    feeds::item it;
    it.id = std::move(id);
    it.title = std::move(title);
    it.summary = "Some text about " + *it.title;
    return it;
}

// "Wire" (tagged wire) and "Paper"; their ids.
inline std::pair<std::int64_t, std::int64_t> wire_and_paper(database& db, timestamp now) {
    feed_spec wire;
    wire.config_url = "https://wire.example/rss";
    wire.title = "Wire";
    wire.tags = {"wire"};
    feed_spec paper;
    paper.config_url = "https://paper.example/rss";
    paper.title = "Paper";
    const auto rows = db.sync_feeds({wire, paper}, now);
    return {rows[0].id, rows[1].id};
}

// A successful poll of `feed` whose document lists `items` ("ok"), or a 304 ("not_modified").
inline refresh poll_of(std::int64_t feed, timestamp at, std::vector<feeds::item> items,
                       std::string outcome = "ok") {
    refresh r;
    r.feed_id = feed;
    r.fetched_at = at;
    r.outcome = std::move(outcome);
    r.http_status = r.outcome == "ok" ? 200 : 304;
    r.success = true;
    r.items = std::move(items);
    r.next_poll = at + std::chrono::minutes(15);
    return r;
}

inline clustering_step stories_from_guids(const refresh& r, std::set<std::int64_t>& known) {
    clustering_step step;
    step.assign = [&r, &known](const refresh&, const std::vector<new_item>& fresh) {
        std::vector<story_assignment> out;
        for (const auto& n : fresh) {
            const auto& guid = *r.items[n.index].id;
            story_assignment a;
            a.story_id = std::stoll(guid.substr(guid.find('@') + 1));
            a.new_story = known.insert(a.story_id).second;
            a.reason = "test";
            a.signature = "sig";
            out.push_back(a);
        }
        return out;
    };
    return step;
}

}  // namespace feedd::storage::test_support
