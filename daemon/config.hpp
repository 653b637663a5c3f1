// The daemon's configuration: one TOML file (plus the OPML files it lists),
// read once and handed out as values. Errors name file:line, the key and what
// was expected, e.g. `demo.toml:12: unknown key "intervall" in [[feed]] (did you mean
// "interval"?)`.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "feeds/fetch_options.hpp"

namespace feedd::daemon {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// [fetch]: what each fetch does (handed to the fetcher as is) and how many run at once.
struct fetch_config : feeds::fetch_options {
    int max_concurrency = 16;      // fetches in flight overall
    int per_host_concurrency = 2;  // fetches in flight per host
    // Minimum time between the starts of two fetches from one host (registrable
    // domain); unset: default_host_spacing, except loopback hosts (no spacing).
    std::optional<std::chrono::milliseconds> host_spacing;
};

struct feed_config {
    // Normalised: http(s) URLs as given, local paths as absolute file:// URLs.
    std::string url;
    std::optional<std::string> title;
    std::vector<std::string> tags;
    std::chrono::seconds interval{std::chrono::minutes(15)};
};

struct config {
    std::filesystem::path file;          // the config file itself (absolute)
    std::filesystem::path storage_path;  // absolute; relative paths resolve against file's folder
    fetch_config fetch;
    std::chrono::seconds default_interval{std::chrono::minutes(15)};
    std::vector<feed_config>
        feeds;  // config [[feed]] tables, then OPML outlines; deduplicated by url
};

// Reads and validates a config file. Throws config_error.
config load_config(const std::filesystem::path& file);

// Parses durations like "90s", "15m", "2h", "7d", "1h30m". Throws config_error
// (without a position) on a malformed value.
std::chrono::seconds parse_duration(std::string_view text);

// A feed URL as a user types it on the command line (--feed), normalised the way
// the configuration normalises it: local paths against the current folder.
std::string feed_url_argument(std::string_view text);

// Minimum polling interval: anything shorter is raised to this.
inline constexpr std::chrono::seconds min_interval{60};

inline constexpr std::chrono::milliseconds default_host_spacing{500};

}  // namespace feedd::daemon
