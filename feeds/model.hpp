// The feed model every module shares: plain values, no I/O. Parsing fills it,
// storage persists it, the clusterer and the query commands read it.
// Dates are UTC seconds; text fields follow docs/interfaces.md (plain text vs HTML).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedd::feeds {

using timestamp = std::chrono::sys_seconds;

struct person {
    std::optional<std::string> name;
    std::optional<std::string> email;
    std::optional<std::string> url;
};

struct enclosure {
    std::string url;
    std::optional<std::string> type;
    std::optional<std::int64_t> length;
};

struct item {
    std::optional<std::string> id;  // guid / atom:id / json id, trimmed
    std::optional<std::string> title;
    std::optional<std::string> link;  // absolute
    std::optional<timestamp> published;
    std::optional<timestamp> updated;
    std::vector<person> authors;
    std::optional<std::string> summary;       // plain text
    std::optional<std::string> content_html;  // HTML source as the feed gives it
    std::vector<std::string> categories;
    std::vector<enclosure> enclosures;
};

enum class feed_format { rss, atom, rdf, json };

struct feed {
    feed_format format = feed_format::rss;
    std::optional<std::string> version;
    std::optional<std::string> title;
    std::optional<std::string> link;
    std::optional<std::string> feed_url;
    std::optional<std::string> description;
    std::optional<std::string> language;
    std::optional<timestamp> updated;
    std::optional<std::string> image;
    // Polling hints the publisher gives (RSS 2.0 ttl/skipHours/skipDays, the RSS 1.0
    // syndication module), as written; the daemon's scheduler interprets them.
    std::optional<std::chrono::minutes> ttl;
    std::vector<int> skip_hours;                  // 0-23, UTC
    std::vector<std::string> skip_days;           // "Monday" ... "Sunday"
    std::optional<std::string> update_period;     // sy:updatePeriod, e.g. "hourly"
    std::optional<std::string> update_frequency;  // sy:updateFrequency, e.g. "2"
    std::vector<item> items;
};

// "rss", "atom", "rdf", "json".
const char* to_string(feed_format format);

// RFC 3339 in UTC: "YYYY-MM-DDTHH:MM:SSZ".
std::string format_rfc3339(timestamp t);

}  // namespace feedd::feeds
