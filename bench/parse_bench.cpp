// Parser throughput on a generated feed farm held in RAM: feeds::parse against a
// bare pugixml DOM parse of the same bytes (the ceiling for any DOM-based parser).
//   FEEDD_BENCH_FARM=DIR build/bench/parse_bench      (DIR from ../shared/bench/feedfarm/gen.py)
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <pugixml.hpp>

#include "feeds/parse.hpp"

namespace {

struct farm_file {
    std::string url;
    std::string bytes;
};

const std::vector<farm_file>& farm() {
    static const std::vector<farm_file> files = [] {
        std::vector<farm_file> out;
        const char* dir = std::getenv("FEEDD_BENCH_FARM");
        if (dir == nullptr) {
            std::cerr
                << "set FEEDD_BENCH_FARM to a feed farm folder (see bench/parse-throughput)\n";
            std::exit(2);
        }
        std::ifstream list(std::string(dir) + "/files.txt");
        std::string relative;
        while (std::getline(list, relative)) {
            if (relative.empty()) continue;
            std::ifstream in(std::string(dir) + "/" + relative, std::ios::binary);
            std::ostringstream text;
            text << in.rdbuf();
            out.push_back({"http://127.0.0.1/" + relative, std::move(text).str()});
        }
        if (out.empty()) {
            std::cerr << dir << "/files.txt lists no feeds\n";
            std::exit(2);
        }
        return out;
    }();
    return files;
}

std::int64_t farm_bytes() {
    std::int64_t total = 0;
    for (const auto& f : farm())
        total += static_cast<std::int64_t>(f.bytes.size());
    return total;
}

void baseline_pugixml_dom(benchmark::State& state) {
    for (auto _ : state) {
        for (const auto& f : farm()) {
            pugi::xml_document doc;
            auto result = doc.load_buffer(f.bytes.data(), f.bytes.size());
            benchmark::DoNotOptimize(result);
        }
    }
    state.SetBytesProcessed(state.iterations() * farm_bytes());
}

void feedd_parse(benchmark::State& state) {
    std::int64_t items = 0;
    for (auto _ : state) {
        for (const auto& f : farm()) {
            auto parsed = feedd::feeds::parse(f.bytes, f.url, "application/xml");
            if (parsed) items += static_cast<std::int64_t>(parsed.feed->items.size());
            benchmark::DoNotOptimize(parsed);
        }
    }
    state.SetBytesProcessed(state.iterations() * farm_bytes());
    state.counters["items_per_second"] =
        benchmark::Counter(static_cast<double>(items), benchmark::Counter::kIsRate);
}

BENCHMARK(baseline_pugixml_dom)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(feedd_parse)->Unit(benchmark::kMillisecond)->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
