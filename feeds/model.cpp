#include "feeds/model.hpp"

#include <cstdio>

namespace feedd::feeds {

const char* to_string(feed_format format) {
    switch (format) {
        case feed_format::rss:
            return "rss";
        case feed_format::atom:
            return "atom";
        case feed_format::rdf:
            return "rdf";
        case feed_format::json:
            return "json";
    }
    return "rss";
}

std::string format_rfc3339(timestamp t) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{day};
    const std::chrono::hh_mm_ss hms{t - day};
    char buffer[64];  // room for any year g++ can imagine, so no truncation warning
    std::snprintf(buffer, sizeof buffer, "%04d-%02u-%02uT%02ld:%02ld:%02ldZ", int{ymd.year()},
                  unsigned{ymd.month()}, unsigned{ymd.day()},
                  static_cast<long>(hms.hours().count()), static_cast<long>(hms.minutes().count()),
                  static_cast<long>(hms.seconds().count()));
    return buffer;
}

}  // namespace feedd::feeds
