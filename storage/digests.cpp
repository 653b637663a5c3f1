#include "storage/digests.hpp"

#include <stdexcept>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>
#include <fmt/format.h>

#include "storage/database_access.hpp"
#include "storage/sql_helpers.hpp"
#include "storage/topic_store.hpp"

namespace feedd::storage {
namespace json = boost::json;

namespace {

digest_status status_from(const std::string& text) {
    if (text == "sent") return digest_status::sent;
    if (text == "empty") return digest_status::empty;
    return digest_status::pending;
}

constexpr const char* digest_columns = R"sql(
d.id, t.name, d.period, d.recipients, d.message_id, d.status, d.attempts, d.next_retry,
d.last_error, d.created_at, d.sent_at,
(SELECT count(*) FROM digest_stories ds WHERE ds.digest_id = d.id)
)sql";

// Reads digest_columns, then the message when with_message (column 12).
digest_row read_digest(const SQLite::Statement& s, bool with_message) {
    digest_row row;
    row.id = s.getColumn(0).getInt64();
    row.topic = s.getColumn(1).getString();
    row.period = s.getColumn(2).getString();
    row.recipients =
        json::value_to<std::vector<std::string>>(json::parse(s.getColumn(3).getString()));
    row.message_id = s.getColumn(4).getString();
    row.status = status_from(s.getColumn(5).getString());
    row.attempts = s.getColumn(6).getInt();
    if (!s.getColumn(7).isNull()) row.next_retry = from_unix(s.getColumn(7).getInt64());
    row.last_error = s.getColumn(8).getString();
    row.created_at = from_unix(s.getColumn(9).getInt64());
    if (!s.getColumn(10).isNull()) row.sent_at = from_unix(s.getColumn(10).getInt64());
    row.stories = s.getColumn(11).getInt64();
    if (with_message) {
        const auto column = s.getColumn(12);
        row.message.assign(static_cast<const char*>(column.getBlob()),
                           static_cast<std::size_t>(column.getBytes()));
    }
    return row;
}

}  // namespace

std::string_view to_string(digest_status status) {
    switch (status) {
        case digest_status::pending:
            return "pending";
        case digest_status::sent:
            return "sent";
        case digest_status::empty:
            return "empty";
    }
    return "pending";
}

std::optional<std::vector<timeline_entry>> unsent_stories(const database& db,
                                                          std::string_view topic, int min_sources,
                                                          std::optional<timestamp> since,
                                                          int limit) {
    const auto row = find_topic(db, topic);
    if (!row) return std::nullopt;
    // Every entry that passes is read and sorted by sources, so what matters is which entries
    // are read: with since, those added since then, found by a seek down
    // topic_stories_timeline; without, all of the topic's. One statement with `(:since IS NULL
    // OR ts.added_at >= :since)` read the whole topic either way (22 ms for a since that none
    // of a 341k-story topic's entries reached, against under 1 ms). The index is named so the
    // plan cannot change with SQLite's estimate.
    SQLite::Statement s(database_access::connection(db),
                        fmt::format(R"sql(
SELECT ts.story_id, ts.added_at, ts.first_item
FROM topic_stories ts {} JOIN stories s ON s.id = ts.story_id
WHERE ts.topic_id = :topic{} AND s.source_count >= :min_sources
  AND NOT EXISTS (SELECT 1 FROM digest_stories ds JOIN digests d ON d.id = ds.digest_id
                  WHERE d.topic_id = ts.topic_id AND ds.story_id = ts.story_id)
ORDER BY s.source_count DESC, s.first_seen DESC, ts.story_id DESC
LIMIT :limit
)sql",
                                    since ? "INDEXED BY topic_stories_timeline" : "",
                                    since ? " AND ts.added_at >= :since" : ""));
    s.bind(":topic", row->id);
    s.bind(":min_sources", min_sources);
    if (since) s.bind(":since", to_unix(*since));
    s.bind(":limit", limit);
    return read_timeline_entries(db, s);
}

std::unordered_map<std::int64_t, item_text> item_texts(const database& db,
                                                       const std::vector<std::int64_t>& item_ids) {
    SQLite::Statement s(database_access::connection(db),
                        "SELECT summary, content_html FROM items WHERE id = ?1");
    std::unordered_map<std::int64_t, item_text> out;
    for (const auto id : item_ids) {
        s.reset();
        s.bind(1, id);
        if (!s.executeStep()) continue;
        item_text text;
        if (!s.getColumn(0).isNull()) text.summary = s.getColumn(0).getString();
        if (!s.getColumn(1).isNull()) text.content_html = s.getColumn(1).getString();
        out.emplace(id, std::move(text));
    }
    s.reset();
    return out;
}

std::optional<std::int64_t> add_digest(database& db, const new_digest& digest) {
    auto& conn = database_access::connection(db);
    SQLite::Transaction tx(conn, SQLite::TransactionBehavior::IMMEDIATE);
    SQLite::Statement topic(conn, "SELECT id FROM topics WHERE name = ?1");
    topic.bind(1, digest.topic);
    if (!topic.executeStep()) {
        throw std::invalid_argument(fmt::format(R"(no topic named "{}")", digest.topic));
    }
    const auto topic_id = topic.getColumn(0).getInt64();
    topic.reset();
    SQLite::Statement insert(conn, R"sql(
INSERT INTO digests (topic_id, period, recipients, message_id, message, status, created_at)
VALUES (:topic, :period, :recipients, :message_id, :message, :status, :created_at)
ON CONFLICT (topic_id, period) DO NOTHING
)sql");
    insert.bind(":topic", topic_id);
    insert.bind(":period", digest.period);
    insert.bind(":recipients", json::serialize(json::value_from(digest.recipients)));
    insert.bind(":message_id", digest.message_id);
    insert.bind(":message", digest.message.data(), static_cast<int>(digest.message.size()));
    insert.bind(":status", std::string(to_string(digest.status)));
    insert.bind(":created_at", to_unix(digest.created_at));
    // Another process (`feedd digest` next to the daemon) may have sent some of these stories
    // since the caller read them: then this digest is not recorded and the caller rebuilds.
    SQLite::Statement taken(conn, R"sql(
SELECT 1 FROM digest_stories ds JOIN digests d ON d.id = ds.digest_id
WHERE d.topic_id = ?1 AND ds.story_id = ?2
)sql");
    for (const auto story_id : digest.story_ids) {
        taken.reset();
        taken.bind(1, topic_id);
        taken.bind(2, story_id);
        if (taken.executeStep()) return std::nullopt;
    }
    taken.reset();
    if (insert.exec() == 0) return std::nullopt;
    const auto id = conn.getLastInsertRowid();
    SQLite::Statement story(conn,
                            "INSERT OR IGNORE INTO digest_stories (digest_id, story_id) "
                            "VALUES (?1, ?2)");
    for (const auto story_id : digest.story_ids) {
        story.reset();
        story.bind(1, id);
        story.bind(2, story_id);
        story.exec();
    }
    tx.commit();
    return id;
}

void mark_digest_sent(database& db, std::int64_t id, timestamp now) {
    SQLite::Statement s(database_access::connection(db), R"sql(
UPDATE digests SET status = 'sent', sent_at = :now, attempts = attempts + 1, next_retry = NULL
WHERE id = :id
)sql");
    s.bind(":now", to_unix(now));
    s.bind(":id", id);
    s.exec();
}

void mark_digest_failed(database& db, std::int64_t id, std::string_view error,
                        timestamp next_retry) {
    SQLite::Statement s(database_access::connection(db), R"sql(
UPDATE digests SET attempts = attempts + 1, last_error = :error, next_retry = :next
WHERE id = :id AND status = 'pending'
)sql");
    s.bind(":error", std::string(error));
    s.bind(":next", to_unix(next_retry));
    s.bind(":id", id);
    s.exec();
}

std::vector<digest_row> due_digests(const database& db, timestamp now) {
    SQLite::Statement s(database_access::connection(db), fmt::format(R"sql(
SELECT {}, d.message FROM digests d JOIN topics t ON t.id = d.topic_id
WHERE d.status = 'pending' AND (d.next_retry IS NULL OR d.next_retry <= :now)
ORDER BY d.id
)sql",
                                                                     digest_columns));
    s.bind(":now", to_unix(now));
    std::vector<digest_row> out;
    while (s.executeStep())
        out.push_back(read_digest(s, true));
    return out;
}

std::optional<digest_row> due_digest(const database& db, std::int64_t id, timestamp now) {
    SQLite::Statement s(database_access::connection(db), fmt::format(R"sql(
SELECT {}, d.message FROM digests d JOIN topics t ON t.id = d.topic_id
WHERE d.id = :id AND d.status = 'pending' AND (d.next_retry IS NULL OR d.next_retry <= :now)
)sql",
                                                                     digest_columns));
    s.bind(":id", id);
    s.bind(":now", to_unix(now));
    if (!s.executeStep()) return std::nullopt;
    return read_digest(s, true);
}

bool has_digest(const database& db, std::string_view topic, std::string_view period) {
    SQLite::Statement s(database_access::connection(db), R"sql(
SELECT 1 FROM digests d JOIN topics t ON t.id = d.topic_id WHERE t.name = ?1 AND d.period = ?2
)sql");
    s.bind(1, std::string(topic));
    s.bind(2, std::string(period));
    return s.executeStep();
}

std::vector<digest_row> list_digests(const database& db, std::optional<int> limit) {
    SQLite::Statement s(database_access::connection(db), fmt::format(R"sql(
SELECT {} FROM digests d JOIN topics t ON t.id = d.topic_id ORDER BY d.id DESC LIMIT :limit
)sql",
                                                                     digest_columns));
    s.bind(":limit", limit.value_or(-1));  // a negative LIMIT is none
    std::vector<digest_row> out;
    while (s.executeStep())
        out.push_back(read_digest(s, false));
    return out;
}

}  // namespace feedd::storage
