// A long stream through the clusterer, as the daemon would run it: signatures on every core in
// batches, the next batch signed while one sequential clusterer works through the current one. The
// evaluation sets are replicated with new ids, new times (one item every `spacing` seconds, so the
// 7-day window holds a realistic number of items) and a new hash seed per replica (so replicas are
// new stories, not copies of the last one).
//   build-release/bench/cluster_stream ITEMS_TOTAL SPACING_SECONDS FILE...
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "bench/cluster_items.hpp"
#include "stories/clusterer.hpp"
#include "stories/signature.hpp"

namespace {

long peak_rss_kb() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s ITEMS_TOTAL SPACING_SECONDS FILE...\n", argv[0]);
        return 2;
    }
    const auto total = static_cast<std::size_t>(std::strtoull(argv[1], nullptr, 10));
    const auto spacing = std::strtoll(argv[2], nullptr, 10);
    std::vector<feedd::bench::cluster_item> items;
    for (int i = 3; i < argc; ++i) {
        auto more = feedd::bench::read_cluster_items(argv[i]);
        std::stable_sort(more.begin(), more.end(),
                         [](const auto& a, const auto& b) { return a.published < b.published; });
        items.insert(items.end(), more.begin(), more.end());
    }
    const long rss_before = peak_rss_kb();

    feedd::stories::clusterer clusterer;
    const std::size_t threads = std::max(1U, std::thread::hardware_concurrency());
    constexpr std::size_t batch = 8192;
    // Two batches of signatures: the next one is signed on every core while the clusterer (one
    // thread, as in the daemon's writer) works through the current one.
    std::vector<feedd::stories::signature> sigs(batch), next_sigs(batch);
    const auto sign_batch = [&](std::size_t first, std::vector<feedd::stories::signature>& out) {
        const std::size_t n = std::min(batch, total - first);
        const auto sign = [&, first, n](std::size_t t) {
            for (std::size_t k = t; k < n; k += threads) {
                const std::size_t seq = first + k;
                feedd::stories::signature_options options;
                options.seed += seq / items.size();
                const auto& item = items[seq % items.size()];
                out[k] = feedd::stories::make_signature(item.title, item.text, options);
            }
        };
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < threads; ++t)
            pool.emplace_back(sign, t);
        sign(0);
        for (auto& th : pool)
            th.join();
    };
    std::size_t max_windowed = 0, max_bytes = 0, joined = 0;
    double cluster_seconds = 0;
    const auto start = std::chrono::steady_clock::now();
    if (total > 0) sign_batch(0, sigs);
    for (std::size_t first = 0; first < total; first += batch) {
        const std::size_t n = std::min(batch, total - first);
        std::thread signer;
        if (first + batch < total) {
            signer = std::thread([&, next = first + batch] { sign_batch(next, next_sigs); });
        }
        const auto cluster_start = std::chrono::steady_clock::now();
        for (std::size_t k = 0; k < n; ++k) {
            const auto seq = static_cast<std::int64_t>(first + k);
            joined += clusterer.add(seq + 1, seq * spacing, sigs[k]).new_story ? 0 : 1;
            if (clusterer.windowed_items() > max_windowed) {
                max_windowed = clusterer.windowed_items();
                max_bytes = std::max(max_bytes, clusterer.memory_bytes());
            }
        }
        cluster_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - cluster_start).count();
        if (signer.joinable()) signer.join();
        sigs.swap(next_sigs);
    }
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const long rss_growth_kb = peak_rss_kb() - rss_before;
    std::printf("items %zu, joined an earlier story %zu, threads %zu\n", total, joined, threads);
    std::printf("wall %.2f s: %.0f items/s end to end (sign + cluster)\n", seconds,
                static_cast<double>(total) / seconds);
    std::printf("clusterer thread busy %.2f s: %.0f items/s\n", cluster_seconds,
                static_cast<double>(total) / cluster_seconds);
    std::printf(
        "max windowed items %zu; index %.0f bytes/item (memory_bytes); "
        "peak RSS growth %.0f bytes/item\n",
        max_windowed, static_cast<double>(max_bytes) / static_cast<double>(max_windowed),
        static_cast<double>(rss_growth_kb) * 1024.0 / static_cast<double>(max_windowed));
    return 0;
}
