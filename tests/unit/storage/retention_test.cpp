// Retention on a real SQLite file: what goes (old items, their stories, timeline entries,
// signatures, full-text rows), what stays (items the feed still lists, stories with a recent
// member, the clustering window, stories of pending digests), batches, dry runs, the upgrade
// path, incremental vacuum, and that an item still served is never stored twice.
#include "storage/retention.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/topics.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/storage/downgrade.hpp"
#include "tests/unit/storage/guid_stories.hpp"

namespace feedd::storage {
namespace {

using std::chrono::days;
using std::chrono::hours;

const timestamp t0{std::chrono::seconds{1'700'000'000}};

using test_support::item;

std::int64_t count(const std::filesystem::path& path, const std::string& sql) {
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    register_index_functions(raw);  // items_fts splits a MATCH's words with feedd_folded
    return raw.execAndGet(sql).getInt64();
}

// Rows that point at something retention deleted, in every table it touches.
std::int64_t orphans(const std::filesystem::path& path) {
    return count(path, R"sql(
SELECT (SELECT count(*) FROM stories s
        WHERE NOT EXISTS (SELECT 1 FROM story_members m WHERE m.story_id = s.id))
     + (SELECT count(*) FROM story_members m
        WHERE NOT EXISTS (SELECT 1 FROM items i WHERE i.id = m.item_id)
           OR NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = m.story_id))
     + (SELECT count(*) FROM story_sources src
        WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = src.story_id))
     + (SELECT count(*) FROM topic_stories ts
        WHERE NOT EXISTS (SELECT 1 FROM stories s WHERE s.id = ts.story_id))
     + (SELECT count(*) FROM items_fts WHERE items_fts MATCH 'text'
        AND rowid NOT IN (SELECT id FROM items))
)sql");
}

// Items in the full-text index: every item these tests store has the word "text". (The index
// computes its rows from the items, so counting items_fts itself would count the items.)
std::int64_t indexed(const std::filesystem::path& path) {
    return count(path, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'text'");
}

class retention_test : public ::testing::Test {
  protected:
    void SetUp() override {
        std::tie(wire_, paper_) = test_support::wire_and_paper(db_, t0);
        sync_topics(db_, {{"all", "text", {}, {}}}, t0);
        db_.set_topics(load_topic_set(db_));
    }

    // One poll of a feed whose document lists `items`; each item's story is the number after
    // '@' in its guid. Signatures of members clustered before `window_start` are dropped, as
    // the daemon's clustering step does.
    refresh_result poll(std::int64_t feed, timestamp at, std::vector<feeds::item> items,
                        std::optional<timestamp> window_start = std::nullopt,
                        std::string outcome = "ok") {
        const auto r = test_support::poll_of(feed, at, std::move(items), std::move(outcome));
        auto step = test_support::stories_from_guids(r, stories_);
        step.prune_before = window_start;
        return db_.store_refresh(r, step);
    }

    std::int64_t rows(const std::string& table) {
        return count(path_, "SELECT count(*) FROM " + table);
    }

    test::temp_dir tmp_;
    const std::filesystem::path path_ = tmp_ / "feedd.db";
    database db_ = database::open(path_, open_mode::read_write);
    std::set<std::int64_t> stories_;
    std::int64_t wire_ = 0;
    std::int64_t paper_ = 0;
};

TEST_F(retention_test, old_items_go_with_their_stories_timeline_entries_and_index_rows) {
    poll(wire_, t0, {item("a@1", "text one"), item("b@2", "text two")});
    poll(paper_, t0 + hours(1), {item("c@1", "text one again")});
    // Ten days on, both feeds list only new items, and the window has moved past the old.
    const auto later = t0 + days(10);
    poll(wire_, later, {item("d@3", "text three")}, later - days(1));
    poll(paper_, later, {item("e@4", "text four")}, later - days(1));
    ASSERT_EQ(rows("items"), 5);
    ASSERT_EQ(rows("stories"), 4);
    ASSERT_EQ(rows("topic_stories"), 4);
    // Story 1's two outlets; a story of one member has its source on the member row.
    ASSERT_EQ(rows("story_sources"), 2);
    ASSERT_EQ(indexed(path_), 5);

    const auto pruned = prune_all(db_, {later - days(7), 500, false});
    EXPECT_EQ(pruned.items, 3);
    EXPECT_EQ(pruned.stories, 2);
    EXPECT_EQ(pruned.timeline_entries, 2);
    EXPECT_EQ(rows("items"), 2);
    EXPECT_EQ(rows("stories"), 2);
    EXPECT_EQ(rows("story_members"), 2);
    EXPECT_EQ(rows("story_sources"), 0);  // story 1's went with it
    EXPECT_EQ(rows("topic_stories"), 2);
    EXPECT_EQ(indexed(path_), 2);
    EXPECT_EQ(orphans(path_), 0);
    EXPECT_EQ(db_.integrity_check(), "ok");
    EXPECT_FALSE(db_.load_story(1));
    ASSERT_TRUE(db_.load_story(3));
    EXPECT_EQ(db_.load_story(3)->sources.size(), 1U);  // from its member row
    // Nothing left to do: a second run deletes nothing.
    EXPECT_EQ(prune_all(db_, {later - days(7), 500, false}).items, 0);
}

TEST_F(retention_test, an_item_the_feed_still_lists_is_kept_and_never_stored_twice) {
    // A feed that publishes rarely: its one old item stays in the document for a month.
    poll(wire_, t0, {item("old@1", "text old")});
    const auto month = t0 + days(30);
    poll(wire_, month, {item("new@2", "text new"), item("old@1", "text old")}, month - days(1));
    EXPECT_EQ(prune_all(db_, {month - days(7), 500, false}).items, 0);
    // Polled again (a 304, then the same document): the old item is known, not new.
    EXPECT_EQ(poll(wire_, month + hours(1), {}, month - days(1), "not_modified").new_items, 0);
    const auto again =
        poll(wire_, month + hours(2), {item("new@2", "text new"), item("old@1", "text old")});
    EXPECT_EQ(again.new_items, 0);
    EXPECT_EQ(again.known_items, 2);
    EXPECT_EQ(rows("items"), 2);

    // Once the document drops it, it goes; the other feed's listing never protects it.
    poll(paper_, month + hours(3), {item("old@1", "text old")});  // paper's own copy
    poll(wire_, month + hours(4), {item("new@2", "text new")});
    const auto pruned = prune_all(db_, {month - days(7), 500, false});
    EXPECT_EQ(pruned.items, 0) << "story 1 has paper's recent member, so it stays whole";
    poll(paper_, month + days(20), {item("x@9", "text x")}, month + days(19));
    EXPECT_EQ(prune_all(db_, {month + days(13), 500, false}).items, 2);
    EXPECT_EQ(count(path_, "SELECT count(*) FROM items WHERE key LIKE '%old@1%'"), 0);
    EXPECT_EQ(orphans(path_), 0);
}

// listed_since is the smallest first_seen of the items the feed's latest document lists. A
// document of only new items sets it without a query (database.cpp); every kind of document
// must leave the value the definition gives.
TEST_F(retention_test, listed_since_is_the_oldest_first_seen_of_what_the_document_lists) {
    const auto listed_since = [&] {
        return count(path_, "SELECT listed_since FROM feeds WHERE id = " + std::to_string(wire_));
    };
    const auto seconds = [](timestamp t) { return t.time_since_epoch().count(); };
    poll(wire_, t0, {item("a@1", "text a"), item("b@2", "text b")});  // all new
    EXPECT_EQ(listed_since(), seconds(t0));
    poll(wire_, t0 + hours(1), {item("c@3", "text c"), item("a@1", "text a")});  // new and known
    EXPECT_EQ(listed_since(), seconds(t0));
    poll(wire_, t0 + hours(2), {item("d@4", "text d")});  // all new again: a and c dropped out
    EXPECT_EQ(listed_since(), seconds(t0 + hours(2)));
    poll(wire_, t0 + hours(3), {item("c@3", "text c")});  // only known: c came at t0 + 1 h
    EXPECT_EQ(listed_since(), seconds(t0 + hours(1)));
    // Twice in one document, new: stored once, and still all new.
    poll(wire_, t0 + hours(4), {item("e@5", "text e"), item("e@5", "text e")});
    EXPECT_EQ(listed_since(), seconds(t0 + hours(4)));
    poll(wire_, t0 + hours(5), {});  // an empty document lists nothing
    EXPECT_EQ(
        count(path_, "SELECT listed_since IS NULL FROM feeds WHERE id = " + std::to_string(wire_)),
        1);
}

TEST_F(retention_test, a_story_with_a_recent_member_stays_whole) {
    poll(wire_, t0, {item("a@1", "text a")});
    poll(wire_, t0 + days(9), {item("z@5", "text z")});  // a drops out of wire's document
    poll(paper_, t0 + days(9), {item("b@1", "text a copy")}, t0 + days(8));
    EXPECT_EQ(prune_all(db_, {t0 + days(2), 500, false}).items, 0);
    const auto story = db_.load_story(1);
    ASSERT_TRUE(story);
    EXPECT_EQ(story->items.size(), 2U);
    EXPECT_EQ(story->title, "text a");
}

TEST_F(retention_test, items_inside_the_clustering_window_are_kept) {
    // No write since t0 has moved the window, so a's signature is still stored: the in-memory
    // index may still join it, and its story must exist when it does.
    poll(wire_, t0, {item("a@1", "text a")});
    poll(wire_, t0 + hours(1), {item("b@2", "text b")});  // a no longer listed
    EXPECT_EQ(prune_all(db_, {t0 + days(30), 500, false}).items, 0);
    poll(paper_, t0 + days(30), {item("c@3", "text c")}, t0 + days(29));
    EXPECT_EQ(prune_all(db_, {t0 + days(29), 500, false}).items, 1);  // a; b is still listed
}

TEST_F(retention_test, the_newest_item_and_story_stay_so_their_ids_are_never_reused) {
    // Ids are max + 1 (items.id, and the clusterer continues after max(stories.id)): pruning
    // the newest of either would give its id to the next one.
    poll(wire_, t0, {item("a@1", "text a")});
    poll(wire_, t0 + days(10), {}, t0 + days(9));  // the feed lists nothing now
    EXPECT_EQ(prune_all(db_, {t0 + days(9), 500, false}).items, 0);
    EXPECT_EQ(db_.max_story_id(), 1);
    poll(paper_, t0 + days(10), {item("b@2", "text b")}, t0 + days(9));
    EXPECT_EQ(prune_all(db_, {t0 + days(9), 500, false}).items, 1);
    EXPECT_EQ(count(path_, "SELECT max(id) FROM items"), 2);
}

TEST_F(retention_test, stories_of_pending_digests_are_kept_until_sent) {
    // A pending digest holding story 1, written straight into migration 7's tables.
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        raw.exec(R"sql(
INSERT INTO digests (id, topic_id, period, recipients, message_id, message, status, created_at)
VALUES (1, 1, '2026-11-28', 'a@example.org', '<1@feedd>', x'', 'pending', 0);
INSERT INTO digest_stories VALUES (1, 1);
)sql");
    }
    poll(wire_, t0, {item("a@1", "text a"), item("b@2", "text b")});
    const auto later = t0 + days(10);
    poll(wire_, later, {item("c@3", "text c")}, later - days(1));
    EXPECT_EQ(prune_all(db_, {later - days(7), 500, false}).stories, 1);  // story 2 only
    EXPECT_TRUE(db_.load_story(1));
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        raw.exec("UPDATE digests SET status = 'sent'");
    }
    EXPECT_EQ(prune_all(db_, {later - days(7), 500, false}).stories, 1);
    EXPECT_FALSE(db_.load_story(1));
}

TEST_F(retention_test, batches_are_bounded_and_a_dry_run_changes_nothing) {
    std::vector<feeds::item> backlog;
    for (int i = 1; i <= 10; ++i)
        backlog.push_back(item("i@" + std::to_string(i), "text " + std::to_string(i)));
    poll(wire_, t0, backlog);
    const auto later = t0 + days(10);
    poll(wire_, later, {item("n@11", "text new")}, later - days(1));

    const prune_options dry{later - days(7), 3, true};
    const auto would = prune_all(db_, dry);
    EXPECT_EQ(would.items, 10);
    EXPECT_EQ(would.stories, 10);
    EXPECT_EQ(would.timeline_entries, 10);
    EXPECT_EQ(rows("items"), 11);

    prune_cursor cursor;
    std::vector<std::int64_t> per_batch;
    while (!cursor.done)
        per_batch.push_back(prune_batch(db_, {later - days(7), 3, false}, cursor).items);
    EXPECT_EQ(per_batch, (std::vector<std::int64_t>{3, 3, 3, 1}));
    EXPECT_EQ(rows("items"), 1);
    EXPECT_EQ(orphans(path_), 0);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(retention_test, an_upgraded_file_counts_every_stored_item_as_listed_until_the_next_parse) {
    poll(wire_, t0, {item("a@1", "text a"), item("b@2", "text b")});
    db_ = database::open(tmp_ / "other.db", open_mode::read_write);  // closes feedd.db
    test_support::downgrade_to_version_1(path_);
    db_ = database::open(path_, open_mode::read_write);
    EXPECT_EQ(count(path_, "SELECT listed_since FROM feeds WHERE id = 1"),
              t0.time_since_epoch().count());
    // Version 1 had no stories, so the items are unclustered now; still listed, still kept.
    EXPECT_EQ(prune_all(db_, {t0 + days(300), 500, false}).items, 0);
    // A 304 says the document did not change: still kept.
    poll(wire_, t0 + days(300), {}, std::nullopt, "not_modified");
    EXPECT_EQ(prune_all(db_, {t0 + days(300), 500, false}).items, 0);
    poll(wire_, t0 + days(301), {item("c@3", "text c")});
    EXPECT_EQ(prune_all(db_, {t0 + days(300), 500, false}).items, 2);
    EXPECT_EQ(orphans(path_), 0);
}

TEST_F(retention_test, freed_pages_go_back_to_the_file_system) {
    EXPECT_TRUE(uses_incremental_vacuum(db_));  // new files are created so
    std::vector<feeds::item> backlog;
    for (int i = 1; i <= 300; ++i) {
        auto it = item("i@" + std::to_string(i), "text " + std::to_string(i));
        it.content_html = std::string(2000, 'x');
        backlog.push_back(std::move(it));
    }
    poll(wire_, t0, backlog);
    const auto later = t0 + days(10);
    poll(wire_, later, {item("n@1000", "text new")}, later - days(1));
    const auto before = pages_of(db_);
    EXPECT_EQ(prune_all(db_, {later - days(7), 500, false, 0}).items, 300);
    EXPECT_GT(pages_of(db_).free_pages, 100);
    incremental_vacuum(db_, 1'000'000);
    const auto after = pages_of(db_);
    EXPECT_EQ(after.free_pages, 0);
    EXPECT_LT(after.pages, before.pages / 2);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(retention_test, the_full_text_index_shrinks_when_its_rows_go) {
    // FTS5 records a delete as a marker; without a merge the index would grow on deletion.
    const auto fts_bytes = [&] {
        return count(path_, "SELECT sum(length(block)) FROM items_fts_data");
    };
    const auto later = t0 + days(10);
    for (int round = 0; round < 3; ++round) {
        std::vector<feeds::item> backlog;
        for (int i = 1; i <= 200; ++i) {
            const auto n = std::to_string(round * 1000 + i);
            auto it = item("i@" + n, "text " + n);
            it.content_html = "words of item " + n + " alpha" + n + " beta" + n + " gamma" + n;
            backlog.push_back(std::move(it));
        }
        poll(wire_, t0 + hours(round), backlog);
    }
    poll(wire_, later, {item("n@9999", "text new")}, later - days(1));
    const auto before = fts_bytes();
    EXPECT_EQ(prune_all(db_, {later - days(7), 500, false}).items, 600);
    EXPECT_LT(fts_bytes(), before / 2);
    EXPECT_EQ(indexed(path_), 1);
}

TEST(retention, an_older_file_switches_to_incremental_vacuum_once) {
    test::temp_dir tmp;
    const auto path = tmp / "old.db";
    {
        // A file whose first table predates retention: auto_vacuum stays off.
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
        raw.exec("CREATE TABLE before_retention (x INTEGER)");
    }
    auto db = database::open(path, open_mode::read_write);
    EXPECT_FALSE(uses_incremental_vacuum(db));
    EXPECT_TRUE(enable_incremental_vacuum(db));
    EXPECT_TRUE(uses_incremental_vacuum(db));
    EXPECT_FALSE(enable_incremental_vacuum(db));
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_EQ(db.schema_version(), database::schema_version());
}

}  // namespace
}  // namespace feedd::storage
