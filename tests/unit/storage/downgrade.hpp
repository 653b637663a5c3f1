#pragma once
// Turns a freshly created database back into a version-1 file, so tests can check the
// upgrade path of migrations 2+ on stored data. Kept in one place: each new migration
// adds its undo here.
#include <filesystem>

#include <SQLiteCpp/SQLiteCpp.h>

#include "storage/migrations.hpp"

namespace feedd::storage::test_support {

// Undoes migration 16: no latest update kept per topic.
inline void downgrade_to_version_15(SQLite::Database& raw) {
    register_index_functions(raw);  // dropping a column parses items' trigger on items_fts
    raw.exec(R"sql(
DROP TRIGGER topics_story_updated;
ALTER TABLE topics DROP COLUMN last_update;
PRAGMA user_version = 15;
)sql");
}

// Undoes migration 15 (16 first): no index of the stories by their number of sources.
inline void downgrade_to_version_14(SQLite::Database& raw) {
    downgrade_to_version_15(raw);
    raw.exec(R"sql(
DROP INDEX stories_by_sources;
PRAGMA user_version = 14;
)sql");
}

// Undoes migration 14 (15 first): no story count kept per topic, stories_newest without
// source_count (missing stays missing).
inline void downgrade_to_version_13(SQLite::Database& raw) {
    register_index_functions(raw);  // dropping a column parses items' trigger on items_fts
    downgrade_to_version_14(raw);
    const bool stories_newest = has_index(raw, "stories_newest");
    raw.exec(R"sql(
DROP TRIGGER topic_stories_uncounted;
ALTER TABLE topics DROP COLUMN story_count;
DROP INDEX IF EXISTS stories_newest;
PRAGMA user_version = 13;
)sql");
    if (stories_newest)
        raw.exec("CREATE INDEX stories_newest ON stories (last_seen DESC, id DESC)");
}

// Undoes migration 13 (14 first): a story of one member gets back the story_sources row its
// member implies, as version 12 stored it.
inline void downgrade_to_version_12(SQLite::Database& raw) {
    downgrade_to_version_13(raw);
    raw.exec(R"sql(
INSERT INTO story_sources (story_id, source, first_seen, first_item)
SELECT m.story_id, m.source, m.story_time, m.item_id
FROM stories s JOIN story_members m ON m.story_id = s.id
WHERE s.member_count = 1 AND NOT EXISTS (SELECT 1 FROM story_sources src WHERE src.story_id = s.id);
PRAGMA user_version = 12;
)sql");
}

// Undoes migration 11 (13 first; 12 is applied again as it is): the windowed signatures move back
// into their own table, as version 10 kept them (its columns and rows; the constraints, which
// migration 11 does not read, are migration 2's).
inline void downgrade_to_version_10(SQLite::Database& raw) {
    register_index_functions(raw);  // rewriting story_members parses items' trigger on items_fts
    downgrade_to_version_12(raw);
    raw.exec(R"sql(
CREATE TABLE item_signatures AS
SELECT item_id, seq, time, signature FROM story_members WHERE signature IS NOT NULL;
DROP TABLE story_window;
ALTER TABLE story_members DROP COLUMN signature;
PRAGMA user_version = 10;
)sql");
}

inline void downgrade_to_version_1(const std::filesystem::path& path) {
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
    downgrade_to_version_10(raw);  // registers items_fts's tokenizer, which dropping it loads
    raw.exec(
        // 9: items_by_feed dropped
        "CREATE INDEX items_by_feed ON items (feed_id, coalesce(published, first_seen) DESC, "
        "id DESC); "
        // 8: the index's rows computed from items (its table and trigger go with 3's)
        "DROP VIEW items_fts_source; "
        // 7: topic digests
        "DROP TABLE digest_stories; DROP TABLE digests; "
        // 6: timeline page index
        "DROP TRIGGER topic_stories_story_moved; DROP TRIGGER topic_stories_entered; "
        "DROP INDEX topic_stories_page; "
        "ALTER TABLE topic_stories DROP COLUMN story_first_seen; "
        // 5: retention
        "DROP INDEX items_first_seen; DROP INDEX topic_stories_by_story; ALTER TABLE feeds DROP "
        "COLUMN listed_since; "
        // 4: scheduling state
        "DROP TABLE hosts; "
        "ALTER TABLE feeds DROP COLUMN rate_interval_s; ALTER TABLE feeds DROP COLUMN ttl_s; "
        "ALTER TABLE feeds DROP COLUMN update_period_s; ALTER TABLE feeds DROP COLUMN max_age_s; "
        "ALTER TABLE feeds DROP COLUMN skip_hours; ALTER TABLE feeds DROP COLUMN skip_days; "
        "ALTER TABLE feeds DROP COLUMN poll_reason; ALTER TABLE feeds DROP COLUMN redirect_to; "
        "ALTER TABLE feeds DROP COLUMN redirect_seen; "
        // 3: search index, topics
        "DROP TABLE topic_stories; DROP TABLE topics; DROP TRIGGER items_fts_delete; "
        "DROP TABLE items_fts; "
        // 2: stories
        "DROP TABLE item_signatures; DROP TABLE story_sources; DROP TABLE story_members; "
        "DROP TABLE stories; PRAGMA user_version = 1");
}

}  // namespace feedd::storage::test_support
