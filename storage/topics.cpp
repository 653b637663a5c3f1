#include "storage/topics.hpp"

#include <algorithm>
#include <chrono>

#include <SQLiteCpp/Statement.h>
#include <SQLiteCpp/Transaction.h>
#include <boost/json.hpp>

#include "storage/database_access.hpp"

namespace feedd::storage {
namespace json = boost::json;

namespace {

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
    row.changed_at = timestamp{std::chrono::seconds{s.getColumn(6).getInt64()}};
    return row;
}

}  // namespace

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

}  // namespace feedd::storage
