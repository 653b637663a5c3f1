#include "storage/topics.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <unordered_map>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "storage/database_access.hpp"
#include "storage/search.hpp"
#include "storage/topic_store.hpp"

namespace feedd::storage {
namespace json = boost::json;

namespace {

std::int64_t to_unix(timestamp t) {
    return t.time_since_epoch().count();
}

timestamp from_unix(std::int64_t s) {
    return timestamp{std::chrono::seconds{s}};
}

constexpr const char* topic_columns = "id, name, match, feeds, tags, active, changed_at";

std::string to_json(const std::vector<std::string>& values) {
    return json::serialize(json::value_from(values));
}

std::vector<std::string> from_json(const std::string& text) {
    return json::value_to<std::vector<std::string>>(json::parse(text));
}

topic_row read_topic(const SQLite::Statement& s) {
    topic_row row;
    row.id = s.getColumn(0).getInt64();
    row.name = s.getColumn(1).getString();
    row.match = s.getColumn(2).getString();
    row.feeds = from_json(s.getColumn(3).getString());
    row.tags = from_json(s.getColumn(4).getString());
    row.active = s.getColumn(5).getInt() != 0;
    row.changed_at = from_unix(s.getColumn(6).getInt64());
    return row;
}

std::optional<timestamp> optional_time(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return from_unix(column.getInt64());
}

std::optional<std::string> optional_text(const SQLite::Column& column) {
    if (column.isNull()) return std::nullopt;
    return column.getString();
}

// One stored item as topics see it, plus what matching needs of its feed.
struct match_input {
    std::optional<std::string> title;
    std::optional<std::string> summary;
    std::optional<std::string> content_html;
    std::vector<std::string> categories;
    std::string feed_url;
    std::optional<std::string> feed_title;
    std::vector<std::string> feed_tags;
};

// Calls hit(topic) for each topic whose scopes and rule take the item. The item is folded
// once, and only when some topic's scopes admit its feed.
template <typename Hit>
void match_topics(const topic_set& topics, const match_input& in, Hit&& hit) {
    std::vector<const compiled_topic*> candidates;
    for (const auto& topic : topics.topics) {
        if (feed_in_scope(topic.feeds, topic.tags, in.feed_url, in.feed_tags))
            candidates.push_back(&topic);
    }
    if (candidates.empty()) return;
    std::string text_storage;
    const auto text = stories::item_plain_text(in.summary, in.content_html, text_storage);
    const auto source = source_name(in.feed_title, in.feed_url);
    const stories::prepared_item view(stories::item_view{in.title.value_or(""), text,
                                                         in.feed_title.value_or(""), in.feed_url,
                                                         in.feed_tags, source, in.categories});
    for (const auto* topic : candidates) {
        if (topic->rule.matches(view)) hit(*topic);
    }
}

// list_topics: how many of the most recently updated stories it looks among for each topic's
// latest update before it reads all of the topic's stories.
constexpr int recent_stories_for_last_update = 1000;

// load_timeline: up to how many entries entered since a time are found and sorted instead of
// walking the page index (≈ 6 ms at this bound on a 340k-story topic).
constexpr int since_sort_bound = 4096;

constexpr const char* insert_entry_sql = R"sql(
INSERT INTO topic_stories (topic_id, story_id, added_at, first_item) VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (topic_id, story_id) DO NOTHING
)sql";

// A topic's kept story count (migration 14) gets the entries its writers inserted; deletes
// are counted by a trigger. Its kept latest update (migration 16) rises to the newest
// last_seen among their stories.
constexpr const char* add_entries_sql = R"sql(
UPDATE topics SET story_count = story_count + ?2, last_update = max(coalesce(last_update, ?3), ?3)
WHERE id = ?1
)sql";

// A topic's kept latest update is an upper bound of its stories' last_seen, exact until a
// delete takes the story that set it: it holds when a story of the topic has it (a seek down
// stories_newest to that last_seen, then one into the timeline).
constexpr const char* last_update_holds = R"sql(
EXISTS (SELECT 1 FROM stories st
        WHERE st.last_seen = t.last_update
          AND EXISTS (SELECT 1 FROM topic_stories ts
                      WHERE ts.topic_id = t.id AND ts.story_id = st.id))
)sql";

constexpr const char* newest_of_timeline = R"sql(
(SELECT max(st.last_seen) FROM topic_stories ts JOIN stories st ON st.id = ts.story_id
 WHERE ts.topic_id = t.id)
)sql";

}  // namespace

bool feed_in_scope(const std::vector<std::string>& feeds, const std::vector<std::string>& tags,
                   const std::string& feed_url, const std::vector<std::string>& feed_tags) {
    if (!feeds.empty() && std::find(feeds.begin(), feeds.end(), feed_url) == feeds.end()) {
        return false;
    }
    if (!tags.empty() && std::none_of(tags.begin(), tags.end(), [&](const std::string& tag) {
            return std::find(feed_tags.begin(), feed_tags.end(), tag) != feed_tags.end();
        })) {
        return false;
    }
    return true;
}

topic_store::topic_store(SQLite::Database& db)
    : feed_(db, "SELECT config_url, coalesce(title, feed_title), tags FROM feeds WHERE id = ?1"),
      story_of_(db,
                "SELECT m.story_id, s.last_seen FROM story_members m "
                "JOIN stories s ON s.id = m.story_id WHERE m.item_id = ?1"),
      insert_(db, insert_entry_sql),
      add_entries_(db, add_entries_sql) {}

void topic_store::record(const topic_set& topics, std::int64_t feed_id, timestamp fetched_at,
                         const std::vector<std::pair<std::int64_t, const feeds::item*>>& items) {
    if (topics.topics.empty()) return;
    match_input in;
    feed_.reset();
    feed_.bind(1, feed_id);
    if (!feed_.executeStep()) return;
    in.feed_url = feed_.getColumn(0).getString();
    in.feed_title = optional_text(feed_.getColumn(1));
    in.feed_tags = from_json(feed_.getColumn(2).getString());
    feed_.reset();
    struct added_entries {
        std::int64_t topic_id;
        std::int64_t entries;
        std::int64_t newest;  // the latest last_seen among their stories
    };
    std::vector<added_entries> added;
    for (const auto& [item_id, item] : items) {
        story_of_.reset();
        story_of_.bind(1, item_id);
        if (!story_of_.executeStep()) continue;  // not clustered: no story to list
        const auto story_id = story_of_.getColumn(0).getInt64();
        const auto last_seen = story_of_.getColumn(1).getInt64();
        story_of_.reset();
        in.title = item->title;
        in.summary = item->summary;
        in.content_html = item->content_html;
        in.categories = item->categories;
        match_topics(topics, in, [&](const compiled_topic& topic) {
            insert_.reset();
            insert_.bind(1, topic.id);
            insert_.bind(2, story_id);
            insert_.bind(3, to_unix(fetched_at));
            insert_.bind(4, item_id);
            // The story is in the timeline already: its count is, and migration 16's trigger
            // raised the latest update when the story got newer.
            if (insert_.exec() == 0) return;
            const auto at = std::find_if(added.begin(), added.end(),
                                         [&](const auto& a) { return a.topic_id == topic.id; });
            if (at == added.end()) {
                added.push_back(added_entries{topic.id, 1, last_seen});
            } else {
                ++at->entries;
                at->newest = std::max(at->newest, last_seen);
            }
        });
    }
    for (const auto& a : added) {
        add_entries_.reset();
        add_entries_.bind(1, a.topic_id);
        add_entries_.bind(2, a.entries);
        add_entries_.bind(3, a.newest);
        add_entries_.exec();
    }
}

std::shared_ptr<const topic_set> load_topic_set(const database& db) {
    auto set = std::make_shared<topic_set>();
    for (auto& row : list_topic_rows(db)) {
        auto parsed = stories::topic_rule::parse(row.match);
        if (!parsed) {
            set->errors.push_back(fmt::format(R"(topic "{}": column {}: {})", row.name,
                                              parsed.error.column, parsed.error.message));
            continue;
        }
        set->topics.push_back(compiled_topic{row.id, row.name, std::move(*parsed.rule),
                                             std::move(row.feeds), std::move(row.tags)});
    }
    return set;
}

std::vector<std::pair<std::string, std::int64_t>> rebuild_timelines(database& db,
                                                                    std::string_view name) {
    auto& conn = database_access::connection(db);
    auto all = load_topic_set(db);
    topic_set chosen;
    for (const auto& topic : all->topics) {
        if (name.empty() || topic.name == name) chosen.topics.push_back(topic);
    }
    if (chosen.topics.empty()) {
        if (name.empty()) return {};
        throw std::invalid_argument(
            fmt::format(R"(no active topic named "{}"; `feedd query topics` lists them)", name));
    }

    struct entry {
        std::int64_t topic_id;
        std::int64_t story_id;
        std::int64_t added_at;
        std::int64_t first_item;
    };
    std::vector<entry> entries;
    std::int64_t last_item = 0;
    // Reads (and folds) outside the write transaction, so a running daemon's writer is not
    // kept waiting; items stored meanwhile are picked up by the second pass below.
    const auto scan = [&](std::int64_t after) {
        SQLite::Statement s(conn, R"sql(
SELECT i.id, i.title, i.summary, i.content_html, i.categories, i.first_seen, m.story_id,
       f.config_url, coalesce(f.title, f.feed_title), f.tags
FROM items i JOIN story_members m ON m.item_id = i.id JOIN feeds f ON f.id = i.feed_id
WHERE i.id > ?1
ORDER BY i.first_seen, i.id
)sql");
        s.bind(1, after);
        std::unordered_map<std::string, std::vector<std::string>> tags_by_json;
        while (s.executeStep()) {
            match_input in;
            const auto item_id = s.getColumn(0).getInt64();
            in.title = optional_text(s.getColumn(1));
            in.summary = optional_text(s.getColumn(2));
            in.content_html = optional_text(s.getColumn(3));
            in.categories = from_json(s.getColumn(4).getString());
            const auto first_seen = s.getColumn(5).getInt64();
            const auto story_id = s.getColumn(6).getInt64();
            in.feed_url = s.getColumn(7).getString();
            in.feed_title = optional_text(s.getColumn(8));
            const auto tags_json = s.getColumn(9).getString();
            auto cached = tags_by_json.find(tags_json);
            if (cached == tags_by_json.end())
                cached = tags_by_json.emplace(tags_json, from_json(tags_json)).first;
            in.feed_tags = cached->second;
            last_item = std::max(last_item, item_id);
            match_topics(chosen, in, [&](const compiled_topic& topic) {
                entries.push_back(entry{topic.id, story_id, first_seen, item_id});
            });
        }
    };
    scan(0);

    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);
    scan(last_item);  // items stored since the first pass; few, and now under the lock
    SQLite::Statement clear(conn, "DELETE FROM topic_stories WHERE topic_id = ?1");
    for (const auto& topic : chosen.topics) {
        clear.reset();
        clear.bind(1, topic.id);
        clear.exec();
    }
    // Entries come in (first_seen, item id) order, so the first one per story wins.
    SQLite::Statement insert(conn, insert_entry_sql);
    for (const auto& e : entries) {
        insert.reset();
        insert.bind(1, e.topic_id);
        insert.bind(2, e.story_id);
        insert.bind(3, e.added_at);
        insert.bind(4, e.first_item);
        insert.exec();
    }
    // The rebuilt timelines counted afresh: the kept counts (migration 14) lost the cleared
    // entries through the delete trigger, and the inserts above did not add themselves; the
    // latest update (migration 16) is read from the rebuilt timeline too. One statement per
    // topic keeps both, and gives the count back.
    std::vector<std::pair<std::string, std::int64_t>> counts;
    SQLite::Statement recount(conn, fmt::format(R"sql(
UPDATE topics AS t
SET story_count = (SELECT count(*) FROM topic_stories WHERE topic_id = t.id),
    last_update = {}
WHERE id = ?1
RETURNING story_count
)sql",
                                                newest_of_timeline));
    for (const auto& topic : chosen.topics) {
        recount.reset();
        recount.bind(1, topic.id);
        if (!recount.executeStep()) throw std::logic_error("rebuild_timelines: topic row gone");
        counts.emplace_back(topic.name, recount.getColumn(0).getInt64());
        recount.reset();  // finish the UPDATE before the next one
    }
    tx.commit();
    return counts;
}

std::vector<topic_summary> list_topics(const database& db, bool with_last_update) {
    // The count is kept on the topic row (migration 14's triggers); the newest entry is one
    // step down topic_stories_timeline. The latest update of a timeline's stories is kept on
    // the row too (migration 16), taken when it holds (a story of the topic has it: two
    // seeks). After a delete took the story that set it (until retention sets it afresh), it
    // is the newest of the topic's stories among the most recently updated ones (one short
    // walk down stories_newest, shared by every topic), or, for a topic with none of those,
    // the newest of all its stories (0.6 s for a 340k-story topic).
    SQLite::Statement s(database_access::connection(db),
                        fmt::format(R"sql(
WITH recent AS MATERIALIZED (
    SELECT id, last_seen FROM stories ORDER BY last_seen DESC, id DESC LIMIT :recent)
SELECT t.name, t.match, t.active, t.story_count,
       (SELECT max(added_at) FROM topic_stories WHERE topic_id = t.id),
       CASE WHEN :last_update AND t.story_count > 0 THEN coalesce(
           (SELECT t.last_update WHERE {}),
           (SELECT max(r.last_seen) FROM recent r
            WHERE EXISTS (SELECT 1 FROM topic_stories ts
                          WHERE ts.topic_id = t.id AND ts.story_id = r.id)),
           {}) END
FROM topics t
ORDER BY t.active DESC, t.name
)sql",
                                    last_update_holds, newest_of_timeline));
    s.bind(":last_update", with_last_update ? 1 : 0);
    s.bind(":recent", recent_stories_for_last_update);
    std::vector<topic_summary> out;
    while (s.executeStep()) {
        topic_summary t;
        t.name = s.getColumn(0).getString();
        t.match = s.getColumn(1).getString();
        t.active = s.getColumn(2).getInt() != 0;
        t.stories = s.getColumn(3).getInt64();
        t.last_added = optional_time(s.getColumn(4));
        t.last_update = optional_time(s.getColumn(5));
        out.push_back(std::move(t));
    }
    return out;
}

std::optional<std::vector<timeline_entry>> load_timeline(const database& db, std::string_view name,
                                                         std::optional<timestamp> since,
                                                         std::optional<int> limit) {
    const auto topic = find_topic(db, name);
    if (!topic) return std::nullopt;
    auto& conn = database_access::connection(db);
    // A page is one walk down topic_stories_page (story_first_seen mirrors stories.first_seen),
    // which stops after the page: no sort, and no read of the stories past it. With since, that
    // walk tests each entry's added_at, and when few entries pass it reads the whole topic to
    // find them (0.36 s for a since that matched none of a 340k-story topic). So the entries
    // that pass are counted first, up to a bound, down topic_stories_timeline; fewer than that
    // are found there and sorted.
    const char* index = "topic_stories_page";
    if (since) {
        SQLite::Statement count(conn, R"sql(
SELECT count(*) FROM (SELECT 1 FROM topic_stories INDEXED BY topic_stories_timeline
                      WHERE topic_id = :topic AND added_at >= :since LIMIT :bound)
)sql");
        count.bind(":topic", topic->id);
        count.bind(":since", to_unix(*since));
        count.bind(":bound", since_sort_bound);
        count.executeStep();
        if (count.getColumn(0).getInt() < since_sort_bound) index = "topic_stories_timeline";
    }
    // The index is named so the plan is the one chosen here, whatever SQLite would estimate.
    SQLite::Statement s(conn, fmt::format(R"sql(
SELECT story_id, added_at, first_item FROM topic_stories INDEXED BY {}
WHERE topic_id = :topic{}
ORDER BY story_first_seen DESC, story_id DESC
LIMIT :limit
)sql",
                                          index, since ? " AND added_at >= :since" : ""));
    s.bind(":topic", topic->id);
    if (since) s.bind(":since", to_unix(*since));
    s.bind(":limit", limit ? *limit : -1);  // negative: no limit
    return read_timeline_entries(db, s);
}

void repair_last_updates(SQLite::Database& conn) {
    conn.exec(fmt::format("UPDATE topics AS t SET last_update = {} WHERE NOT {}",
                          newest_of_timeline, last_update_holds));
}

std::vector<timeline_entry> read_timeline_entries(const database& db, SQLite::Statement& s) {
    std::vector<std::int64_t> ids;
    std::unordered_map<std::int64_t, std::pair<std::int64_t, std::int64_t>> entered;
    while (s.executeStep()) {
        const auto story_id = s.getColumn(0).getInt64();
        ids.push_back(story_id);
        entered.emplace(story_id, std::pair{s.getColumn(1).getInt64(), s.getColumn(2).getInt64()});
    }
    s.reset();  // end the read before load_stories' own statements
    std::vector<timeline_entry> out;
    out.reserve(ids.size());
    for (auto& story : db.load_stories(ids)) {
        const auto& [added_at, first_item] = entered.at(story.id);
        out.push_back(timeline_entry{from_unix(added_at), first_item, std::move(story)});
    }
    return out;
}

std::vector<std::string> sync_topics(database& db, const std::vector<topic_spec>& specs,
                                     timestamp now) {
    auto& conn = database_access::connection(db);
    const auto stored = list_topic_rows(db, true);
    std::vector<std::string> changed;
    std::vector<std::string> names;
    // Topics are few and synced rarely (start, SIGHUP): statements are prepared per call.
    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement upsert(conn, R"sql(
INSERT INTO topics (name, match, feeds, tags, active, changed_at)
VALUES (:name, :match, :feeds, :tags, 1, :now)
ON CONFLICT (name) DO UPDATE
SET match = excluded.match, feeds = excluded.feeds, tags = excluded.tags, active = 1,
    changed_at = CASE WHEN topics.match = excluded.match AND topics.feeds = excluded.feeds
                           AND topics.tags = excluded.tags
                      THEN topics.changed_at ELSE excluded.changed_at END
)sql");
    for (const auto& spec : specs) {
        names.push_back(spec.name);
        const auto feeds = to_json(spec.feeds);
        const auto tags = to_json(spec.tags);
        const auto before = std::find_if(stored.begin(), stored.end(),
                                         [&](const topic_row& t) { return t.name == spec.name; });
        if (before == stored.end() || before->match != spec.match || before->feeds != spec.feeds ||
            before->tags != spec.tags) {
            changed.push_back(spec.name);
        }
        upsert.reset();
        upsert.bind(":name", spec.name);
        upsert.bind(":match", spec.match);
        upsert.bind(":feeds", feeds);
        upsert.bind(":tags", tags);
        upsert.bind(":now", static_cast<std::int64_t>(now.time_since_epoch().count()));
        upsert.exec();
    }
    SQLite::Statement deactivate(conn, R"sql(
UPDATE topics SET active = 0
WHERE active = 1 AND name NOT IN (SELECT value FROM json_each(:names))
)sql");
    deactivate.bind(":names", to_json(names));
    deactivate.exec();
    tx.commit();
    return changed;
}

std::vector<topic_row> list_topic_rows(const database& db, bool include_inactive) {
    SQLite::Statement s(database_access::connection(db),
                        std::string("SELECT ") + topic_columns +
                            " FROM topics WHERE active = 1 OR :all ORDER BY name");
    s.bind(":all", include_inactive ? 1 : 0);
    std::vector<topic_row> out;
    while (s.executeStep())
        out.push_back(read_topic(s));
    return out;
}

std::optional<topic_row> find_topic(const database& db, std::string_view name) {
    SQLite::Statement s(database_access::connection(db),
                        std::string("SELECT ") + topic_columns + " FROM topics WHERE name = :name");
    s.bind(":name", std::string(name));
    if (!s.executeStep()) return std::nullopt;
    return read_topic(s);
}

std::vector<std::string> topics_of_story(const database& db, std::int64_t story_id) {
    SQLite::Statement s(database_access::connection(db), R"sql(
SELECT t.name FROM topic_stories ts JOIN topics t ON t.id = ts.topic_id
WHERE ts.story_id = :story AND t.active = 1
ORDER BY t.name
)sql");
    s.bind(":story", story_id);
    std::vector<std::string> out;
    while (s.executeStep())
        out.push_back(s.getColumn(0).getString());
    return out;
}

}  // namespace feedd::storage
