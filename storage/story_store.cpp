#include "storage/story_store.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>

#include "feeds/text.hpp"
#include "storage/sql_helpers.hpp"

namespace feedd::storage {
namespace {

// Into an existing string, so a scan reuses one buffer.
void assign_blob(std::string& out, const SQLite::Column& column) {
    const auto* data = static_cast<const char*>(column.getBlob());
    if (data == nullptr) {
        out.clear();
    } else {
        out.assign(data, static_cast<std::size_t>(column.getBytes()));
    }
}

// The representative's teaser: its summary, else the text of its content.
std::optional<std::string> summary_of(const std::optional<std::string>& summary,
                                      const std::optional<std::string>& content_html) {
    auto text =
        summary && !feeds::trim(*summary).empty()
            ? feeds::teaser(*summary, summary_bytes)
            : feeds::teaser(content_html ? feeds::html_to_text(*content_html) : "", summary_bytes);
    if (text.empty()) return std::nullopt;
    return text;
}

std::runtime_error not_stored(const new_item& item, const story_assignment& decision) {
    return std::runtime_error(
        fmt::format("item {} joins story {}, which is not stored; the "
                    "in-memory index is out of step with the database",
                    item.id, decision.story_id));
}

}  // namespace

story_store::story_store(SQLite::Database& db)
    : db_(db),
      feed_title_(db, "SELECT coalesce(title, feed_title), config_url FROM feeds WHERE id = :id"),
      // Never before where the window begins: retention may have deleted the members with
      // the highest seq after the window moved past them, and a member numbered below
      // first_seq would be invisible to the window's walks.
      next_seq_(db, R"sql(
SELECT max(coalesce(max(seq), 0) + 1, (SELECT first_seq FROM story_window)) FROM story_members
)sql"),
      // A story starts with its first member and that member's outlet, so the row is
      // written complete; update_story_ runs for the members that join it later. The new
      // stories of a refresh, its sources and its member rows go in a few statements each
      // (multi_row_insert).
      insert_stories_(db,
                      "INSERT INTO stories (id, first_seen, last_seen, representative_item, "
                      "member_count, source_count) VALUES",
                      "(?1, ?2, ?2, ?3, 1, 1)", 3, ""),
      // The signature (null when there is none) stays on the row while the member is
      // inside the clustering window (migration 11).
      insert_members_(db,
                      "INSERT INTO story_members (item_id, story_id, seq, time, story_time, "
                      "source, similarity, matched_item, reason, signature) VALUES",
                      "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)", 10, ""),
      // A story of one member has no story_sources row: its outlet, story time and item are
      // its member's (migration 13). When a second member joins, the first one's row is
      // written from its member row, before the story's update asks whether the joining
      // outlet is new.
      store_first_source_(db, R"sql(
INSERT INTO story_sources (story_id, source, first_seen, first_item)
SELECT m.story_id, m.source, m.story_time, m.item_id
FROM stories s JOIN story_members m ON m.story_id = s.id
WHERE s.id = ?1 AND s.member_count = 1
ORDER BY m.seq LIMIT 1
ON CONFLICT (story_id, source) DO NOTHING
)sql"),
      // A new outlet for the story is one row more; an earlier copy from an outlet it has
      // becomes that outlet's first appearance.
      upsert_source_(db, R"sql(
INSERT INTO story_sources (story_id, source, first_seen, first_item)
VALUES (?1, ?2, ?3, ?4)
ON CONFLICT (story_id, source) DO UPDATE SET first_seen = excluded.first_seen,
                                             first_item = excluded.first_item
WHERE first_seen > excluded.first_seen
)sql"),
      // Runs before the member's source row is written, so the story's sources tell whether this
      // outlet is new.
      update_story_(db, R"sql(
UPDATE stories SET
    representative_item = CASE WHEN member_count = 0 OR ?2 < first_seen THEN ?3
                               ELSE representative_item END,
    first_seen = min(first_seen, ?2),
    last_seen = max(last_seen, ?2),
    member_count = member_count + 1,
    -- Counted as they come: recounting a story's sources cost more than the rest of the
    -- update together for the stories that hundreds of outlets carry.
    source_count = source_count +
        NOT EXISTS (SELECT 1 FROM story_sources WHERE story_id = ?1 AND source = ?4)
WHERE id = ?1
)sql"),
      // The index forgets members first in, first out: a member clustered before
      // the first one inside the window goes, even if its own clock reading is newer.
      // Walking the seq index from the front stops at that first member, so a prune
      // reads what it deletes and one row more, never the whole window.
      // The window's edge: its first member at or after :before, else the end (all members
      // are out), walking the seq index from where the window began (story_window).
      window_edge_(db, R"sql(
SELECT w.first_seq,
       coalesce((SELECT seq FROM story_members
                 WHERE seq >= w.first_seq AND signature IS NOT NULL AND time >= :before
                 ORDER BY seq LIMIT 1),
                (SELECT max(seq) + 1 FROM story_members))
FROM story_window w
)sql"),
      forget_signatures_(db, R"sql(
UPDATE story_members SET signature = NULL
WHERE seq >= :from AND seq < :to AND signature IS NOT NULL
)sql"),
      move_window_(db, "UPDATE story_window SET first_seq = :to"),
      // The most sources any story has, when more than one: one step down migration 15's
      // partial index (the WHERE is the index's, so SQLite may use it).
      max_sources_(db, "SELECT max(source_count) FROM stories WHERE source_count > 1"),
      // One walk down stories_newest from the newest story to since (a range SQLite can seek
      // to: written as `:since IS NULL OR ...` it walked every story), reading source_count
      // from the index (migration 14), and stopping after the page.
      list_ids_(db, R"sql(
SELECT id FROM stories
WHERE last_seen >= coalesce(:since, -9223372036854775808) AND source_count >= :min_sources
ORDER BY last_seen DESC, id DESC
LIMIT :limit
)sql"),
      // Stories by id, in the order of :ids (a JSON array): one query each for the stories,
      // their sources and their members, whatever the number of stories.
      select_stories_(db, R"sql(
SELECT s.id, s.first_seen, s.last_seen, s.representative_item, s.member_count, s.source_count,
       i.title, i.link, i.summary, substr(i.content_html, 1, :html_cap)
FROM json_each(:ids) j JOIN stories s ON s.id = j.value
LEFT JOIN items i ON i.id = s.representative_item
ORDER BY j.key
)sql"),
      // A story of one member has its source on the member row (migration 13); a story
      // upgraded with its rows still stored is read from them.
      select_sources_(db, R"sql(
SELECT story_id, source, first_seen, first_item FROM (
    SELECT src.story_id, src.source, src.first_seen, src.first_item, m.seq
    FROM story_sources src LEFT JOIN story_members m ON m.item_id = src.first_item
    WHERE src.story_id IN (SELECT value FROM json_each(:ids))
    UNION ALL
    SELECT m.story_id, m.source, m.story_time, m.item_id, m.seq
    FROM stories s JOIN story_members m ON m.story_id = s.id
    WHERE s.id IN (SELECT value FROM json_each(:ids)) AND s.member_count = 1
      AND NOT EXISTS (SELECT 1 FROM story_sources src WHERE src.story_id = s.id))
ORDER BY story_id, first_seen, seq
)sql"),
      select_members_(db, R"sql(
SELECT m.story_id, m.item_id, f.config_url, coalesce(f.title, f.feed_title), m.source, i.title,
       i.link, i.published, m.story_time, m.time, m.similarity, m.matched_item, m.reason
FROM story_members m JOIN items i ON i.id = m.item_id JOIN feeds f ON f.id = i.feed_id
WHERE m.story_id IN (SELECT value FROM json_each(:ids))
ORDER BY m.story_id, m.seq
)sql"),
      select_windowed_(db, R"sql(
SELECT item_id, story_id, time, signature
FROM story_members
WHERE seq >= (SELECT coalesce((SELECT seq FROM story_members
                               WHERE seq >= w.first_seq AND signature IS NOT NULL
                                 AND time >= :since
                               ORDER BY seq LIMIT 1),
                              (SELECT max(seq) + 1 FROM story_members))
              FROM story_window w)
  AND signature IS NOT NULL
ORDER BY seq
)sql"),
      max_story_id_(db, "SELECT coalesce(max(id), 0) FROM stories") {}

std::pair<std::optional<std::string>, std::string> story_store::feed_names(std::int64_t feed_id) {
    statement_use stmt(feed_title_);
    feed_title_.bind(":id", feed_id);
    if (!feed_title_.executeStep()) return {};
    return {optional_text(feed_title_.getColumn(0)), feed_title_.getColumn(1).getString()};
}

std::int64_t story_store::next_seq() {
    statement_use stmt(next_seq_);
    next_seq_.executeStep();
    return next_seq_.getColumn(0).getInt64();
}

void story_store::record(const std::vector<new_item>& items,
                         const std::vector<story_assignment>& decisions, std::int64_t first_seq) {
    if (decisions.size() < items.size()) {
        throw std::logic_error(fmt::format("story_store::record: {} decisions for {} items",
                                           decisions.size(), items.size()));
    }
    // The new stories first, then every member row, then the joins in clustering order. The
    // same rows result as item by item in clustering order: a join only reads its own story,
    // which exists (with the same row, sources and first member) before its first join
    // either way, and the joins to one story keep their order.
    std::vector<std::size_t> started;
    std::vector<std::size_t> joined;
    for (std::size_t i = 0; i < items.size(); ++i)
        (decisions[i].new_story ? started : joined).push_back(i);
    const auto bind_story = [&](SQLite::Statement& s, int at, std::size_t i) {
        s.bind(at + 1, decisions[i].story_id);
        s.bind(at + 2, to_unix(items[i].story_time));
        s.bind(at + 3, items[i].id);
    };
    try {
        insert_stories_.run(started.size(), [&](SQLite::Statement& s, int at, std::size_t k) {
            bind_story(s, at, started[k]);
        });
    } catch (const SQLite::Exception& e) {
        // The failed statement wrote none of its rows, earlier statements of the run did: the
        // story in the way is one stored with another first item. Found by reading, so the
        // diagnosis writes nothing.
        for (const auto i : started) {
            const auto first_item = stored_representative(decisions[i].story_id);
            if (first_item && *first_item != items[i].id) {
                throw std::runtime_error(
                    fmt::format("item {} starts story {}, but that story exists already ({}); the "
                                "in-memory index is out of step with the database",
                                items[i].id, decisions[i].story_id, e.what()));
            }
        }
        throw;
    }
    // The member rows go in by item id, the key of story_members: the items of a refresh
    // have ascending ids, so each row lands at the end of the table, where SQLite splits a
    // full page by starting a new one. In clustering order they landed anywhere in the last
    // pages, and each split rebalanced three of them (a third of the insert's instructions).
    std::vector<std::size_t> by_id(items.size());
    for (std::size_t i = 0; i < by_id.size(); ++i)
        by_id[i] = i;
    std::sort(by_id.begin(), by_id.end(),
              [&items](std::size_t a, std::size_t b) { return items[a].id < items[b].id; });
    try {
        insert_members_.run(by_id.size(), [&](SQLite::Statement& s, int at, std::size_t k) {
            const auto i = by_id[k];
            const auto& item = items[i];
            const auto& decision = decisions[i];
            s.bind(at + 1, item.id);
            s.bind(at + 2, decision.story_id);
            s.bind(at + 3, first_seq + static_cast<std::int64_t>(i));
            s.bind(at + 4, to_unix(item.time));
            s.bind(at + 5, to_unix(item.story_time));
            s.bindNoCopy(at + 6, item.source);
            if (decision.similarity) s.bind(at + 7, *decision.similarity);  // else NULL
            if (decision.matched_item) s.bind(at + 8, *decision.matched_item);
            s.bindNoCopy(at + 9, decision.reason);
            if (!decision.signature.empty()) {  // else NULL: not in the window
                s.bindNoCopy(at + 10, decision.signature.data(),
                             static_cast<int>(decision.signature.size()));
            }
        });
    } catch (const SQLite::Exception&) {
        // A member of a story that is not stored fails the foreign key: name it. (Read
        // only on this path; the rows of the failed statement are not written.)
        for (const auto i : joined) {
            if (!stored_representative(decisions[i].story_id))
                throw not_stored(items[i], decisions[i]);
        }
        throw;
    }
    for (const auto i : joined)
        join_story(items[i], decisions[i]);
}

// Only on the error paths of record(): prepared when needed.
std::optional<std::int64_t> story_store::stored_representative(std::int64_t story_id) {
    SQLite::Statement s(db_, "SELECT representative_item FROM stories WHERE id = ?1");
    s.bind(1, story_id);
    if (!s.executeStep()) return std::nullopt;
    return s.getColumn(0).getInt64();
}

void story_store::join_story(const new_item& item, const story_assignment& decision) {
    {
        statement_use stmt(store_first_source_);
        store_first_source_.bind(1, decision.story_id);
        store_first_source_.exec();
    }
    {
        statement_use stmt(update_story_);
        update_story_.bind(1, decision.story_id);
        update_story_.bind(2, to_unix(item.story_time));
        update_story_.bind(3, item.id);
        update_story_.bindNoCopy(4, item.source);
        if (update_story_.exec() == 0) throw not_stored(item, decision);
    }
    statement_use stmt(upsert_source_);
    upsert_source_.bind(1, decision.story_id);
    upsert_source_.bindNoCopy(2, item.source);
    upsert_source_.bind(3, to_unix(item.story_time));
    upsert_source_.bind(4, item.id);
    upsert_source_.exec();
}

void story_store::prune_signatures(timestamp before) {
    std::int64_t from = 0;
    std::int64_t to = 0;
    {
        statement_use stmt(window_edge_);
        window_edge_.bind(":before", to_unix(before));
        if (!window_edge_.executeStep() || window_edge_.getColumn(1).isNull()) return;  // none
        from = window_edge_.getColumn(0).getInt64();
        to = window_edge_.getColumn(1).getInt64();
    }
    if (to <= from) return;
    {
        statement_use stmt(forget_signatures_);
        forget_signatures_.bind(":from", from);
        forget_signatures_.bind(":to", to);
        forget_signatures_.exec();
    }
    statement_use stmt(move_window_);
    move_window_.bind(":to", to);
    move_window_.exec();
}

std::vector<story_view> story_store::list(const story_query& q) {
    std::vector<std::int64_t> ids;
    if (q.min_sources > 1) {
        // Empty at once when no story has that many sources: the walk below would read all
        // of stories_newest to find none (30 ms at 341k stories).
        statement_use stmt(max_sources_);
        max_sources_.executeStep();
        const auto most = max_sources_.getColumn(0);
        if (most.isNull() || most.getInt64() < q.min_sources) return {};
    }
    {
        statement_use stmt(list_ids_);
        bind_optional(list_ids_, ":since", q.since);
        list_ids_.bind(":min_sources", q.min_sources);
        list_ids_.bind(":limit", q.limit ? *q.limit : -1);  // negative: no limit
        while (list_ids_.executeStep())
            ids.push_back(list_ids_.getColumn(0).getInt64());
    }
    return load(ids);
}

std::optional<story_view> story_store::load(std::int64_t id) {
    auto found = load(std::vector<std::int64_t>{id});
    if (found.empty()) return std::nullopt;
    return std::move(found.front());
}

std::vector<story_view> story_store::load(const std::vector<std::int64_t>& ids) {
    std::vector<story_view> out;
    if (ids.empty()) return out;
    std::string ids_json = "[";
    for (const auto id : ids) {
        if (ids_json.size() > 1) ids_json += ',';
        ids_json += std::to_string(id);
    }
    ids_json += ']';
    out.reserve(ids.size());
    std::unordered_map<std::int64_t, std::size_t> index;  // story id → position in out
    {
        auto& s = select_stories_;
        statement_use stmt(s);
        s.bind(":ids", ids_json);
        // The summary needs the start of the content only: a teaser of a few hundred
        // bytes never needs more, and a 1 MB article is not copied per page view.
        s.bind(":html_cap", static_cast<int>(summary_html_cap));
        while (s.executeStep()) {
            story_view v;
            v.id = s.getColumn(0).getInt64();
            v.first_seen = from_unix(s.getColumn(1).getInt64());
            v.last_seen = from_unix(s.getColumn(2).getInt64());
            v.representative_item = s.getColumn(3).getInt64();
            v.member_count = s.getColumn(4).getInt();
            v.source_count = s.getColumn(5).getInt();
            v.title = optional_text(s.getColumn(6));
            v.link = optional_text(s.getColumn(7));
            v.summary = summary_of(optional_text(s.getColumn(8)), optional_text(s.getColumn(9)));
            if (!index.emplace(v.id, out.size()).second) continue;  // id given twice
            out.push_back(std::move(v));
        }
    }
    {
        auto& s = select_sources_;
        statement_use stmt(s);
        s.bind(":ids", ids_json);
        while (s.executeStep()) {
            const auto at = index.find(s.getColumn(0).getInt64());
            if (at == index.end()) continue;  // the story went between the reads
            out[at->second].sources.push_back(story_source{s.getColumn(1).getString(),
                                                           from_unix(s.getColumn(2).getInt64()),
                                                           s.getColumn(3).getInt64()});
        }
    }
    {
        auto& s = select_members_;
        statement_use stmt(s);
        s.bind(":ids", ids_json);
        while (s.executeStep()) {
            const auto at = index.find(s.getColumn(0).getInt64());
            if (at == index.end()) continue;
            story_member m;
            m.item_id = s.getColumn(1).getInt64();
            m.feed = s.getColumn(2).getString();
            m.feed_title = optional_text(s.getColumn(3));
            m.source = s.getColumn(4).getString();
            m.title = optional_text(s.getColumn(5));
            m.link = optional_text(s.getColumn(6));
            m.published = optional_time(s.getColumn(7));
            m.story_time = from_unix(s.getColumn(8).getInt64());
            m.clustered_at = from_unix(s.getColumn(9).getInt64());
            if (!s.getColumn(10).isNull()) m.similarity = s.getColumn(10).getDouble();
            if (!s.getColumn(11).isNull()) m.matched_item = s.getColumn(11).getInt64();
            m.reason = s.getColumn(12).getString();
            out[at->second].items.push_back(std::move(m));
        }
    }
    return out;
}

void story_store::windowed(timestamp since,
                           const std::function<void(const windowed_signature&)>& each) {
    auto& s = select_windowed_;
    statement_use stmt(s);
    s.bind(":since", to_unix(since));
    windowed_signature row;  // one row at a time: the signature's buffer is reused
    while (s.executeStep()) {
        row.item_id = s.getColumn(0).getInt64();
        row.story_id = s.getColumn(1).getInt64();
        row.time = from_unix(s.getColumn(2).getInt64());
        assign_blob(row.signature, s.getColumn(3));
        each(row);
    }
}

std::vector<windowed_signature> story_store::windowed(timestamp since) {
    std::vector<windowed_signature> out;
    windowed(since, [&out](const windowed_signature& row) { out.push_back(row); });
    return out;
}

std::int64_t story_store::max_story_id() {
    statement_use stmt(max_story_id_);
    max_story_id_.executeStep();
    return max_story_id_.getColumn(0).getInt64();
}

}  // namespace feedd::storage
