// A simulated month of polling with a fake clock, through the daemon's own write path
// (story_ingest::store: items, full-text rows, clustering, timelines) and its retention
// (storage::prune_batch with incremental vacuum), into two databases fed the same refreshes:
// one with [storage] keep, one without. Prints each database's size at the end of every
// simulated day. Every feed publishes ITEMS_PER_DAY items a day, spread over POLLS_PER_DAY
// polls, and its document lists its newest 20 items; every fifth item is a copy of another
// feed's item, so stories have several members.
//   bench/retention-month [FEEDS=200] [DAYS=30] [KEEP_DAYS=7] [ITEMS_PER_DAY=6] [POLLS_PER_DAY=6]
// FEEDD_BENCH_KEEP_FILES=1 keeps the two databases for a look (sqlite3's dbstat).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "bench/generated_text.hpp"
#include "daemon/ingest.hpp"
#include "storage/database.hpp"
#include "storage/retention.hpp"
#include "storage/topics.hpp"

namespace {

namespace fs = std::filesystem;
using feedd::storage::timestamp;

constexpr std::size_t listed_per_feed = 20;

// Twelve sentences of words from a fixed generator: item n's text.
std::string text_of(unsigned n) {
    return feedd::bench::generated_text(n, 144);
}

struct listed_item {
    feedd::feeds::item item;
    feedd::daemon::signed_item signature;
};

struct store {
    store(const fs::path& path, const feedd::daemon::stories_config& cfg)
        : path_(path),
          db(feedd::storage::database::open(path, feedd::storage::open_mode::read_write)),
          ingest(cfg) {}

    std::int64_t count(const char* sql) {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READONLY);
        return raw.execAndGet(sql).getInt64();
    }
    // The file as the file system sees it, after a checkpoint folds the WAL back in.
    double file_mib() {
        {
            SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
            raw.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        return static_cast<double>(fs::file_size(path_)) / (1024.0 * 1024.0);
    }

    fs::path path_;
    feedd::storage::database db;
    feedd::daemon::story_ingest ingest;
};

int arg(int argc, char** argv, int i, int fallback) {
    return argc > i ? std::atoi(argv[i]) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
    const int feeds = arg(argc, argv, 1, 200);
    const int days = arg(argc, argv, 2, 30);
    const int keep_days = arg(argc, argv, 3, 7);
    const int items_per_day = arg(argc, argv, 4, 6);
    const int polls_per_day = arg(argc, argv, 5, 6);

    const auto dir =
        fs::temp_directory_path() / ("feedd-retention-month-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    feedd::daemon::stories_config stories;  // the defaults: a 7-day window
    store kept(dir / "keep.db", stories);
    store all(dir / "forever.db", stories);

    std::vector<feedd::storage::feed_spec> specs;
    for (int f = 0; f < feeds; ++f) {
        feedd::storage::feed_spec spec;
        spec.config_url = "https://feed" + std::to_string(f) + ".example/rss";
        spec.title = "Feed " + std::to_string(f);
        specs.push_back(spec);
    }
    const timestamp start{std::chrono::seconds{1'780'000'000}};
    for (auto* s : {&kept, &all}) {
        const auto rows = s->db.sync_feeds(specs, start);
        feedd::storage::sync_topics(s->db, {{"sample", "a* OR b*", {}, {}}}, start);
        s->db.set_topics(feedd::storage::load_topic_set(s->db));
        s->ingest.rebuild(s->db);
        (void)rows;
    }

    std::vector<std::deque<listed_item>> listed(static_cast<std::size_t>(feeds));
    unsigned next_item = 0;
    const auto poll_gap = std::chrono::seconds(86400 / polls_per_day);
    std::printf("%4s %9s | %9s %8s %8s %9s | %9s %8s %9s\n", "day", "published", "kept:items",
                "stories", "pruned", "file MiB", "all:items", "stories", "file MiB");
    std::int64_t published = 0;
    for (int day = 1; day <= days; ++day) {
        const auto day_start = start + std::chrono::days(day - 1);
        std::int64_t pruned = 0;
        for (int poll = 0; poll < polls_per_day; ++poll) {
            const auto now = day_start + poll * poll_gap;
            const int fresh_per_poll =
                items_per_day / polls_per_day + (poll < items_per_day % polls_per_day ? 1 : 0);
            for (int f = 0; f < feeds; ++f) {
                auto& doc = listed[static_cast<std::size_t>(f)];
                for (int k = 0; k < fresh_per_poll; ++k) {
                    const auto n = next_item++;
                    // Every fifth item copies the previous feed's newest item.
                    const auto& source = listed[static_cast<std::size_t>((f + feeds - 1) % feeds)];
                    const bool copy = n % 5 == 0 && !source.empty();
                    listed_item it;
                    it.item.id =
                        "https://feed" + std::to_string(f) + ".example/" + std::to_string(n);
                    it.item.title = copy ? *source.front().item.title
                                         : "Story " + std::to_string(n) + " about things";
                    it.item.summary = copy ? *source.front().item.summary : text_of(n);
                    it.item.published = now;
                    it.signature = feedd::daemon::sign_items({it.item}).front();
                    doc.push_front(std::move(it));
                    ++published;
                }
                while (doc.size() > listed_per_feed)
                    doc.pop_back();
                feedd::storage::refresh r;
                r.feed_id = f + 1;
                r.fetched_at = now;
                r.outcome = "ok";
                r.http_status = 200;
                r.success = true;
                r.next_poll = now + poll_gap;
                std::vector<feedd::daemon::signed_item> signatures;
                for (const auto& it : doc) {
                    r.items.push_back(it.item);
                    signatures.push_back(it.signature);
                }
                for (auto* s : {&kept, &all})
                    s->ingest.store(s->db, r, signatures);
            }
        }
        // The daemon's hourly run, once a day here: batches of 500 with incremental vacuum.
        feedd::storage::prune_options options;
        options.cutoff = day_start + std::chrono::days(1) - std::chrono::days(keep_days);
        pruned = feedd::storage::prune_all(kept.db, options).items;
        std::printf("%4d %9lld | %9lld %8lld %8lld %9.2f | %9lld %8lld %9.2f\n", day,
                    static_cast<long long>(published),
                    static_cast<long long>(kept.count("SELECT count(*) FROM items")),
                    static_cast<long long>(kept.count("SELECT count(*) FROM stories")),
                    static_cast<long long>(pruned), kept.file_mib(),
                    static_cast<long long>(all.count("SELECT count(*) FROM items")),
                    static_cast<long long>(all.count("SELECT count(*) FROM stories")),
                    all.file_mib());
        std::fflush(stdout);
    }
    const auto integrity = kept.db.integrity_check();
    std::printf("integrity_check (kept): %s\n", integrity.c_str());
    if (std::getenv("FEEDD_BENCH_KEEP_FILES") != nullptr) {
        std::printf("databases kept in %s\n", dir.c_str());
    } else {
        fs::remove_all(dir);
    }
    return integrity == "ok" ? 0 : 1;
}
