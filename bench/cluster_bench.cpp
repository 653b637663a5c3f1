// Clustering microbenchmarks: make_signature on real item text and one clusterer add (LSH query,
// verification, insert, expiry) against a full window, and a cold poll's adds in file order.
//   FEEDD_CLUSTER_ITEMS=../shared/clustering/wire-full/items.jsonl
//   build-release/bench/cluster_bench
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "bench/cluster_items.hpp"
#include "stories/clusterer.hpp"
#include "stories/signature.hpp"

namespace {

using feedd::bench::cluster_item;

const std::vector<cluster_item>& items() {
    static const std::vector<cluster_item> loaded = [] {
        const char* path = std::getenv("FEEDD_CLUSTER_ITEMS");
        if (path == nullptr) {
            std::cerr << "set FEEDD_CLUSTER_ITEMS to an items.jsonl (../shared/clustering)\n";
            std::exit(2);
        }
        return feedd::bench::read_cluster_items(path);
    }();
    return loaded;
}

void make_signature(benchmark::State& state) {
    const auto& all = items();
    std::size_t i = 0;
    std::int64_t bytes = 0;
    for (auto _ : state) {
        const auto& item = all[i++ % all.size()];
        benchmark::DoNotOptimize(feedd::stories::make_signature(item.title, item.text));
        bytes += static_cast<std::int64_t>(item.title.size() + item.text.size());
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.SetBytesProcessed(bytes);
}
BENCHMARK(make_signature);

// One add against a window of state.range(0) items. Each copy of the set is signed with its own
// seed, so copies are unrelated stories rather than duplicates of each other.
void index_add(benchmark::State& state) {
    const auto& all = items();
    const auto window = static_cast<std::size_t>(state.range(0));
    std::vector<feedd::stories::signature> sigs;
    for (std::size_t i = 0; sigs.size() < window + 4096; ++i) {
        feedd::stories::signature_options options;
        options.seed += i / all.size();
        const auto& item = all[i % all.size()];
        sigs.push_back(feedd::stories::make_signature(item.title, item.text, options));
    }
    feedd::stories::cluster_options options;
    options.window = std::chrono::seconds(static_cast<std::int64_t>(window));
    feedd::stories::clusterer c(options);
    std::int64_t t = 0;
    for (std::size_t i = 0; i < window; ++i, ++t)
        c.add(t, t, sigs[i]);
    std::size_t next = window;
    for (auto _ : state) {
        benchmark::DoNotOptimize(c.add(t, t, sigs[next]));
        ++t;
        if (++next == sigs.size()) next = 0;
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
    state.counters["windowed"] = static_cast<double>(c.windowed_items());
    state.counters["bytes_per_item"] =
        static_cast<double>(c.memory_bytes()) / static_cast<double>(c.windowed_items());
}
BENCHMARK(index_add)->Arg(10000)->Arg(100000);

// A cold poll's clustering: every item in file order at one clustering time, into an empty
// index (bench/cluster-farm turns a feed farm, whose templated items all share band keys, into
// such a file). Reports the time per add.
void cold_poll_adds(benchmark::State& state) {
    const auto& all = items();
    std::vector<feedd::stories::signature> sigs;
    sigs.reserve(all.size());
    for (const auto& item : all)
        sigs.push_back(feedd::stories::make_signature(item.title, item.text));
    for (auto _ : state) {
        feedd::stories::clusterer c;
        for (std::size_t i = 0; i < sigs.size(); ++i) {
            benchmark::DoNotOptimize(c.add(static_cast<std::int64_t>(i + 1), 0, sigs[i]));
        }
    }
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * sigs.size()));
    state.counters["us_per_add"] =
        benchmark::Counter(static_cast<double>(state.iterations() * sigs.size()),
                           benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}
BENCHMARK(cold_poll_adds)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
