// The read paths that had to stay fast on a large store (migration 14; docs/benchmarks.md,
// "Session 14, read paths") give what a plain scan of the rows gives: timelines with since on
// either side of the bound where load_timeline changes its plan, story lists by since and
// min_sources with and without the time-ordered index, each topic's latest update inside and
// outside the recent stories it looks among first, and the story count kept per topic through
// every path that writes timeline entries. Real SQLite files; rows written directly where a
// test needs thousands of them.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/database_access.hpp"
#include "storage/digests.hpp"
#include "storage/migrations.hpp"
#include "storage/retention.hpp"
#include "storage/topics.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/storage/downgrade.hpp"
#include "tests/unit/storage/guid_stories.hpp"

namespace feedd::storage {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

const timestamp t0{seconds{1'700'000'000}};
constexpr std::int64_t t0_unix = 1'700'000'000;

timestamp at(std::int64_t unix_seconds) {
    return timestamp{seconds{unix_seconds}};
}

std::int64_t unix_of(timestamp t) {
    return std::chrono::duration_cast<seconds>(t.time_since_epoch()).count();
}

using test_support::item;

// A story row as the tests write it directly (no members: the read model loads it all the
// same), and its timeline entries.
struct raw_story {
    std::int64_t id = 0;
    std::int64_t first_seen = 0;
    std::int64_t last_seen = 0;
    int source_count = 1;
};
struct raw_entry {
    std::int64_t topic_id = 0;
    std::int64_t story_id = 0;
    std::int64_t added_at = 0;
    std::int64_t story_first_seen = 0;  // what the insert trigger copies from the story
};

class read_paths_test : public ::testing::Test {
  protected:
    std::int64_t add_topic(const std::string& name) {
        specs_.push_back({name, name, {}, {}});
        sync_topics(db_, specs_, t0);
        return find_topic(db_, name)->id;
    }

    void write_stories(const std::vector<raw_story>& stories) {
        auto& conn = database_access::connection(db_);
        SQLite::Transaction tx(conn);
        SQLite::Statement s(conn,
                            "INSERT INTO stories (id, first_seen, last_seen, representative_item, "
                            "member_count, source_count) VALUES (?1, ?2, ?3, 0, ?4, ?4)");
        for (const auto& story : stories) {
            s.reset();
            s.bind(1, story.id);
            s.bind(2, story.first_seen);
            s.bind(3, story.last_seen);
            s.bind(4, story.source_count);
            s.exec();
        }
        tx.commit();
    }

    void write_entries(const std::vector<raw_entry>& entries) {
        auto& conn = database_access::connection(db_);
        SQLite::Transaction tx(conn);
        SQLite::Statement s(conn,
                            "INSERT INTO topic_stories (topic_id, story_id, added_at, first_item) "
                            "VALUES (?1, ?2, ?3, ?2 + 1000000)");
        for (const auto& e : entries) {
            s.reset();
            s.bind(1, e.topic_id);
            s.bind(2, e.story_id);
            s.bind(3, e.added_at);
            s.exec();
        }
        // As rebuild_timelines does: the writers of entries keep the counts (migration 14) and
        // the latest update (migration 16).
        conn.exec(
            "UPDATE topics SET story_count = "
            "(SELECT count(*) FROM topic_stories WHERE topic_id = topics.id), last_update = "
            "(SELECT max(s.last_seen) FROM topic_stories ts JOIN stories s ON s.id = ts.story_id "
            "WHERE ts.topic_id = topics.id)");
        tx.commit();
    }

    std::int64_t fresh_count(std::int64_t topic_id) {
        SQLite::Statement s(database_access::connection(db_),
                            "SELECT count(*) FROM topic_stories WHERE topic_id = ?1");
        s.bind(1, topic_id);
        s.executeStep();
        return s.getColumn(0).getInt64();
    }

    std::int64_t kept_count(const std::string& name) {
        for (const auto& t : list_topics(db_, false)) {
            if (t.name == name) return t.stories;
        }
        ADD_FAILURE() << "no topic " << name;
        return -1;
    }

    test::temp_dir tmp_;
    const std::filesystem::path path_ = tmp_ / "feedd.db";
    database db_ = database::open(path_, open_mode::read_write);
    std::vector<topic_spec> specs_;

    // A refresh of `feed` clustered by guid: each item's story is the number after '@';
    // members clustered before window_start lose their signatures, so retention may delete
    // them.
    void store(std::int64_t feed, timestamp when, std::vector<feeds::item> items,
               std::optional<timestamp> window_start = std::nullopt) {
        const auto r = test_support::poll_of(feed, when, std::move(items));
        auto step = test_support::stories_from_guids(r, known_);
        step.prune_before = window_start;
        db_.store_refresh(r, step);
    }
    std::set<std::int64_t> known_;  // stories store() has seen
};

// (story id, added_at) of a timeline, in its order.
using timeline_rows = std::vector<std::pair<std::int64_t, std::int64_t>>;

timeline_rows expected_timeline(std::vector<raw_entry> entries, std::optional<std::int64_t> since,
                                std::optional<int> limit) {
    std::erase_if(entries, [&](const raw_entry& e) { return since && e.added_at < *since; });
    std::sort(entries.begin(), entries.end(), [](const raw_entry& a, const raw_entry& b) {
        return std::tie(a.story_first_seen, a.story_id) > std::tie(b.story_first_seen, b.story_id);
    });
    timeline_rows out;
    for (const auto& e : entries) {
        if (limit && static_cast<int>(out.size()) == *limit) break;
        out.emplace_back(e.story_id, e.added_at);
    }
    return out;
}

// More entries than load_timeline sorts (4096), in an order unrelated to when they entered,
// with ties in both: every since and limit gives what a scan gives, whether few or most of the
// entries entered since then.
TEST_F(read_paths_test, a_timeline_with_since_gives_what_a_scan_gives_on_either_side_of_the_bound) {
    const auto topic = add_topic("big");
    const auto other = add_topic("other");
    constexpr int n = 6000;
    std::vector<raw_story> stories;
    std::vector<raw_entry> entries;
    for (int i = 1; i <= n; ++i) {
        const std::int64_t first_seen = t0_unix + (i * 7919 % n) / 2 * 60;  // pairs of ties
        const std::int64_t added_at = t0_unix + (i * 104729 % n) / 3 * 60;  // triples of ties
        stories.push_back({i, first_seen, first_seen + 60, 1});
        entries.push_back({i % 10 == 0 ? other : topic, i, added_at, first_seen});
    }
    write_stories(stories);
    write_entries(entries);
    std::erase_if(entries, [&](const raw_entry& e) { return e.topic_id != topic; });
    ASSERT_GT(entries.size(), 4096U + 100);

    std::vector<std::int64_t> added;
    for (const auto& e : entries)
        added.push_back(e.added_at);
    std::sort(added.begin(), added.end());
    // Since values that let none, one, a few, about as many as the bound and all entries in,
    // each exactly at an entry's added_at (inclusive) and one second after it.
    std::vector<std::optional<std::int64_t>> sinces{std::nullopt, added.back() + 1, added.front()};
    for (const std::size_t from_end : {1U, 2U, 50U, 4000U, 4095U, 4096U, 4097U, 4200U}) {
        const auto value = added[added.size() - from_end];
        sinces.push_back(value);
        sinces.push_back(value + 1);
    }
    for (const auto& since : sinces) {
        for (const std::optional<int> limit : {std::optional<int>{}, std::optional<int>{1},
                                               std::optional<int>{20}, std::optional<int>{5000}}) {
            const auto got =
                load_timeline(db_, "big", since ? std::optional{at(*since)} : std::nullopt, limit);
            ASSERT_TRUE(got);
            timeline_rows rows;
            for (const auto& e : *got)
                rows.emplace_back(e.story.id, unix_of(e.added_at));
            EXPECT_EQ(rows, expected_timeline(entries, since, limit))
                << "since " << (since ? std::to_string(*since) : "none") << " limit "
                << (limit ? std::to_string(*limit) : "none");
        }
    }
    EXPECT_EQ(load_timeline(db_, "big", at(added.back() + 1), std::nullopt)->size(), 0U);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

std::vector<std::int64_t> expected_stories(const std::vector<raw_story>& stories,
                                           const story_query& q) {
    std::vector<raw_story> kept;
    for (const auto& s : stories) {
        if (q.since && s.last_seen < unix_of(*q.since)) continue;
        if (s.source_count < q.min_sources) continue;
        kept.push_back(s);
    }
    std::sort(kept.begin(), kept.end(), [](const raw_story& a, const raw_story& b) {
        return std::tie(a.last_seen, a.id) > std::tie(b.last_seen, b.id);
    });
    std::vector<std::int64_t> out;
    for (const auto& s : kept) {
        if (q.limit && static_cast<int>(out.size()) == *q.limit) break;
        out.push_back(s.id);
    }
    return out;
}

// since and min_sources are inclusive, a null since is every story, and the list is the same
// whether stories_newest is there to walk or missing (a first import builds it at its end).
TEST_F(read_paths_test, story_lists_by_since_and_min_sources_give_what_a_scan_gives) {
    std::vector<raw_story> stories;
    for (int i = 1; i <= 300; ++i) {
        const std::int64_t last_seen = t0_unix + (i * 37 % 100) * 60;  // three stories a minute
        stories.push_back({i, last_seen - 3600, last_seen, 1 + (i * 13 % 7)});
    }
    write_stories(stories);
    const auto check = [&](const char* state) {
        for (const std::optional<std::int64_t> since :
             {std::optional<std::int64_t>{}, std::optional<std::int64_t>{t0_unix},
              std::optional<std::int64_t>{t0_unix + 50 * 60},
              std::optional<std::int64_t>{t0_unix + 50 * 60 + 1},
              std::optional<std::int64_t>{t0_unix + 99 * 60},
              std::optional<std::int64_t>{t0_unix + 100 * 60}}) {
            for (const int min_sources : {1, 2, 6, 7, 8}) {
                for (const std::optional<int> limit :
                     {std::optional<int>{}, std::optional<int>{1}, std::optional<int>{25}}) {
                    story_query q;
                    if (since) q.since = at(*since);
                    q.min_sources = min_sources;
                    q.limit = limit;
                    std::vector<std::int64_t> got;
                    for (const auto& s : db_.list_stories(q))
                        got.push_back(s.id);
                    EXPECT_EQ(got, expected_stories(stories, q))
                        << state << ": since " << (since ? std::to_string(*since) : "none")
                        << " min_sources " << min_sources << " limit "
                        << (limit ? std::to_string(*limit) : "none");
                }
            }
        }
    };
    check("with stories_newest");
    story_query seven;
    seven.min_sources = 7;
    ASSERT_FALSE(db_.list_stories(seven).empty()) << "not vacuous: some stories have 7 sources";
    database_access::connection(db_).exec("DROP INDEX stories_newest");
    check("without stories_newest");
    EXPECT_EQ(db_.build_time_indexes(), 1);
    check("rebuilt");
}

// A topic's latest update: the newest last_seen of its stories, whether one of them is among
// the 1000 most recently updated stories or all are older, and none for an empty timeline.
TEST_F(read_paths_test, a_topics_latest_update_is_the_newest_of_its_stories_recent_or_not) {
    const auto recent = add_topic("recent");
    const auto stale = add_topic("stale");
    add_topic("empty");
    std::vector<raw_story> stories;
    for (int i = 1; i <= 1500; ++i)
        stories.push_back({i, t0_unix + i * 60, t0_unix + i * 60 + (i % 2) * 30, 1});
    write_stories(stories);
    // stale's newest story is the 1001st most recently updated, just outside the recent ones.
    write_entries({{recent, 1490, t0_unix, 0},
                   {recent, 10, t0_unix, 0},
                   {stale, 5, t0_unix, 0},
                   {stale, 500, t0_unix, 0},
                   {stale, 499, t0_unix, 0}});
    const auto topics = list_topics(db_);
    ASSERT_EQ(topics.size(), 3U);
    EXPECT_EQ(topics[0].name, "empty");
    EXPECT_EQ(topics[0].stories, 0);
    EXPECT_FALSE(topics[0].last_update);
    EXPECT_EQ(topics[1].name, "recent");
    EXPECT_EQ(topics[1].stories, 2);
    EXPECT_EQ(topics[1].last_update, at(t0_unix + 1490 * 60));
    EXPECT_EQ(topics[2].name, "stale");
    EXPECT_EQ(topics[2].stories, 3);
    EXPECT_EQ(topics[2].last_update, at(t0_unix + 500 * 60));
    for (const auto& t : list_topics(db_, false))
        EXPECT_FALSE(t.last_update) << t.name;
    // With each kept latest update (migration 16) naming no story of its topic, as after a
    // delete, the reader finds it among the recent stories or, for stale, in the whole
    // timeline: the same answers.
    database_access::connection(db_).exec("UPDATE topics SET last_update = last_update + 1");
    const auto unkept = list_topics(db_);
    ASSERT_EQ(unkept.size(), 3U);
    for (std::size_t i = 0; i < unkept.size(); ++i)
        EXPECT_EQ(unkept[i].last_update, topics[i].last_update) << topics[i].name;
    // Without stories_newest (a first import) the answers are the same.
    database_access::connection(db_).exec("DROP INDEX stories_newest");
    const auto again = list_topics(db_);
    ASSERT_EQ(again.size(), 3U);
    EXPECT_EQ(again[1].last_update, topics[1].last_update);
    EXPECT_EQ(again[2].last_update, topics[2].last_update);
}

// The count kept on each topic row is the number of its timeline entries after every path
// that writes them: the writer's inserts (a second matching copy adds nothing; several items
// of one refresh add to one topic), a rebuild, retention, a story or a topic deleted (ON
// DELETE CASCADE); integrity_check compares them.
TEST_F(read_paths_test, the_story_count_kept_per_topic_follows_every_write) {
    const auto [wire, paper] = test_support::wire_and_paper(db_, t0);
    const auto set_topics = [&](std::string iran_rule, timestamp when) {
        sync_topics(db_,
                    {{"iran", std::move(iran_rule), {}, {}},
                     {"oil", "oil", {}, {}},
                     {"all", "text", {}, {}}},
                    when);
        db_.set_topics(load_topic_set(db_));
    };
    const auto counts = [&] {
        std::vector<std::int64_t> out;
        for (const auto& t : list_topics(db_, false)) {
            out.push_back(t.stories);
            EXPECT_EQ(t.stories, fresh_count(find_topic(db_, t.name)->id)) << t.name;
        }
        return out;  // all, iran, oil
    };
    set_topics("iran", t0);
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{0, 0, 0}));
    store(wire, t0,
          {item("a@1", "Iran talks"), item("b@2", "Oil prices"), item("c@3", "Iran oil")});
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{3, 2, 2}));
    store(paper, t0 + hours(1), {item("d@1", "Iran talks resume"), item("e@4", "Weather")});
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{4, 2, 2}));  // story 1 was in iran already
    EXPECT_EQ(db_.integrity_check(), "ok");

    // A rebuild under a new rule: the timeline's entries go and come back.
    set_topics("talks", t0 + hours(2));
    const auto rebuilt = rebuild_timelines(db_, "iran");
    ASSERT_EQ(rebuilt.size(), 1U);
    EXPECT_EQ(rebuilt[0].second, 1);
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{4, 1, 2}));
    rebuild_timelines(db_, "");
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{4, 1, 2}));

    // Retention deletes the four old stories (both feeds list only new items now), and their
    // seven entries through the cascade.
    const auto later = t0 + days(30);
    store(wire, later, {item("f@5", "Iran oil talks")}, later - days(1));
    store(paper, later, {item("g@7", "Weather again")}, later - days(1));
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{6, 2, 3}));
    const auto pruned = prune_all(db_, {later - days(7), 500, false});
    EXPECT_EQ(pruned.stories, 4);
    EXPECT_EQ(pruned.timeline_entries, 7);
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{2, 1, 1}));

    // A story deleted by hand, and a topic: the cascades count too.
    auto& conn = database_access::connection(db_);
    store(paper, later + hours(1), {item("h@6", "Oil and iran talks")});
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{3, 2, 2}));
    conn.exec(
        "DELETE FROM items WHERE id IN (SELECT item_id FROM story_members WHERE story_id = 6)");
    conn.exec("DELETE FROM stories WHERE id = 6");
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{2, 1, 1}));
    conn.exec("DELETE FROM topics WHERE name = 'oil'");
    EXPECT_EQ(counts(), (std::vector<std::int64_t>{2, 1}));
    EXPECT_EQ(db_.integrity_check(), "ok");

    // A count out of step is reported.
    conn.exec("UPDATE topics SET story_count = 7 WHERE name = 'iran'");
    EXPECT_EQ(db_.integrity_check(), "topics.story_count does not match the timeline of: iran");
    auto reader = database::open(path_, open_mode::read_only);
    EXPECT_EQ(reader.integrity_check(), "topics.story_count does not match the timeline of: iran");
}

// A digest's stories (unsent_stories) with since, found down topic_stories_timeline, and
// without: the topic's entries added at or after since that no digest of the topic lists, with
// enough sources, most sources first, then newest; since inclusive.
TEST_F(read_paths_test, unsent_stories_with_and_without_since_give_what_a_scan_gives) {
    const auto topic = add_topic("big");
    const auto other = add_topic("other");
    std::vector<raw_story> stories;
    std::vector<raw_entry> entries;
    for (int i = 1; i <= 300; ++i) {
        const std::int64_t first_seen = t0_unix + (i * 7 % 50) * 60;
        stories.push_back({i, first_seen, first_seen + 60, 1 + i % 3});
        entries.push_back(
            {i % 5 == 0 ? other : topic, i, t0_unix + (i * 11 % 40) * 60, first_seen});
    }
    write_stories(stories);
    write_entries(entries);
    const auto send = [&](const std::string& name, std::vector<std::int64_t> ids) {
        new_digest d;
        d.topic = name;
        d.period = "p-" + name;
        d.recipients = {"a@example.org"};
        d.message_id = name + "@example.org";
        d.message = "Subject: x\r\n\r\nbody\r\n";
        d.story_ids = std::move(ids);
        d.created_at = t0;
        ASSERT_TRUE(add_digest(db_, d));
    };
    send("big", {1, 2, 4});
    send("other", {3, 6});  // another topic's digest holds nothing back from big
    for (const std::optional<std::int64_t> since :
         {std::optional<std::int64_t>{}, std::optional<std::int64_t>{t0_unix},
          std::optional<std::int64_t>{t0_unix + 20 * 60},
          std::optional<std::int64_t>{t0_unix + 20 * 60 + 1},
          std::optional<std::int64_t>{t0_unix + 39 * 60},
          std::optional<std::int64_t>{t0_unix + 40 * 60}}) {
        for (const int min_sources : {1, 3}) {
            for (const int limit : {1, 20, 1000}) {
                std::vector<raw_story> kept;
                for (const auto& e : entries) {
                    if (e.topic_id != topic || (since && e.added_at < *since)) continue;
                    if (e.story_id == 1 || e.story_id == 2 || e.story_id == 4) continue;
                    const auto& s = stories[static_cast<std::size_t>(e.story_id - 1)];
                    if (s.source_count >= min_sources) kept.push_back(s);
                }
                std::sort(kept.begin(), kept.end(), [](const raw_story& a, const raw_story& b) {
                    return std::tie(a.source_count, a.first_seen, a.id) >
                           std::tie(b.source_count, b.first_seen, b.id);
                });
                std::vector<std::int64_t> expected;
                for (const auto& s : kept) {
                    if (static_cast<int>(expected.size()) == limit) break;
                    expected.push_back(s.id);
                }
                const auto got =
                    unsent_stories(db_, "big", min_sources,
                                   since ? std::optional{at(*since)} : std::nullopt, limit);
                ASSERT_TRUE(got);
                std::vector<std::int64_t> ids;
                for (const auto& e : *got)
                    ids.push_back(e.story.id);
                EXPECT_EQ(ids, expected) << "since " << (since ? std::to_string(*since) : "none")
                                         << " min_sources " << min_sources << " limit " << limit;
            }
        }
    }
    EXPECT_EQ(unsent_stories(db_, "big", 1, at(t0_unix + 40 * 60), 50)->size(), 0U);
    EXPECT_FALSE(unsent_stories(db_, "nope", 1, at(t0_unix), 50));
}

// A min_sources above the most sources any story has is answered from migration 15's index
// of the stories with more than one outlet, without the walk down stories_newest; the answer
// follows a join that brings a story another outlet, a join from an outlet it has, and a
// deleted story.
TEST_F(read_paths_test, a_min_sources_no_story_reaches_is_empty_through_joins_and_deletes) {
    const auto [wire, paper] = test_support::wire_and_paper(db_, t0);
    using ids = std::vector<std::int64_t>;
    const auto with_sources = [&](int min_sources) {
        story_query q;
        q.min_sources = min_sources;
        ids out;
        for (const auto& s : db_.list_stories(q))
            out.push_back(s.id);
        return out;
    };
    auto& conn = database_access::connection(db_);
    std::string plan;
    {
        SQLite::Statement s(conn,
                            "EXPLAIN QUERY PLAN "
                            "SELECT max(source_count) FROM stories WHERE source_count > 1");
        while (s.executeStep())
            plan += s.getColumn(3).getString() + "\n";
    }
    EXPECT_NE(plan.find("stories_by_sources"), std::string::npos) << plan;

    store(wire, t0, {item("a@1", "One"), item("b@2", "Two")});
    EXPECT_EQ(with_sources(1), (ids{2, 1}));
    EXPECT_EQ(with_sources(2), ids{});
    store(paper, t0 + hours(1), {item("c@1", "One again")});  // a second outlet
    EXPECT_EQ(with_sources(2), ids{1});
    EXPECT_EQ(with_sources(3), ids{});
    store(paper, t0 + hours(2), {item("d@1", "One, a third copy")});  // an outlet it has
    EXPECT_EQ(with_sources(2), ids{1});
    EXPECT_EQ(with_sources(3), ids{});
    EXPECT_EQ(with_sources(1), (ids{1, 2}));
    conn.exec(
        "DELETE FROM items WHERE id IN (SELECT item_id FROM story_members WHERE story_id = 1)");
    conn.exec("DELETE FROM stories WHERE id = 1");
    EXPECT_EQ(with_sources(2), ids{});
    EXPECT_EQ(with_sources(1), ids{2});
    EXPECT_EQ(db_.integrity_check(), "ok");
}

// Each topic's latest update kept on its row (migration 16) through every path that changes
// it: the writer's new entries, a story of the topic getting newer through an item that
// matches no topic (the trigger), both in one refresh, a rebuild, a delete by hand of the
// story that set it (the reader checks it and reads the timeline), and retention (which sets
// it afresh).
TEST_F(read_paths_test, the_latest_update_kept_per_topic_follows_every_write) {
    const auto [wire, paper] = test_support::wire_and_paper(db_, t0);
    sync_topics(db_, {{"iran", "iran", {}, {}}, {"oil", "oil", {}, {}}}, t0);
    db_.set_topics(load_topic_set(db_));
    auto& conn = database_access::connection(db_);
    const auto kept = [&](const std::string& name) -> std::optional<std::int64_t> {
        SQLite::Statement s(conn, "SELECT last_update FROM topics WHERE name = ?1");
        s.bind(1, name);
        if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
        return s.getColumn(0).getInt64();
    };
    const auto newest = [&](const std::string& name) -> std::optional<std::int64_t> {
        SQLite::Statement s(conn, R"sql(
SELECT max(s.last_seen) FROM topic_stories ts JOIN stories s ON s.id = ts.story_id
WHERE ts.topic_id = (SELECT id FROM topics WHERE name = ?1)
)sql");
        s.bind(1, name);
        if (!s.executeStep() || s.getColumn(0).isNull()) return std::nullopt;
        return s.getColumn(0).getInt64();
    };
    const auto listed = [&](const std::string& name) -> std::optional<std::int64_t> {
        for (const auto& t : list_topics(db_)) {
            if (t.name == name && t.last_update) return unix_of(*t.last_update);
        }
        return std::nullopt;
    };
    const auto check = [&](const char* step) {
        for (const std::string name : {"iran", "oil"}) {
            EXPECT_EQ(kept(name), newest(name)) << step << ": " << name;
            EXPECT_EQ(listed(name), newest(name)) << step << ": " << name;
        }
    };
    const std::int64_t hour = 3600;

    store(wire, t0, {item("a@1", "Iran talks"), item("b@2", "Oil prices")});
    EXPECT_EQ(kept("iran"), t0_unix);
    EXPECT_EQ(kept("oil"), t0_unix);
    check("new entries");
    store(paper, t0 + hours(1), {item("c@1", "Talks resume")});  // matches no topic
    EXPECT_EQ(kept("iran"), t0_unix + hour);
    EXPECT_EQ(kept("oil"), t0_unix);
    check("a story got newer");
    // Story 1 gets newer and enters oil in one refresh; story 3 is new in oil.
    store(wire, t0 + hours(3), {item("d@1", "Iran oil"), item("e@3", "Oil and gas")});
    EXPECT_EQ(kept("iran"), t0_unix + 3 * hour);
    EXPECT_EQ(kept("oil"), t0_unix + 3 * hour);
    check("a join and a new entry in one refresh");

    // A rebuild under a new rule: from the rebuilt timeline, lower than before.
    sync_topics(db_, {{"iran", "prices", {}, {}}, {"oil", "oil", {}, {}}}, t0 + hours(4));
    db_.set_topics(load_topic_set(db_));
    rebuild_timelines(db_, "iran");
    EXPECT_EQ(kept("iran"), t0_unix);
    check("rebuilt");

    // Story 1 deleted by hand: oil's kept update names no story of oil any more, so the
    // reader reads the timeline (story 3's, the same time: d@1 and e@3 came in one refresh).
    store(paper, t0 + hours(5), {item("f@1", "Oil again")});  // story 1 now the newest
    EXPECT_EQ(kept("oil"), t0_unix + 5 * hour);
    conn.exec(
        "DELETE FROM items WHERE id IN (SELECT item_id FROM story_members WHERE story_id = 1)");
    conn.exec("DELETE FROM stories WHERE id = 1");
    EXPECT_EQ(kept("oil"), t0_unix + 5 * hour);
    EXPECT_EQ(listed("oil"), t0_unix + 3 * hour);

    // Retention deletes stories 2 and 3 (both feeds list only new items), and oil keeps a
    // story fetched now but published long ago: set afresh to that story's time.
    const auto later = t0 + days(30);
    auto old_news = item("g@4", "Oil history");
    old_news.published = t0 - days(1);
    store(wire, later, {item("h@5", "Weather"), old_news}, later - days(1));
    store(paper, later, {item("i@6", "Weather again")}, later - days(1));
    EXPECT_EQ(kept("oil"), t0_unix + 5 * hour);
    const auto pruned = prune_all(db_, {later - days(7), 500, false});
    EXPECT_EQ(pruned.stories, 2);
    EXPECT_EQ(kept("oil"), t0_unix - 24 * hour);
    EXPECT_EQ(kept("iran"), std::nullopt);
    check("after retention");
    EXPECT_EQ(db_.integrity_check(), "ok");
}

// A version-13 file (timelines counted on every read) is counted when migration 14 runs: the
// kept counts equal a fresh count of each timeline, and the lists read the same.
TEST_F(read_paths_test, an_upgraded_file_keeps_counts_equal_to_a_fresh_count) {
    const auto [wire, paper] = test_support::wire_and_paper(db_, t0);
    sync_topics(db_, {{"iran", "iran", {}, {}}, {"oil", "oil", {}, {}}, {"none", "zebra", {}, {}}},
                t0);
    db_.set_topics(load_topic_set(db_));
    for (int i = 1; i <= 40; ++i) {
        const auto r =
            test_support::poll_of(i % 2 ? wire : paper, t0 + minutes(i),
                                  {item("a@" + std::to_string(i % 25 + 1),
                                        i % 3 ? "Iran oil" : "Oil " + std::to_string(i))});
        db_.store_refresh(r, test_support::stories_from_guids(r, known_));
    }
    const auto before = list_topics(db_);
    const auto timeline_before = load_timeline(db_, "oil", t0 + minutes(10), 10);
    story_query two;
    two.min_sources = 2;
    const auto stories_before = db_.list_stories(two);
    ASSERT_FALSE(stories_before.empty());
    db_ = database::open(tmp_ / "other.db", open_mode::read_write);  // closes feedd.db
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        test_support::downgrade_to_version_13(raw);
        EXPECT_FALSE(raw.execAndGet("SELECT count(*) FROM pragma_table_info('topics') "
                                    "WHERE name = 'story_count'")
                         .getInt());
    }
    db_ = database::open(path_, open_mode::read_write);
    EXPECT_EQ(db_.schema_version(), database::schema_version());
    EXPECT_EQ(db_.integrity_check(), "ok");  // compares every kept count with a fresh one
    const auto after = list_topics(db_);
    ASSERT_EQ(after.size(), before.size());
    for (std::size_t i = 0; i < after.size(); ++i) {
        EXPECT_EQ(after[i].name, before[i].name);
        EXPECT_EQ(after[i].stories, before[i].stories) << after[i].name;
        EXPECT_EQ(after[i].stories, fresh_count(find_topic(db_, after[i].name)->id));
        EXPECT_EQ(after[i].last_added, before[i].last_added);
        EXPECT_EQ(after[i].last_update, before[i].last_update);
    }
    EXPECT_GT(after[0].stories, 0);
    const auto timeline_after = load_timeline(db_, "oil", t0 + minutes(10), 10);
    ASSERT_EQ(timeline_after->size(), timeline_before->size());
    for (std::size_t i = 0; i < timeline_after->size(); ++i)
        EXPECT_EQ((*timeline_after)[i].story.id, (*timeline_before)[i].story.id);
    const auto stories_after = db_.list_stories(two);
    ASSERT_EQ(stories_after.size(), stories_before.size());
    for (std::size_t i = 0; i < stories_after.size(); ++i)
        EXPECT_EQ(stories_after[i].id, stories_before[i].id);
}

}  // namespace
}  // namespace feedd::storage
