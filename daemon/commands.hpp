// The one-shot commands behind the CLI (parse, query items/stories/story, feeds). Each takes
// plain values, writes to the given streams and returns the exit code.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace feedd::daemon {

struct parse_options {
    std::vector<std::string> files;  // "-" is stdin
    std::string url;
    std::string content_type;
    bool quiet = false;  // parse everything, print only errors
};
int parse_command(const parse_options& options, std::ostream& out, std::ostream& err);

struct items_options {
    std::filesystem::path db;
    std::optional<std::string> feed_url;
    std::optional<std::chrono::seconds> since;
    std::optional<int> limit;
    bool json = false;
};
int query_items_command(const items_options& options, std::ostream& out, std::ostream& err);

struct stories_options {
    std::filesystem::path db;
    std::optional<std::chrono::seconds> since;  // stories with a member this recent
    int min_sources = 1;
    std::optional<int> limit;
    bool json = false;
};
int query_stories_command(const stories_options& options, std::ostream& out, std::ostream& err);

struct story_options {
    std::filesystem::path db;
    std::int64_t id = 0;
    bool explain = false;  // each member's similarity and why it joined
    bool json = false;
};
int query_story_command(const story_options& options, std::ostream& out, std::ostream& err);

struct feeds_options {
    std::filesystem::path db;
    bool json = false;
};
int feeds_command(const feeds_options& options, std::ostream& out, std::ostream& err);

struct cluster_command_options {
    std::string in;        // JSON Lines items; "" or "-" is stdin
    std::string out;       // one {"id","cluster"} line per item; "" or "-" is stdout
    bool explain = false;  // add each item's similarity, matched item and reason
    // Tuning knobs; unset means the daemon's defaults (stories/clusterer.hpp, signature.hpp).
    std::optional<double> threshold, containment, title_support, headline_threshold;
    std::optional<int> bands, rows, hashes, shingle_words, max_words;
};
int cluster_command(const cluster_command_options& options, std::ostream& out, std::ostream& err);

}  // namespace feedd::daemon
