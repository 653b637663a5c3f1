#include "daemon/ingest.hpp"

#include <cctype>
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "daemon/topics.hpp"
#include "storage/database.hpp"
#include "storage/topics.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using storage::timestamp;

const timestamp t0{std::chrono::seconds{1'750'000'000}};

// Text for story n: six sentences of words drawn by a fixed generator, so copies of
// one story share them and different stories share almost nothing.
std::string story_text(unsigned n, int drop_first = 0) {
    static const std::vector<std::string> words = {
        "minister", "talks",   "border",   "market",    "shares",   "court",   "ruling",
        "vote",     "energy",  "prices",   "strike",    "union",    "flood",   "river",
        "police",   "protest", "budget",   "deficit",   "tariff",   "export",  "airline",
        "merger",   "bank",    "rates",    "inflation", "drought",  "harvest", "wheat",
        "election", "senate",  "summit",   "treaty",    "missile",  "launch",  "satellite",
        "virus",    "vaccine", "hospital", "school",    "teachers", "storm",   "coast",
        "rescue",   "village", "factory",  "workers",   "pension",  "reform",  "judge",
        "appeal",   "company", "profit",   "quarter",   "forecast", "oil",     "pipeline"};
    std::mt19937 gen(n * 7919u + 13u);
    std::string text;
    for (int sentence = 0; sentence < 6; ++sentence) {
        std::string s;
        for (int w = 0; w < 12; ++w)
            s += (w ? " " : "") + words[gen() % words.size()];
        if (sentence >= drop_first) text += "<p>" + s + ".</p>";
    }
    return text;
}

feeds::item copy(const std::string& id, unsigned story, const std::string& title,
                 int drop_first = 0) {
    feeds::item it;
    it.id = id;
    it.title = title;
    it.link = "https://outlet.example/" + id;
    it.content_html = story_text(story, drop_first);
    return it;
}

storage::refresh refresh_of(std::int64_t feed, timestamp at, std::vector<feeds::item> items) {
    storage::refresh r;
    r.feed_id = feed;
    r.fetched_at = at;
    r.outcome = "ok";
    r.http_status = 200;
    r.success = true;
    r.items = std::move(items);
    r.next_poll = at + minutes(15);
    return r;
}

struct step {
    std::string feed;
    timestamp at;
    std::vector<feeds::item> items;
};

// Every stored item's key → (story, similarity, reason), for comparing two runs.
std::map<std::string, std::string> decisions(const storage::database& db) {
    std::map<std::string, std::string> out;
    for (const auto& story : db.list_stories({})) {
        for (const auto& m : story.items) {
            out[m.link.value_or("?")] =
                std::to_string(story.id) + " " +
                (m.similarity ? std::to_string(*m.similarity) : std::string("new")) + " " +
                m.reason + " " + m.source;
        }
    }
    return out;
}

// Whether two items of decisions() went to the same story.
bool same_story(const std::map<std::string, std::string>& d, const std::string& a,
                const std::string& b) {
    const auto story = [&d](const std::string& id) {
        return d.at("https://outlet.example/" + id).substr(0, 2);
    };
    return story(a) == story(b);
}

class ingest_test : public ::testing::Test {
  protected:
    // Feeds A, B, C; returns their ids by name.
    std::map<std::string, std::int64_t> add_feeds(storage::database& db) {
        std::vector<storage::feed_spec> specs;
        for (const auto* name : {"A", "B", "C"}) {
            storage::feed_spec s;
            s.config_url = std::string("https://") + name + ".example/rss";
            s.title = std::string("Outlet ") + name;
            specs.push_back(s);
        }
        std::map<std::string, std::int64_t> ids;
        for (const auto& f : db.sync_feeds(specs, t0))
            ids[f.title.value_or("")] = f.id;
        return ids;
    }

    static void run(story_ingest& ingest, storage::database& db,
                    std::map<std::string, std::int64_t>& feeds, const step& s) {
        const auto r = refresh_of(feeds.at("Outlet " + s.feed), s.at, s.items);
        ingest.store(db, r, sign_items(r.items));
    }

    // The steps stored one refresh at a time by one ingest that never restarts.
    storage::database straight_run(const std::vector<step>& steps) {
        auto db = storage::database::open(dir_ / "straight.db", storage::open_mode::read_write);
        auto feeds = add_feeds(db);
        story_ingest straight(cfg_);
        straight.rebuild(db);
        for (const auto& s : steps)
            run(straight, db, feeds, s);
        return db;
    }

    // A store named `name` holding the first of `steps`, stored through `ingest`.
    storage::database first_step_stored(const std::string& name, story_ingest& ingest,
                                        std::map<std::string, std::int64_t>& feeds,
                                        const std::vector<step>& steps) {
        auto db = storage::database::open(dir_ / name, storage::open_mode::read_write);
        feeds = add_feeds(db);
        ingest.rebuild(db);
        run(ingest, db, feeds, steps[0]);
        return db;
    }

    // The first two steps stored by an ingest that is gone afterwards (a daemon that stopped).
    storage::database stopped_after_two_steps(const std::string& name,
                                              const std::vector<step>& steps) {
        auto db = storage::database::open(dir_ / name, storage::open_mode::read_write);
        auto feeds = add_feeds(db);
        story_ingest before(cfg_);
        before.rebuild(db);
        run(before, db, feeds, steps[0]);
        run(before, db, feeds, steps[1]);
        return db;
    }

    // With a one-day window, A carries story 1 at t0 and story 2 thirty hours later, when
    // story 1 has left the index; then `more`. One ingest stores them all and is gone after.
    storage::database a1_then_a2_outside_its_window(const std::string& name,
                                                    std::map<std::string, std::int64_t>& feeds,
                                                    const std::vector<step>& more = {}) {
        cfg_.window = days(1);
        auto db = storage::database::open(dir_ / name, storage::open_mode::read_write);
        feeds = add_feeds(db);
        story_ingest ingest(cfg_);
        ingest.rebuild(db);
        run(ingest, db, feeds, {"A", t0, {copy("a1", 1, "Talks on border collapse")}});
        run(ingest, db, feeds, {"A", t0 + hours(30), {copy("a2", 2, "Court ruling on energy")}});
        for (const auto& s : more)
            run(ingest, db, feeds, s);
        return db;
    }

    // A daemon restarted on db: rebuilds the index and returns its size after the rebuild,
    // then `feed` (one letter) carries copies of stories 1 and 2 at `at`, e.g. c1 and c2.
    std::size_t restart_then_copy_1_and_2(storage::database& db,
                                          std::map<std::string, std::int64_t>& feeds,
                                          const std::string& feed, timestamp at) {
        story_ingest restarted(cfg_);
        restarted.rebuild(db);
        const auto windowed = restarted.windowed_items();
        const std::string id(1, static_cast<char>(std::tolower(feed.at(0))));
        run(restarted, db, feeds,
            {feed,
             at,
             {copy(id + "1", 1, "Talks on border collapse"),
              copy(id + "2", 2, "Court ruling on energy")}});
        return windowed;
    }

    test::temp_dir dir_;
    stories_config cfg_;
};

// Outlet A carries stories 1-4; B copies 1 and 3; after the restart C copies 1 and
// 4 and has a story of its own.
std::vector<step> scenario() {
    return {
        {"A",
         t0,
         {copy("a1", 1, "Talks on border collapse"), copy("a2", 2, "Court ruling on energy"),
          copy("a3", 3, "Union calls strike"), copy("a4", 4, "Flood hits river towns")}},
        {"B",
         t0 + hours(2),
         {copy("b1", 1, "UPDATE 1-Talks on border collapse", 1),
          copy("b3", 3, "Union calls nationwide strike - Reuters")}},
        {"C",
         t0 + hours(5),
         {copy("c1", 1, "Border talks collapse, officials say", 1),
          copy("c4", 4, "Flood hits river towns"), copy("c9", 9, "Budget deficit widens")}},
    };
}

TEST_F(ingest_test, a_restart_rebuilds_the_index_so_copies_join_the_same_stories) {
    const auto steps = scenario();

    auto straight_db = straight_run(steps);

    auto restarted_db = stopped_after_two_steps("restarted.db", steps);
    auto restarted_feeds = add_feeds(restarted_db);
    story_ingest after(cfg_);
    after.rebuild(restarted_db);
    EXPECT_EQ(after.windowed_items(), 6U);
    run(after, restarted_db, restarted_feeds, steps[2]);

    const auto expected = decisions(straight_db);
    EXPECT_EQ(decisions(restarted_db), expected);
    // And the runs folded what they should, so the comparison is not vacuous.
    const auto* story1 = &expected.at("https://outlet.example/a1");
    EXPECT_EQ(expected.at("https://outlet.example/b1").substr(0, 2), story1->substr(0, 2));
    EXPECT_EQ(expected.at("https://outlet.example/c1").substr(0, 2), story1->substr(0, 2));
    EXPECT_EQ(expected.at("https://outlet.example/c4").substr(0, 2),
              expected.at("https://outlet.example/a4").substr(0, 2));
    const auto stories = restarted_db.list_stories({});
    EXPECT_EQ(stories.size(), 5U);              // 1, 2, 3, 4 and C's own
    EXPECT_EQ(restarted_db.max_story_id(), 5);  // ids continue after the restart
    const auto s1 = restarted_db.load_story(std::stoll(*story1));
    ASSERT_TRUE(s1);
    ASSERT_EQ(s1->sources.size(), 3U);
    EXPECT_EQ(s1->sources[0].name, "Outlet A");
    EXPECT_EQ(s1->sources[2].name, "Outlet C");
}

TEST_F(ingest_test, items_fetched_after_the_window_start_new_stories_before_and_after_a_restart) {
    std::map<std::string, std::int64_t> feeds;
    // a1 left the window when a2 was clustered: its copy b1 starts a new story.
    auto db = a1_then_a2_outside_its_window(
        "w.db", feeds, {{"B", t0 + hours(31), {copy("b1", 1, "Talks on border collapse")}}});
    // a1's signature was pruned in the later transaction.
    EXPECT_EQ(db.windowed_signatures(timestamp::min()).size(), 2U);
    // a2 and b1 in the index; a1 expired.
    EXPECT_EQ(restart_then_copy_1_and_2(db, feeds, "C", t0 + hours(32)), 2U);
    const auto d = decisions(db);
    EXPECT_FALSE(same_story(d, "b1", "a1"));
    EXPECT_TRUE(same_story(d, "c1", "b1"));
    EXPECT_TRUE(same_story(d, "c2", "a2"));
}

// The rebuild streams every stored signature into the index and expires it afterwards: a
// signature still stored but outside the window of the newest (it goes at the next write)
// must not attract copies after a restart, just as it did not before.
TEST_F(ingest_test, a_rebuild_leaves_out_stored_signatures_outside_the_window) {
    std::map<std::string, std::int64_t> feeds;
    auto db = a1_then_a2_outside_its_window("p.db", feeds);
    // a1 left the index when a2 was clustered; its signature is pruned by the next write.
    ASSERT_EQ(db.windowed_signatures(timestamp::min()).size(), 2U);
    EXPECT_EQ(restart_then_copy_1_and_2(db, feeds, "B", t0 + hours(31)), 1U);
    const auto d = decisions(db);
    EXPECT_FALSE(same_story(d, "b1", "a1"));
    EXPECT_TRUE(same_story(d, "b2", "a2"));
    EXPECT_EQ(db.windowed_signatures(timestamp::min()).size(), 3U);  // a1's pruned
}

TEST_F(ingest_test, a_failed_write_leaves_the_index_in_step_with_the_database) {
    const auto steps = scenario();
    auto straight_db = straight_run(steps);

    const auto path = dir_ / "failing.db";
    story_ingest ingest(cfg_);
    std::map<std::string, std::int64_t> feeds;
    auto db = first_step_stored("failing.db", ingest, feeds, steps);
    {
        // The second member row of B's refresh fails after the clusterer already
        // took both items (and b1 joined story 1 in memory).
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec(
            "CREATE TRIGGER fail_b3 BEFORE INSERT ON story_members "
            "WHEN (SELECT guid FROM items WHERE id = NEW.item_id) = 'b3' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    }
    const auto r = refresh_of(feeds.at("Outlet B"), steps[1].at, steps[1].items);
    EXPECT_THROW(ingest.store(db, r, sign_items(r.items)), std::exception);
    EXPECT_EQ(db.items({}).size(), 4U);
    EXPECT_EQ(ingest.windowed_items(), 4U);  // rebuilt: B's items are not in the index
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec("DROP TRIGGER fail_b3");
    }
    run(ingest, db, feeds, steps[1]);
    run(ingest, db, feeds, steps[2]);
    EXPECT_EQ(decisions(db), decisions(straight_db));
}

// The daemon defers the rebuild at start: a poll where every feed answers 304 must
// not read the stored signatures; the first refresh with items rebuilds first.
TEST_F(ingest_test, a_deferred_rebuild_waits_for_a_refresh_with_items) {
    const auto steps = scenario();
    auto straight_db = straight_run(steps);

    auto db = stopped_after_two_steps("deferred.db", steps);
    auto feeds = add_feeds(db);
    story_ingest after(cfg_);
    after.rebuild_later();
    run(after, db, feeds, {"A", t0 + hours(3), {}});  // a 304: no items
    EXPECT_EQ(after.windowed_items(), 0U) << "not rebuilt for a refresh without items";
    run(after, db, feeds, steps[2]);
    EXPECT_EQ(after.windowed_items(), 9U);
    EXPECT_EQ(decisions(db), decisions(straight_db));
}

// Group commit: the daemon stores refreshes that queue up while the writer is busy
// in one write_batch. The stories, timelines and decisions must be exactly those of
// storing them one transaction each, also when one refresh of the batch fails.
TEST_F(ingest_test, a_batch_of_refreshes_clusters_and_matches_topics_like_single_ones) {
    const auto steps = scenario();
    // Its first item (a copy of story 1) is clustered before the second fails.
    const step failing{"C",
                       t0 + hours(1),
                       {copy("c5", 1, "Talks on border collapse again", 1),
                        copy("bad", 7, "Harvest fails in drought")}};
    topic_config topic;
    topic.name = "border";
    topic.match = "border OR flood";
    const auto specs = topic_specs({topic});

    auto outcome_of = [&](const std::string& name, bool batched) {
        const auto path = dir_ / (name + ".db");
        auto db = storage::database::open(path, storage::open_mode::read_write);
        auto feeds = add_feeds(db);
        apply_topics(db, specs, t0);
        {
            SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
            raw.exec(
                "CREATE TRIGGER fail_bad BEFORE INSERT ON story_members "
                "WHEN (SELECT guid FROM items WHERE id = NEW.item_id) = 'bad' "
                "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
        }
        story_ingest ingest(cfg_);
        ingest.rebuild(db);
        std::optional<storage::write_batch> batch;
        if (batched) batch.emplace(db);
        run(ingest, db, feeds, steps[0]);
        const auto r = refresh_of(feeds.at("Outlet C"), failing.at, failing.items);
        EXPECT_THROW(ingest.store(db, r, sign_items(r.items)), std::exception);
        EXPECT_EQ(ingest.windowed_items(), 4U) << "the failed refresh left the index";
        run(ingest, db, feeds, steps[1]);
        run(ingest, db, feeds, steps[2]);
        if (batch) batch->commit();
        EXPECT_FALSE(db.in_batch());
        std::vector<std::string> timeline;
        // A named optional: a range-for over *temporary would read a destroyed vector.
        const auto entries = storage::load_timeline(db, "border", std::nullopt, std::nullopt);
        for (const auto& e : *entries) {
            timeline.push_back(std::to_string(e.story.id) + " " + std::to_string(e.first_item) +
                               " " + std::to_string(e.story.member_count));
        }
        return std::make_tuple(decisions(db), timeline, db.items({}).size(),
                               db.windowed_signatures(timestamp::min()).size(),
                               ingest.windowed_items(), db.max_story_id());
    };
    const auto single = outcome_of("single", false);
    const auto batched = outcome_of("batched", true);
    EXPECT_EQ(batched, single);
    // Not vacuous: the batch stored every item but the failed refresh's, folded the
    // copies and filled the timeline.
    EXPECT_EQ(std::get<2>(batched), 9U);
    EXPECT_EQ(std::get<0>(batched).count("https://outlet.example/c5"), 0U);
    EXPECT_EQ(std::get<0>(batched).at("https://outlet.example/b1").substr(0, 2),
              std::get<0>(batched).at("https://outlet.example/a1").substr(0, 2));
    EXPECT_GE(std::get<1>(batched).size(), 2U);
    EXPECT_EQ(std::get<4>(batched), 9U);
}

// Group commit when the batch as a whole fails (here its COMMIT, through a deferred
// foreign key that an insert trigger breaks): nothing of the batch is stored, every
// refresh of it reports the failure, and the index forgets the decisions it made for the
// batch, so storing the same refreshes again decides exactly as a run that never failed.
TEST_F(ingest_test, a_failed_group_commit_leaves_the_index_in_step_with_the_database) {
    const auto steps = scenario();
    auto straight_db = straight_run(steps);

    const auto path = dir_ / "group.db";
    story_ingest ingest(cfg_);
    std::map<std::string, std::int64_t> feeds;
    auto db = first_step_stored("group.db", ingest, feeds, steps);
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec(R"sql(
CREATE TABLE parent (id INTEGER PRIMARY KEY);
CREATE TABLE child (id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED);
CREATE TRIGGER fail_commit AFTER INSERT ON items WHEN NEW.guid = 'c9'
BEGIN INSERT INTO child VALUES (NEW.id); END;
)sql");
    }
    const auto units = [&] {
        std::vector<std::function<void(storage::database&)>> out;
        for (const auto& s : {steps[1], steps[2]}) {
            out.emplace_back([&, s](storage::database& d) { run(ingest, d, feeds, s); });
        }
        return out;
    }();
    const auto failed = ingest.store_group(db, units);
    ASSERT_EQ(failed.size(), 2U);
    EXPECT_TRUE(failed[0] && failed[1]) << "the whole batch failed";
    EXPECT_FALSE(db.in_batch());
    EXPECT_EQ(db.items({}).size(), 4U);
    EXPECT_EQ(ingest.windowed_items(), 4U) << "rebuilt: the batch's 5 items are not in the index";
    EXPECT_EQ(db.integrity_check(), "ok");
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec("DROP TRIGGER fail_commit");
    }
    const auto stored = ingest.store_group(db, units);
    EXPECT_FALSE(stored[0] || stored[1]);
    EXPECT_EQ(ingest.windowed_items(), 9U);
    EXPECT_EQ(decisions(db), decisions(straight_db));
    EXPECT_EQ(db.integrity_check(), "ok");
}

// Later documents are signed on the writer, new items only: the same decisions as signing
// every item on the pool, and the known items are never signed (nothing to decide for them).
TEST_F(ingest_test, signing_only_new_items_in_the_transaction_decides_the_same) {
    const auto steps = scenario();
    auto pooled = straight_run(steps);
    auto db = storage::database::open(dir_ / "signing-new.db", storage::open_mode::read_write);
    auto feeds = add_feeds(db);
    story_ingest ingest(cfg_);
    ingest.rebuild(db);
    int new_items = 0;
    int known_items = 0;
    for (const auto& s : steps) {
        // Each document again with everything already stored: only its new items count.
        for (int pass = 0; pass < 2; ++pass) {
            std::vector<storage::story_assignment> decided;
            const auto r = refresh_of(feeds.at("Outlet " + s.feed), s.at, s.items);
            const auto stored = ingest.store(db, r, {}, &decided);
            EXPECT_EQ(decided.size(), static_cast<std::size_t>(stored.new_items));
            new_items += stored.new_items;
            known_items += stored.known_items;
        }
    }
    EXPECT_EQ(new_items, 9);
    EXPECT_EQ(known_items, 9);
    EXPECT_EQ(decisions(db), decisions(pooled));
    EXPECT_EQ(db.windowed_signatures(timestamp::min()).size(),
              pooled.windowed_signatures(timestamp::min()).size());
}

TEST_F(ingest_test, signatures_must_match_the_items) {
    auto db = storage::database::open(dir_ / "x.db", storage::open_mode::read_write);
    auto feeds = add_feeds(db);
    story_ingest ingest(cfg_);
    const auto r = refresh_of(feeds.at("Outlet A"), t0, {copy("a1", 1, "x")});
    // Empty means "sign the new items here"; any other count must be one per item.
    const auto two = sign_items({copy("a1", 1, "x"), copy("a2", 2, "y")});
    EXPECT_THROW(ingest.store(db, r, two), std::logic_error);
    EXPECT_TRUE(db.items({}).empty());
}

}  // namespace
}  // namespace feedd::daemon
