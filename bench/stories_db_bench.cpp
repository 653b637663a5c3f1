// The writer-side cost of stories: storing a refresh of new items with clustering
// (story, member and source rows, signature BLOBs, pruning) against the same store
// without it, and rebuilding the index at start-up from N stored signatures.
// Signing is CPU-pool work and is not timed here (see the stories benchmarks).
//   build-release/bench/stories_db_bench
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/generated_text.hpp"
#include "daemon/ingest.hpp"
#include "storage/database.hpp"

namespace {

namespace fs = std::filesystem;
using feedd::storage::timestamp;

constexpr int batch = 50;  // new items per refresh

// Six sentences of words drawn from a fixed generator: story n's text. Every fifth
// item of a batch is a copy of an item from an earlier refresh, so joins happen.
std::string text_of(unsigned n) {
    return feedd::bench::generated_text(n, 72);
}

std::vector<feedd::feeds::item> batch_of(std::int64_t round) {
    std::vector<feedd::feeds::item> items;
    for (int j = 0; j < batch; ++j) {
        const auto n = static_cast<unsigned>(round * batch + j);
        const auto story = j % 5 == 4 && round > 0 ? n - batch * 3 : n;
        feedd::feeds::item it;
        it.id = "item-" + std::to_string(n);
        it.title = "Story " + std::to_string(story);
        it.summary = text_of(story);
        items.push_back(std::move(it));
    }
    return items;
}

void remove_database(const fs::path& path) {
    std::error_code ec;  // best effort: a leftover temp file is harmless
    for (const auto* suffix : {"", "-wal", "-shm"})
        fs::remove(path.string() + suffix, ec);
}

feedd::storage::database fresh_database(const fs::path& path) {
    remove_database(path);
    return feedd::storage::database::open(path, feedd::storage::open_mode::read_write);
}

// A real file (WAL, synchronous=NORMAL) as the daemon uses, under $TMPDIR.
struct store_fixture {
    fs::path path =
        fs::temp_directory_path() / ("feedd-stories-bench-" + std::to_string(::getpid()) + ".db");
    // Declared before db, so the files go after the connection is closed.
    struct remover {
        fs::path path;
        ~remover() { remove_database(path); }
    } files{path};
    feedd::storage::database db = fresh_database(path);
    std::int64_t feed = 0;

    store_fixture() {
        feedd::storage::feed_spec spec;
        spec.config_url = "https://bench.example/rss";
        spec.title = "Bench";
        feed = db.sync_feeds({spec}, timestamp{}).at(0).id;
    }

    feedd::storage::refresh refresh_of(std::int64_t round) const {
        feedd::storage::refresh r;
        r.feed_id = feed;
        r.fetched_at = timestamp{std::chrono::seconds{1'750'000'000 + round * 60}};
        r.outcome = "ok";
        r.success = true;
        r.http_status = 200;
        r.items = batch_of(round);
        r.next_poll = r.fetched_at + std::chrono::minutes(15);
        return r;
    }
};

void store_refresh_plain(benchmark::State& state) {
    store_fixture f;
    std::int64_t round = 0;
    for (auto _ : state) {
        const auto r = f.refresh_of(round++);
        const auto start = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(f.db.store_refresh(r));
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

void store_refresh_clustered(benchmark::State& state) {
    store_fixture f;
    feedd::daemon::story_ingest ingest{feedd::daemon::stories_config{}};
    ingest.rebuild(f.db);
    std::int64_t round = 0;
    for (auto _ : state) {
        const auto r = f.refresh_of(round++);
        const auto signatures = feedd::daemon::sign_items(r.items);
        const auto start = std::chrono::steady_clock::now();
        benchmark::DoNotOptimize(ingest.store(f.db, r, signatures));
        state.SetIterationTime(
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    state.SetItemsProcessed(state.iterations() * batch);
}

void rebuild_index(benchmark::State& state) {
    store_fixture f;
    const auto members = state.range(0);
    {
        feedd::daemon::story_ingest ingest{feedd::daemon::stories_config{}};
        ingest.rebuild(f.db);
        for (std::int64_t round = 0; round * batch < members; ++round) {
            const auto r = f.refresh_of(round);
            ingest.store(f.db, r, feedd::daemon::sign_items(r.items));
        }
    }
    for (auto _ : state) {
        feedd::daemon::story_ingest ingest{feedd::daemon::stories_config{}};
        ingest.rebuild(f.db);
        benchmark::DoNotOptimize(ingest.windowed_items());
    }
    state.SetItemsProcessed(state.iterations() * members);
}

BENCHMARK(store_refresh_plain)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(store_refresh_clustered)->UseManualTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(rebuild_index)->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
