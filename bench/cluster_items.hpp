// Reads clustering evaluation items (../shared/clustering/*/items.jsonl) for the benchmarks.
#pragma once

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "feeds/dates.hpp"

namespace feedd::bench {

struct cluster_item {
    std::string title;
    std::string text;
    std::int64_t published = 0;
};

inline std::vector<cluster_item> read_cluster_items(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot open " + path);
    std::vector<cluster_item> out;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        const auto value = boost::json::parse(line);
        const auto& object = value.as_object();
        cluster_item item;
        if (const auto* t = object.if_contains("title"); t && t->is_string()) {
            item.title = std::string(t->get_string());
        }
        if (const auto* t = object.if_contains("text"); t && t->is_string()) {
            item.text = std::string(t->get_string());
        }
        if (const auto* p = object.if_contains("published"); p && p->is_string()) {
            if (const auto when = feeds::parse_date(std::string(p->get_string()))) {
                item.published = when->time_since_epoch().count();
            }
        }
        out.push_back(std::move(item));
    }
    return out;
}

}  // namespace feedd::bench
