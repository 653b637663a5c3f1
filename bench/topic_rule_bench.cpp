// Topic matching cost per item, on the bundled demo feeds (examples/feeds, 48 items):
//   BM_fold_only       folding the item's fields (fold_text): the floor for any matcher that
//                      is case- and accent-insensitive
//   BM_prepare         prepared_item: fold + split into words (once per item, shared by topics)
//   BM_match_10_topics matching 10 typical rules against an already prepared item
//   BM_regex_10_topics the same 10 rules as std::regex (icase, \b…\b) over the raw text: the
//                      "obvious" alternative, for scale (it does not fold accents)
// Run: build-release/bench/topic_rule_bench --benchmark_repetitions=5
//        --benchmark_report_aggregates_only=true   (one line)
#include <filesystem>
#include <memory>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "feeds/parse.hpp"
#include "stories/fold.hpp"
#include "stories/topic_rule.hpp"

namespace {

namespace fs = std::filesystem;
using feedd::stories::item_view;
using feedd::stories::prepared_item;
using feedd::stories::topic_rule;

struct bench_item {
    std::string title;
    std::string text;
    std::string feed_title;
    std::string feed_url;
    std::vector<std::string> tags;
    std::vector<std::string> categories;
};

const std::vector<bench_item>& items() {
    static const std::vector<bench_item> out = [] {
        std::vector<bench_item> list;
        const fs::path dir = fs::path(FEEDD_SOURCE_DIR) / "examples/feeds";
        for (const auto& entry : fs::directory_iterator(dir)) {
            std::ifstream in(entry.path(), std::ios::binary);
            std::ostringstream bytes;
            bytes << in.rdbuf();
            const auto parsed = feedd::feeds::parse(bytes.str(), "", "application/xml");
            if (!parsed) continue;
            for (const auto& it : parsed.feed->items) {
                list.push_back({it.title.value_or(""),
                                feedd::stories::item_plain_text(it.summary, it.content_html),
                                parsed.feed->title.value_or(""),
                                entry.path().string(),
                                {"world", "wire"},
                                it.categories});
            }
        }
        return list;
    }();
    return out;
}

item_view view_of(const bench_item& it) {
    return item_view{it.title, it.text,       it.feed_title, it.feed_url,
                     it.tags,  it.feed_title, it.categories};
}

const std::vector<std::string> rules = {
    "putin trump",
    "iran* OR tehran",
    R"("white house" -sport)",
    "title:(tennis OR wimbledon)",
    R"((ukraine OR russia) (talks OR ceasefire OR "peace deal"))",
    "tag:world oil",
    "category:politics OR category:elections",
    R"(apple OR google OR microsoft -"fruit")",
    "climate* NOT football",
    R"(source:reuters "supply fears")",
};

void BM_fold_only(benchmark::State& state) {
    for (auto _ : state) {
        for (const auto& it : items()) {
            benchmark::DoNotOptimize(feedd::stories::fold_text(it.title));
            benchmark::DoNotOptimize(feedd::stories::fold_text(it.text));
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(items().size()));
}
BENCHMARK(BM_fold_only);

void BM_prepare(benchmark::State& state) {
    for (auto _ : state) {
        for (const auto& it : items()) {
            const prepared_item p(view_of(it));
            benchmark::DoNotOptimize(p.words().data());
        }
    }
    state.SetItemsProcessed(state.iterations() * static_cast<long>(items().size()));
}
BENCHMARK(BM_prepare);

void BM_match_10_topics(benchmark::State& state) {
    std::vector<topic_rule> compiled;
    for (const auto& r : rules)
        compiled.push_back(*topic_rule::parse(r).rule);
    std::vector<std::unique_ptr<prepared_item>> prepared;
    for (const auto& it : items())
        prepared.push_back(std::make_unique<prepared_item>(view_of(it)));
    long hits = 0;
    for (auto _ : state) {
        for (const auto& p : prepared) {
            for (const auto& rule : compiled)
                hits += rule.matches(*p) ? 1 : 0;
        }
    }
    benchmark::DoNotOptimize(hits);
    state.SetItemsProcessed(state.iterations() * static_cast<long>(prepared.size()));
}
BENCHMARK(BM_match_10_topics);

// Each rule's positive words as one icase regex alternation: a lower bound for what a regex
// translation would cost (it ignores AND/NOT structure and fields).
void BM_regex_10_topics(benchmark::State& state) {
    const std::vector<std::string> patterns = {R"(\bputin\b)",
                                               R"(\biran\w*|\btehran\b)",
                                               R"(\bwhite house\b)",
                                               R"(\btennis\b|\bwimbledon\b)",
                                               R"(\bukraine\b|\brussia\b)",
                                               R"(\boil\b)",
                                               R"(\bpolitics\b|\belections\b)",
                                               R"(\bapple\b|\bgoogle\b|\bmicrosoft\b)",
                                               R"(\bclimate\w*)",
                                               R"(\bsupply fears\b)"};
    std::vector<std::regex> compiled;
    for (const auto& p : patterns)
        compiled.emplace_back(p, std::regex::icase | std::regex::optimize);
    long hits = 0;
    for (auto _ : state) {
        for (const auto& it : items()) {
            for (const auto& re : compiled)
                hits += std::regex_search(it.title, re) || std::regex_search(it.text, re) ? 1 : 0;
        }
    }
    benchmark::DoNotOptimize(hits);
    state.SetItemsProcessed(state.iterations() * static_cast<long>(items().size()));
}
BENCHMARK(BM_regex_10_topics);

}  // namespace

BENCHMARK_MAIN();
