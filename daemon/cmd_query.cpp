// `feedd query items|stories|story` and `feedd feeds`: read-only views of the
// store, as a table for people or JSON Lines for scripts.
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "daemon/clock.hpp"
#include "daemon/commands.hpp"
#include "daemon/http_api.hpp"
#include "daemon/story_json.hpp"
#include "feeds/model.hpp"
#include "storage/database.hpp"
#include "storage/search.hpp"
#include "storage/topics.hpp"

namespace feedd::daemon {
namespace json = boost::json;

storage::database open_store(const std::filesystem::path& db, storage::open_mode mode) {
    if (!std::filesystem::exists(db)) {
        throw std::runtime_error(fmt::format(
            "no database at {} (run `feedd poll --once --config FILE` first)", db.string()));
    }
    return storage::database::open(db, mode);
}

namespace {

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

// One stored item as a JSON Lines object (query items, query search).
json::object item_to_json(const storage::stored_item& it) {
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
    o["story"] = it.story_id ? json::value(*it.story_id) : json::value(nullptr);
    o["summary"] = optional_text(it.summary);
    o["authors"] = strings(it.authors);
    o["categories"] = strings(it.categories);
    return o;
}

// Items as a table that fits the terminal, with a count line.
void print_item_table(const std::vector<storage::stored_item>& items, std::ostream& out) {
    const int width = terminal_width();
    constexpr std::size_t feed_width = 18;
    constexpr std::size_t story_width = 6;
    const auto title_width =
        static_cast<std::size_t>(std::max(20, width - 16 - 2 - 18 - 2 - 6 - 2));
    out << pad("PUBLISHED", 16) << "  " << pad("FEED", feed_width) << "  "
        << pad("STORY", story_width) << "  TITLE\n";
    for (const auto& it : items) {
        const auto when = it.published ? it.published : std::optional(it.first_seen);
        out << pad(short_time(when), 16) << "  "
            << pad(it.feed_title.value_or(it.feed_url), feed_width) << "  "
            << pad(it.story_id ? std::to_string(*it.story_id) : "-", story_width) << "  "
            << fit(it.title.value_or(it.link.value_or("(untitled)")), title_width) << '\n';
    }
    out << items.size() << " item" << (items.size() == 1 ? "" : "s") << '\n';
}

}  // namespace

int query_items_command(const items_options& options, std::ostream& out, std::ostream& err) {
    auto db = open_store(options.db);
    storage::item_query q;
    q.feed_url = options.feed_url;
    if (options.since) q.since = wall_now() - *options.since;
    q.limit = rows_to_read(options.limit);
    auto items = db.items(q);
    keep_default_page(items, options.limit, "query items", "items", err);

    if (options.json) {
        for (const auto& it : items)
            out << json::serialize(item_to_json(it)) << '\n';
        return 0;
    }

    if (items.empty()) {
        out << "No items stored yet.\n";
        return 0;
    }
    print_item_table(items, out);
    return 0;
}

json::object story_to_json(const storage::story_view& story, bool explain) {
    json::object o;
    o["id"] = story.id;
    o["title"] = optional_text(story.title);
    o["link"] = optional_text(story.link);
    o["first_seen"] = feeds::format_rfc3339(story.first_seen);
    o["last_seen"] = feeds::format_rfc3339(story.last_seen);
    o["member_count"] = story.member_count;
    json::array sources;
    for (const auto& s : story.sources)
        sources.emplace_back(s.name);
    o["sources"] = std::move(sources);
    json::array items;
    for (const auto& m : story.items) {
        json::object item;
        item["id"] = m.item_id;
        item["feed"] = m.feed;
        item["feed_title"] = optional_text(m.feed_title);
        item["source"] = m.source;
        item["title"] = optional_text(m.title);
        item["link"] = optional_text(m.link);
        item["published"] = optional_time(m.published);
        if (explain) {
            item["similarity"] = m.similarity ? json::value(*m.similarity) : json::value(nullptr);
            item["matched_item"] =
                m.matched_item ? json::value(*m.matched_item) : json::value(nullptr);
            item["reason"] = m.reason;
        }
        items.push_back(std::move(item));
    }
    o["items"] = std::move(items);
    return o;
}

namespace {

std::string joined_sources(const storage::story_view& story) {
    std::string text;
    for (const auto& s : story.sources)
        text += (text.empty() ? "" : ", ") + s.name;
    return text;
}

}  // namespace

int query_stories_command(const stories_options& options, std::ostream& out, std::ostream& err) {
    auto db = open_store(options.db);
    storage::story_query q;
    if (options.since) q.since = wall_now() - *options.since;
    q.min_sources = options.min_sources;
    q.limit = rows_to_read(options.limit);
    auto stories = db.list_stories(q);
    keep_default_page(stories, options.limit, "query stories", "stories", err);

    if (options.json) {
        for (const auto& s : stories)
            out << json::serialize(story_to_json(s, false)) << '\n';
        return 0;
    }
    if (stories.empty()) {
        out << "No stories" << (options.since || options.min_sources > 1 ? " match." : " yet.")
            << '\n';
        return 0;
    }
    const int width = terminal_width();
    const auto title_width = static_cast<std::size_t>(std::max(20, width - 7 - 2 - 16 - 2 - 8 - 2));
    out << pad("STORY", 7) << "  " << pad("LAST SEEN", 16) << "  " << pad("SOURCES", 8)
        << "  TITLE\n";
    for (const auto& s : stories) {
        out << pad(std::to_string(s.id), 7) << "  " << pad(short_time(s.last_seen), 16) << "  "
            << pad(std::to_string(s.source_count), 8) << "  "
            << fit(s.title.value_or(s.link.value_or("(untitled)")), title_width) << '\n';
        out << std::string(7 + 2 + 16 + 2 + 8 + 2, ' ') << fit(joined_sources(s), title_width)
            << '\n';
    }
    out << stories.size() << (stories.size() == 1 ? " story\n" : " stories\n");
    return 0;
}

int query_story_command(const story_options& options, std::ostream& out, std::ostream& err) {
    auto db = open_store(options.db);
    const auto story = db.load_story(options.id);
    if (!story) {
        err << fmt::format("feedd: no story {} in {} (`feedd query stories` lists them)\n",
                           options.id, options.db.string());
        return 1;
    }
    if (options.json) {
        out << json::serialize(story_to_json(*story, options.explain)) << '\n';
        return 0;
    }
    const auto& s = *story;
    const auto first_source = s.sources.empty() ? std::string("?") : s.sources.front().name;
    out << "Story " << s.id << ": " << s.title.value_or("(untitled)") << '\n';
    if (s.link) out << "  " << *s.link << '\n';
    out << fmt::format("First seen {} on {}, last {}; {} item{} from {} source{}\n",
                       short_time(s.first_seen), first_source, short_time(s.last_seen),
                       s.member_count, s.member_count == 1 ? "" : "s", s.source_count,
                       s.source_count == 1 ? "" : "s");
    out << "Sources: " << joined_sources(s) << "\n\n";
    const int width = terminal_width();
    const auto text_width = static_cast<std::size_t>(std::max(20, width - 6));
    int n = 0;
    for (const auto& m : s.items) {
        out << fmt::format("{:>3}. ", ++n) << pad(m.source, 18) << "  "
            << pad(short_time(m.published), 16) << "  "
            << fit(m.title.value_or("(untitled)"),
                   static_cast<std::size_t>(std::max(20, width - 5 - 18 - 2 - 16 - 2)))
            << '\n';
        if (m.link) out << "     " << fit(*m.link, text_width) << '\n';
        if (options.explain) {
            // The reason is what --explain is for: never cut, the terminal wraps it.
            if (m.similarity) {
                out << fmt::format(
                    "     joined: similarity {:.3f}{}\n", *m.similarity,
                    m.matched_item ? fmt::format(" to item {}", *m.matched_item) : std::string());
                out << "     why: " << m.reason << '\n';
            } else {
                out << "     started the story: " << m.reason << '\n';
            }
        }
    }
    return 0;
}

json::object feed_to_json(const storage::feed_row& f) {
    json::object o;
    o["id"] = f.id;
    o["url"] = f.config_url;
    o["fetch_url"] = f.url;
    o["title"] = optional_text(f.title);
    o["tags"] = strings(f.tags);
    o["interval_seconds"] = f.interval.count();
    o["last_fetch"] = optional_time(f.last_fetch);
    o["last_success"] = optional_time(f.last_success);
    o["outcome"] = f.last_outcome.empty() ? json::value(nullptr) : json::value(f.last_outcome);
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
    return o;
}

int feeds_command(const feeds_options& options, std::ostream& out, std::ostream&) {
    auto db = open_store(options.db);
    const auto feeds = db.feeds();
    const auto now = wall_now();

    if (options.json) {
        for (const auto& f : feeds) {
            out << json::serialize(feed_to_json(f)) << '\n';
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

// ---- topics: query search, query topics, query timeline -----------------------------------

namespace feedd::daemon {

int query_search_command(const search_options& options, std::ostream& out, std::ostream& err) {
    auto db = open_store(options.db);
    storage::search_request request;
    request.expression = options.expression;
    request.topic = options.topic;
    request.limit = rows_to_read(options.limit).value_or(std::numeric_limits<int>::max());
    auto response = storage::search(db, request);
    if (!response.error.empty()) {
        // A bad expression or topic is a usage error, like a bad option.
        err << fmt::format("feedd: query search \"{}\": {}\n", options.expression, response.error);
        return 2;
    }
    keep_default_page(response.items, options.limit, "query search", "items", err);
    if (options.json) {
        for (const auto& it : response.items)
            out << json::serialize(item_to_json(it)) << '\n';
        return 0;
    }
    if (response.items.empty()) {
        out << "No items match.\n";
        return 0;
    }
    print_item_table(response.items, out);
    return 0;
}

int query_topics_command(const topics_list_options& options, std::ostream& out, std::ostream&) {
    auto db = open_store(options.db);
    const auto topics = storage::list_topics(db);
    if (options.json) {
        for (const auto& t : topics) {
            json::object o;
            o["name"] = t.name;
            o["match"] = t.match;
            o["active"] = t.active;
            o["stories"] = t.stories;
            o["last_added"] = optional_time(t.last_added);
            o["last_update"] = optional_time(t.last_update);
            out << json::serialize(o) << '\n';
        }
        return 0;
    }
    if (topics.empty()) {
        out << "No topics yet (add [[topic]] tables to the config and start feedd).\n";
        return 0;
    }
    const auto now = wall_now();
    const int width = terminal_width();
    constexpr std::size_t name_width = 20;
    const auto rule_width = static_cast<std::size_t>(std::max(20, width - 20 - 2 - 8 - 2 - 12 - 2));
    out << pad("TOPIC", name_width) << "  " << pad("STORIES", 8) << "  " << pad("UPDATED", 12)
        << "  RULE\n";
    for (const auto& t : topics) {
        out << pad(t.active ? t.name : t.name + " (off)", name_width) << "  "
            << pad(std::to_string(t.stories), 8) << "  "
            << pad(t.last_update ? relative(*t.last_update, now) : "-", 12) << "  "
            << fit(t.match, rule_width) << '\n';
    }
    out << topics.size() << (topics.size() == 1 ? " topic\n" : " topics\n");
    return 0;
}

int query_timeline_command(const timeline_options& options, std::ostream& out, std::ostream& err) {
    auto db = open_store(options.db);
    std::optional<storage::timestamp> since;
    if (options.since) since = wall_now() - *options.since;
    auto entries = storage::load_timeline(db, options.topic, since, rows_to_read(options.limit));
    if (!entries) {
        err << fmt::format("feedd: no topic named \"{}\" (`feedd query topics` lists them)\n",
                           options.topic);
        return 2;
    }
    keep_default_page(*entries, options.limit, "query timeline", "stories", err);
    if (options.json) {
        for (const auto& e : *entries) {
            auto o = story_to_json(e.story, false);
            o["added_at"] = feeds::format_rfc3339(e.added_at);
            o["matched_item"] = e.first_item;
            out << json::serialize(o) << '\n';
        }
        return 0;
    }
    if (entries->empty()) {
        out << "No stories in " << options.topic
            << (options.since ? " in that time.\n" : " yet.\n");
        return 0;
    }
    const int width = terminal_width();
    const auto title_width = static_cast<std::size_t>(std::max(20, width - 16 - 2 - 7 - 2 - 3 - 2));
    out << pad("ADDED", 16) << "  " << pad("STORY", 7) << "  " << pad("SRC", 3) << "  TITLE\n";
    for (const auto& e : *entries) {
        const auto& s = e.story;
        out << pad(short_time(e.added_at), 16) << "  " << pad(std::to_string(s.id), 7) << "  "
            << pad(std::to_string(s.source_count), 3) << "  "
            << fit(s.title.value_or(s.link.value_or("(untitled)")), title_width) << '\n';
        out << std::string(16 + 2 + 7 + 2 + 3 + 2, ' ') << fit(joined_sources(s), title_width)
            << '\n';
    }
    out << entries->size() << (entries->size() == 1 ? " story\n" : " stories\n");
    return 0;
}

}  // namespace feedd::daemon
