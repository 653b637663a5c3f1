// `feedd query items` and `feedd feeds`: read-only views of the store, as a
// table for people or JSON Lines for scripts.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ostream>
#include <string>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "daemon/clock.hpp"
#include "daemon/commands.hpp"
#include "feeds/model.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {
namespace json = boost::json;

namespace {

// A read-only connection; a missing database gets a hint instead of SQLite's message.
storage::database open_store(const std::filesystem::path& db) {
    if (!std::filesystem::exists(db)) {
        throw std::runtime_error(fmt::format(
            "no database at {} (run `feedd poll --once --config FILE` first)", db.string()));
    }
    return storage::database::open(db, storage::open_mode::read_only);
}

int terminal_width() {
    winsize size{};
    if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20)
        return size.ws_col;
    return 120;
}

// Cuts UTF-8 text to at most `width` code points, marking the cut with "…".
std::string fit(std::string_view text, std::size_t width) {
    std::size_t points = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
        if (++points > width) return std::string(text.substr(0, i)) + "…";
    }
    return std::string(text);
}

std::string pad(std::string_view text, std::size_t width) {
    auto cut = fit(text, width);
    std::size_t points = 0;
    for (char c : cut)
        points += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (points < width) cut.append(width - points, ' ');
    return cut;
}

json::value optional_text(const std::optional<std::string>& text) {
    return text ? json::value(*text) : json::value(nullptr);
}

json::value optional_time(const std::optional<storage::timestamp>& t) {
    return t ? json::value(feeds::format_rfc3339(*t)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& v : values)
        out.emplace_back(v);
    return out;
}

std::string short_time(const std::optional<storage::timestamp>& t) {
    if (!t) return "-";
    auto text = feeds::format_rfc3339(*t);  // 2025-06-14T12:00:00Z → 2025-06-14 12:00
    return text.substr(0, 10) + " " + text.substr(11, 5);
}

// "in 4m", "3h ago": how a person reads a schedule.
std::string relative(storage::timestamp t, storage::timestamp now) {
    const auto delta = t - now;
    const auto magnitude = std::chrono::abs(delta);
    std::string amount;
    if (magnitude < std::chrono::seconds(5)) return "just now";
    if (magnitude < std::chrono::minutes(1))
        amount = fmt::format("{}s", magnitude.count());
    else if (magnitude < std::chrono::hours(1))
        amount =
            fmt::format("{}m", std::chrono::duration_cast<std::chrono::minutes>(magnitude).count());
    else if (magnitude < std::chrono::days(2))
        amount =
            fmt::format("{}h", std::chrono::duration_cast<std::chrono::hours>(magnitude).count());
    else
        amount =
            fmt::format("{}d", std::chrono::duration_cast<std::chrono::days>(magnitude).count());
    return delta.count() > 0 ? "in " + amount : amount + " ago";
}

}  // namespace

int query_items_command(const items_options& options, std::ostream& out, std::ostream&) {
    auto db = open_store(options.db);
    storage::item_query q;
    q.feed_url = options.feed_url;
    if (options.since) q.since = wall_now() - *options.since;
    q.limit = options.limit;
    const auto items = db.items(q);

    if (options.json) {
        for (const auto& it : items) {
            json::object o;
            o["id"] = it.id;
            o["feed"] = it.feed_url;
            o["feed_title"] = optional_text(it.feed_title);
            o["guid"] = optional_text(it.guid);
            o["key"] = it.key;
            o["title"] = optional_text(it.title);
            o["link"] = optional_text(it.link);
            o["published"] = optional_time(it.published);
            o["updated"] = optional_time(it.updated);
            o["first_seen"] = feeds::format_rfc3339(it.first_seen);
            o["summary"] = optional_text(it.summary);
            o["authors"] = strings(it.authors);
            o["categories"] = strings(it.categories);
            out << json::serialize(o) << '\n';
        }
        return 0;
    }

    if (items.empty()) {
        out << "No items stored yet.\n";
        return 0;
    }
    const int width = terminal_width();
    constexpr std::size_t feed_width = 18;
    const auto title_width = static_cast<std::size_t>(std::max(20, width - 16 - 2 - 18 - 2));
    out << pad("PUBLISHED", 16) << "  " << pad("FEED", feed_width) << "  TITLE\n";
    for (const auto& it : items) {
        const auto when = it.published ? it.published : std::optional(it.first_seen);
        out << pad(short_time(when), 16) << "  "
            << pad(it.feed_title.value_or(it.feed_url), feed_width) << "  "
            << fit(it.title.value_or(it.link.value_or("(untitled)")), title_width) << '\n';
    }
    out << items.size() << " item" << (items.size() == 1 ? "" : "s") << '\n';
    return 0;
}

int feeds_command(const feeds_options& options, std::ostream& out, std::ostream&) {
    auto db = open_store(options.db);
    const auto feeds = db.feeds();
    const auto now = wall_now();

    if (options.json) {
        for (const auto& f : feeds) {
            json::object o;
            o["id"] = f.id;
            o["url"] = f.config_url;
            o["fetch_url"] = f.url;
            o["title"] = optional_text(f.title);
            o["tags"] = strings(f.tags);
            o["interval_seconds"] = f.interval.count();
            o["last_fetch"] = optional_time(f.last_fetch);
            o["last_success"] = optional_time(f.last_success);
            o["outcome"] =
                f.last_outcome.empty() ? json::value(nullptr) : json::value(f.last_outcome);
            o["http_status"] = f.last_status;
            o["error"] = f.last_error.empty() ? json::value(nullptr) : json::value(f.last_error);
            o["error_count"] = f.error_count;
            o["items"] = f.item_count;
            o["next_poll"] = feeds::format_rfc3339(f.next_poll);
            o["next_poll_reason"] =
                f.poll_reason.empty() ? json::value(nullptr) : json::value(f.poll_reason);
            o["learnt_interval_seconds"] = f.schedule.rate_interval
                                               ? json::value(f.schedule.rate_interval->count())
                                               : json::value(nullptr);
            out << json::serialize(o) << '\n';
        }
        return 0;
    }

    if (feeds.empty()) {
        out << "No feeds yet (add [[feed]] tables to the config and run feedd).\n";
        return 0;
    }
    const int width = terminal_width();
    const auto name_width =
        static_cast<std::size_t>(std::max(20, width - 14 - 13 - 7 - 6 - 10 - 10));
    out << pad("FEED", name_width) << "  " << pad("LAST FETCH", 12) << " " << pad("OUTCOME", 12)
        << " " << pad("ERRORS", 6) << " " << pad("ITEMS", 6) << " NEXT POLL\n";
    int failing = 0;
    for (const auto& f : feeds) {
        const auto name = f.title ? *f.title + " <" + f.config_url + ">" : f.config_url;
        const auto outcome = f.last_outcome.empty() ? std::string("never") : f.last_outcome;
        out << pad(name, name_width) << "  "
            << pad(f.last_fetch ? relative(*f.last_fetch, now) : "-", 12) << " " << pad(outcome, 12)
            << " " << pad(std::to_string(f.error_count), 6) << " "
            << pad(std::to_string(f.item_count), 6) << " " << relative(f.next_poll, now) << '\n';
        if (f.error_count > 0) {
            ++failing;
            out << "    └ " << fit(f.last_error.empty() ? outcome : f.last_error, name_width)
                << '\n';
        }
        // Why the next poll is when it is, when that is not simply the interval.
        if (!f.poll_reason.empty() && f.poll_reason.rfind("interval ", 0) != 0) {
            out << "    └ next poll " << relative(f.next_poll, now) << ": " << f.poll_reason
                << '\n';
        }
    }
    out << feeds.size() << " feeds, " << failing << " failing\n";
    return 0;
}

}  // namespace feedd::daemon
