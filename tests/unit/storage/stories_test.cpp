#include "storage/stories.hpp"
#include "tests/unit/storage/downgrade.hpp"

#include <chrono>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/database.hpp"
#include "storage/migrations.hpp"
#include "storage/sql_helpers.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::storage {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;

const timestamp t0{std::chrono::seconds{1'700'000'000}};

feeds::item item(std::string id, std::optional<timestamp> published = std::nullopt,
                 std::optional<std::string> link = std::nullopt) {
    feeds::item it;
    it.id = id;
    it.title = "title " + id;
    it.link = std::move(link);
    it.published = published;
    return it;
}

refresh ok_refresh(std::int64_t feed_id, timestamp at, std::vector<feeds::item> items) {
    refresh r;
    r.feed_id = feed_id;
    r.fetched_at = at;
    r.outcome = "ok";
    r.http_status = 200;
    r.success = true;
    r.items = std::move(items);
    r.next_poll = at + minutes(15);
    return r;
}

// A scripted clusterer: each call consumes the next decisions and records what it saw.
struct script {
    std::vector<story_assignment> decisions;
    std::vector<new_item> seen;
    std::size_t next = 0;

    clustering_step step(std::optional<timestamp> prune_before = std::nullopt) {
        clustering_step s;
        s.assign = [this](const refresh&, const std::vector<new_item>& items) {
            std::vector<story_assignment> out;
            for (const auto& it : items) {
                seen.push_back(it);
                out.push_back(decisions.at(next++));
            }
            return out;
        };
        s.prune_before = prune_before;
        return s;
    }
};

story_assignment starts(std::int64_t story, std::string signature = "sig") {
    story_assignment a;
    a.story_id = story;
    a.new_story = true;
    a.reason = "no similar story in the window";
    a.signature = std::move(signature);
    return a;
}

story_assignment joins(std::int64_t story, double similarity, std::int64_t matched,
                       std::string signature = "sig") {
    story_assignment a;
    a.story_id = story;
    a.similarity = similarity;
    a.matched_item = matched;
    a.reason = "containment 0.9 with item " + std::to_string(matched);
    a.signature = std::move(signature);
    return a;
}

std::vector<std::string> source_names(const story_view& s) {
    std::vector<std::string> out;
    for (const auto& src : s.sources)
        out.push_back(src.name);
    return out;
}

// Adds the feed https://a.example/rss (titled when a title is given) and returns its id.
std::int64_t add_one_feed(database& db, std::optional<std::string> title = std::nullopt) {
    feed_spec spec;
    spec.config_url = "https://a.example/rss";
    spec.title = std::move(title);
    return db.sync_feeds({spec}, t0)[0].id;
}

// Every story as readers see it: counters, sources and members.
std::string described(database& db) {
    std::string out;
    for (const auto& st : db.list_stories({})) {
        out += fmt::format("story {} {}-{} rep {} members {} sources {}:", st.id,
                           to_unix(st.first_seen), to_unix(st.last_seen), st.representative_item,
                           st.member_count, st.source_count);
        for (const auto& src : st.sources)
            out += fmt::format(" [{} {} {}]", src.name, to_unix(src.first_seen), src.first_item);
        for (const auto& m : st.items)
            out += fmt::format(" ({} {} {})", m.item_id, m.reason, to_unix(m.clustered_at));
        out += '\n';
    }
    return out;
}

class stories_test : public ::testing::Test {
  protected:
    database db_ = database::open(":memory:", open_mode::read_write);

    std::int64_t add_feed(const std::string& url, std::optional<std::string> title) {
        std::vector<feed_spec> specs = known_;
        feed_spec s;
        s.config_url = url;
        s.title = std::move(title);
        specs.push_back(s);
        known_ = specs;
        for (const auto& f : db_.sync_feeds(specs, t0))
            if (f.config_url == url) return f.id;
        throw std::logic_error("feed not added");
    }

    std::int64_t item_id(const std::string& title) {
        for (const auto& it : db_.items({}))
            if (it.title == title) return it.id;
        throw std::logic_error("no item " + title);
    }

    std::vector<feed_spec> known_;
};

TEST_F(stories_test, only_new_items_are_clustered_in_story_time_order) {
    const auto feed = add_feed("https://wire.example/rss", "Wire");
    script s;
    s.decisions = {starts(1), starts(2), starts(3)};
    // Document order is newest first; the clusterer sees them oldest first, and an
    // undated item at the fetch time.
    auto r = ok_refresh(feed, t0 + hours(5),
                        {item("b", t0 + hours(2)), item("a", t0 + hours(1)), item("c")});
    EXPECT_EQ(db_.store_refresh(r, s.step()).new_items, 3);
    ASSERT_EQ(s.seen.size(), 3U);
    EXPECT_EQ(s.seen[0].index, 1U);
    EXPECT_EQ(s.seen[0].story_time, t0 + hours(1));
    EXPECT_EQ(s.seen[0].time, t0 + hours(5));  // the clustering clock is the fetch
    EXPECT_EQ(s.seen[1].index, 0U);
    EXPECT_EQ(s.seen[2].index, 2U);
    EXPECT_EQ(s.seen[2].story_time, t0 + hours(5));
    EXPECT_EQ(s.seen[0].id, item_id("title a"));
    EXPECT_EQ(s.seen[0].source, "Wire");

    // Polling the same document again clusters nothing.
    r.fetched_at = t0 + hours(6);
    EXPECT_EQ(db_.store_refresh(r, s.step()).known_items, 3);
    EXPECT_EQ(s.seen.size(), 3U);
}

// Items are written many to a statement; the new ones among known ones must still get
// their own ids, and each its own story.
TEST_F(stories_test, known_and_new_items_mixed_in_a_long_document_keep_their_ids) {
    const auto feed = add_feed("https://wire.example/rss", "Wire");
    script s;
    for (int i = 1; i <= 70; ++i)
        s.decisions.push_back(starts(i));
    std::vector<feeds::item> all;
    std::vector<feeds::item> some;
    for (int i = 0; i < 70; ++i) {
        // Document order newest first, so the clusterer's order is not the document's.
        all.push_back(item(std::to_string(i), t0 - minutes(i)));
        if (i % 3 == 1) some.push_back(all.back());
    }
    EXPECT_EQ(db_.store_refresh(ok_refresh(feed, t0, some), s.step()).new_items, 23);
    const auto r = ok_refresh(feed, t0 + hours(1), all);
    const auto stored = db_.store_refresh(r, s.step());
    EXPECT_EQ(stored.new_items, 47);
    EXPECT_EQ(stored.known_items, 23);
    ASSERT_EQ(s.seen.size(), 70U);
    std::map<std::int64_t, std::pair<std::string, std::int64_t>> by_id;  // title, story
    for (const auto& it : db_.items({}))
        by_id[it.id] = {it.title.value_or(""), it.story_id.value_or(0)};
    ASSERT_EQ(by_id.size(), 70U);
    for (std::size_t k = 23; k < s.seen.size(); ++k) {
        const auto& seen = s.seen[k];
        EXPECT_NE(seen.index % 3, 1U);  // only the new ones are clustered
        EXPECT_EQ(by_id.at(seen.id).first, *r.items.at(seen.index).title) << k;
        EXPECT_EQ(by_id.at(seen.id).second, static_cast<std::int64_t>(k + 1)) << k;
    }
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(stories_test, a_future_date_is_clamped_to_the_fetch_time) {
    const auto feed = add_feed("https://wire.example/rss", "Wire");
    script s;
    s.decisions = {starts(1)};
    db_.store_refresh(ok_refresh(feed, t0, {item("x", t0 + days(30))}), s.step());
    ASSERT_EQ(s.seen.size(), 1U);
    EXPECT_EQ(s.seen[0].story_time, t0);
}

TEST_F(stories_test, a_story_keeps_members_sources_and_counters) {
    const auto reuters = add_feed("https://reuters.example/rss", "Reuters");
    const auto yahoo = add_feed("https://yahoo.example/rss", "Yahoo News");
    const auto usatoday = add_feed("https://usatoday.example/rss", "USA Today");
    script s;
    s.decisions = {starts(7), joins(7, 0.93, 0), joins(7, 0.81, 0), joins(7, 0.9, 0)};
    db_.store_refresh(ok_refresh(reuters, t0 + hours(1), {item("r1", t0 + minutes(14))}), s.step());
    const auto first = item_id("title r1");
    s.decisions[1].matched_item = first;
    s.decisions[2].matched_item = first;
    s.decisions[3].matched_item = first;
    db_.store_refresh(ok_refresh(yahoo, t0 + hours(1), {item("y1", t0 + minutes(20))}), s.step());
    // USA Today's copy is dated before Reuters' and arrives last: it becomes the
    // story's first appearance and its representative.
    db_.store_refresh(ok_refresh(usatoday, t0 + hours(2), {item("u1", t0 + minutes(10))}),
                      s.step());
    // A second copy from Yahoo adds a member but no source.
    db_.store_refresh(ok_refresh(yahoo, t0 + hours(3), {item("y2", t0 + hours(2))}), s.step());

    const auto story = db_.load_story(7);
    ASSERT_TRUE(story);
    EXPECT_EQ(story->member_count, 4);
    EXPECT_EQ(story->source_count, 3);
    EXPECT_EQ(story->first_seen, t0 + minutes(10));
    EXPECT_EQ(story->last_seen, t0 + hours(2));
    EXPECT_EQ(story->representative_item, item_id("title u1"));
    EXPECT_EQ(story->title, "title u1");
    EXPECT_EQ(source_names(*story),
              (std::vector<std::string>{"USA Today", "Reuters", "Yahoo News"}));
    EXPECT_EQ(story->sources[2].first_item, item_id("title y1"));
    ASSERT_EQ(story->items.size(), 4U);  // in joining order
    EXPECT_EQ(story->items[0].title, "title r1");
    EXPECT_FALSE(story->items[0].similarity);
    EXPECT_EQ(story->items[0].reason, "no similar story in the window");
    EXPECT_EQ(story->items[0].feed, "https://reuters.example/rss");
    EXPECT_EQ(story->items[0].feed_title, "Reuters");
    EXPECT_EQ(story->items[0].published, t0 + minutes(14));
    EXPECT_DOUBLE_EQ(story->items[1].similarity.value_or(0), 0.93);
    EXPECT_EQ(story->items[1].matched_item, first);
    EXPECT_EQ(story->items[2].source, "USA Today");
    EXPECT_EQ(story->items[3].title, "title y2");

    for (const auto& it : db_.items({}))
        EXPECT_EQ(it.story_id, 7) << it.title.value_or("");
    EXPECT_FALSE(db_.load_story(8));
    EXPECT_EQ(db_.max_story_id(), 7);
}

TEST_F(stories_test, an_earlier_copy_from_an_outlet_becomes_its_first_appearance) {
    const auto reuters = add_feed("https://reuters.example/rss", "Reuters");
    const auto yahoo = add_feed("https://yahoo.example/rss", "Yahoo News");
    script s;
    s.decisions = {starts(3), joins(3, 0.9, 0), joins(3, 0.9, 0), joins(3, 0.9, 0)};
    db_.store_refresh(ok_refresh(reuters, t0 + hours(1), {item("r1", t0 + minutes(30))}), s.step());
    db_.store_refresh(ok_refresh(yahoo, t0 + hours(1), {item("y1", t0 + minutes(40))}), s.step());
    // Yahoo again, dated before its first copy: Yahoo's first appearance moves, no source is
    // added. Then a later copy, which moves nothing.
    db_.store_refresh(ok_refresh(yahoo, t0 + hours(2), {item("y2", t0 + minutes(35))}), s.step());
    db_.store_refresh(ok_refresh(yahoo, t0 + hours(3), {item("y3", t0 + minutes(50))}), s.step());

    const auto story = db_.load_story(3);
    ASSERT_TRUE(story);
    EXPECT_EQ(story->member_count, 4);
    EXPECT_EQ(story->source_count, 2);
    EXPECT_EQ(story->representative_item, item_id("title r1"));
    ASSERT_EQ(source_names(*story), (std::vector<std::string>{"Reuters", "Yahoo News"}));
    EXPECT_EQ(story->sources[1].first_seen, t0 + minutes(35));
    EXPECT_EQ(story->sources[1].first_item, item_id("title y2"));
    EXPECT_EQ(story->last_seen, t0 + minutes(50));
}

TEST_F(stories_test, an_untitled_feed_names_the_host_of_the_link) {
    const auto feed = add_feed("file:///srv/feeds/x.xml", std::nullopt);
    script s;
    s.decisions = {starts(1), starts(2)};
    db_.store_refresh(
        ok_refresh(feed, t0, {item("a", t0, "https://News.Example.ORG/a"), item("b", t0)}),
        s.step());
    ASSERT_EQ(s.seen.size(), 2U);
    EXPECT_EQ(s.seen[0].source, "news.example.org");
    EXPECT_EQ(s.seen[1].source, "file:///srv/feeds/x.xml");
}

TEST_F(stories_test, the_feeds_own_title_names_the_outlet_when_none_is_configured) {
    const auto feed = add_feed("https://a.example/rss", std::nullopt);
    script s;
    s.decisions = {starts(1)};
    auto r = ok_refresh(feed, t0, {item("a", t0, "https://a.example/1")});
    r.feed_title = "A Daily";
    db_.store_refresh(r, s.step());
    ASSERT_EQ(s.seen.size(), 1U);
    EXPECT_EQ(s.seen[0].source, "A Daily");
}

TEST_F(stories_test, listing_is_most_recent_first_with_filters) {
    const auto a = add_feed("https://a.example/rss", "A");
    const auto b = add_feed("https://b.example/rss", "B");
    script s;
    s.decisions = {starts(1), starts(2), joins(1, 0.8, 1), starts(3)};
    db_.store_refresh(ok_refresh(a, t0 + hours(10), {item("1", t0), item("2", t0 + hours(1))}),
                      s.step());
    s.decisions[2].matched_item = item_id("title 1");
    db_.store_refresh(ok_refresh(b, t0 + hours(10), {item("3", t0 + hours(3))}), s.step());
    db_.store_refresh(ok_refresh(b, t0 + hours(10), {item("4", t0 + hours(2))}), s.step());

    auto ids = [](const std::vector<story_view>& v) {
        std::vector<std::int64_t> out;
        for (const auto& story : v)
            out.push_back(story.id);
        return out;
    };
    EXPECT_EQ(ids(db_.list_stories({})), (std::vector<std::int64_t>{1, 3, 2}));
    story_query two;
    two.min_sources = 2;
    EXPECT_EQ(ids(db_.list_stories(two)), (std::vector<std::int64_t>{1}));
    story_query recent;
    recent.since = t0 + hours(2);
    EXPECT_EQ(ids(db_.list_stories(recent)), (std::vector<std::int64_t>{1, 3}));
    story_query one;
    one.limit = 1;
    EXPECT_EQ(ids(db_.list_stories(one)), (std::vector<std::int64_t>{1}));
    const auto listed = db_.list_stories(two);
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(source_names(listed[0]), (std::vector<std::string>{"A", "B"}));
    EXPECT_EQ(listed[0].items.size(), 2U);
}

TEST_F(stories_test, signatures_come_back_in_clustering_order_and_are_pruned_by_window) {
    const auto feed = add_feed("https://a.example/rss", "A");
    script s;
    const std::string binary("\x00\x01\xff\x00sig", 7);  // a BLOB, NULs included
    s.decisions = {starts(1, binary), starts(2, "two"), joins(1, 0.9, 0, "three")};
    db_.store_refresh(ok_refresh(feed, t0 + days(1), {item("new", t0 + hours(5)), item("old", t0)}),
                      s.step());
    db_.store_refresh(ok_refresh(feed, t0 + days(2), {item("late", t0 + days(2))}), s.step());

    const auto all = db_.windowed_signatures(t0);
    ASSERT_EQ(all.size(), 3U);
    EXPECT_EQ(all[0].item_id, item_id("title old"));  // oldest first: clustering order
    EXPECT_EQ(all[0].signature, binary);
    EXPECT_EQ(all[0].story_id, 1);
    EXPECT_EQ(all[0].time, t0 + days(1));  // the fetch, not the publication
    EXPECT_EQ(all[1].item_id, item_id("title new"));
    EXPECT_EQ(all[1].story_id, 2);
    EXPECT_EQ(all[2].signature, "three");
    EXPECT_EQ(db_.windowed_signatures(t0 + days(1) + hours(1)).size(), 1U);

    // A refresh with nothing new still prunes: signatures older than the window go,
    // the stories and members stay.
    db_.store_refresh(ok_refresh(feed, t0 + days(3), {}), s.step(t0 + days(1) + hours(6)));
    const auto left = db_.windowed_signatures(timestamp{});
    ASSERT_EQ(left.size(), 1U);
    EXPECT_EQ(left[0].signature, "three");
    EXPECT_TRUE(db_.load_story(2));
    EXPECT_EQ(db_.load_story(1)->member_count, 2);
}

TEST_F(stories_test, the_window_forgets_first_in_first_out) {
    // Fetch times can step back (a slow parse, a clock correction): a member behind
    // a newer one stays as long as that one does, in the database as in the index.
    const auto feed = add_feed("https://a.example/rss", "A");
    script s;
    s.decisions = {starts(1, "s1"), starts(2, "s2"), starts(3, "s3"), starts(4, "s4")};
    db_.store_refresh(ok_refresh(feed, t0 + hours(10), {item("1")}), s.step());
    db_.store_refresh(ok_refresh(feed, t0 + hours(5), {item("2")}), s.step());
    db_.store_refresh(ok_refresh(feed, t0 + hours(20), {item("3")}), s.step());
    auto signatures = [](const std::vector<windowed_signature>& v) {
        std::string out;
        for (const auto& w : v)
            out += w.signature + " ";
        return out;
    };
    EXPECT_EQ(signatures(db_.windowed_signatures(t0 + hours(8))), "s1 s2 s3 ");
    EXPECT_EQ(signatures(db_.windowed_signatures(t0 + hours(11))), "s3 ");
    EXPECT_EQ(signatures(db_.windowed_signatures(t0 + days(2))), "");
    db_.store_refresh(ok_refresh(feed, t0 + hours(21), {item("4")}), s.step(t0 + hours(8)));
    EXPECT_EQ(signatures(db_.windowed_signatures(timestamp::min())), "s1 s2 s3 s4 ");
    db_.store_refresh(ok_refresh(feed, t0 + hours(22), {}), s.step(t0 + hours(11)));
    EXPECT_EQ(signatures(db_.windowed_signatures(timestamp::min())), "s3 s4 ");
}

TEST(stories_files, a_member_after_an_emptied_window_and_retention_is_windowed) {
    // The window moves past every member, then the member with the highest seq goes (as
    // retention may delete it): the next member must still be numbered inside the window.
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open(path, open_mode::read_write);
    const auto feed = add_one_feed(db);
    script s;
    s.decisions = {starts(1, "s1"), starts(2, "s2"), starts(3, "s3")};
    db.store_refresh(ok_refresh(feed, t0, {item("1", t0), item("2", t0 + hours(1))}), s.step());
    db.store_refresh(ok_refresh(feed, t0 + days(2), {}), s.step(t0 + days(1)));
    EXPECT_TRUE(db.windowed_signatures(timestamp::min()).empty());
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA foreign_keys = ON");
        register_index_functions(raw);  // the full-text delete trigger calls them
        raw.exec("DELETE FROM items WHERE title = 'title 2'");  // its member had seq 2
        ASSERT_EQ(raw.execAndGet("SELECT max(seq) FROM story_members").getInt(), 1);
    }
    db.store_refresh(ok_refresh(feed, t0 + days(3), {item("3", t0 + days(3))}), s.step());
    const auto window = db.windowed_signatures(timestamp::min());
    ASSERT_EQ(window.size(), 1U);
    EXPECT_EQ(window[0].signature, "s3");
    EXPECT_EQ(window[0].story_id, 3);
}

TEST_F(stories_test, a_throwing_step_rolls_back_the_items_too) {
    const auto feed = add_feed("https://a.example/rss", "A");
    clustering_step failing;
    failing.assign = [](const refresh&,
                        const std::vector<new_item>&) -> std::vector<story_assignment> {
        throw std::runtime_error("clusterer broke");
    };
    EXPECT_THROW(db_.store_refresh(ok_refresh(feed, t0, {item("a", t0)}), failing),
                 std::runtime_error);
    EXPECT_TRUE(db_.items({}).empty());
    EXPECT_FALSE(db_.feed(feed)->last_fetch);

    script s;
    s.decisions = {starts(1)};
    EXPECT_EQ(db_.store_refresh(ok_refresh(feed, t0, {item("a", t0)}), s.step()).new_items, 1);
    EXPECT_EQ(db_.items({})[0].story_id, 1);
}

TEST_F(stories_test, decisions_that_contradict_the_store_roll_back) {
    const auto feed = add_feed("https://a.example/rss", "A");
    script s;
    s.decisions = {starts(1), joins(9, 0.9, 1), starts(1), starts(2)};
    db_.store_refresh(ok_refresh(feed, t0, {item("a", t0)}), s.step());
    // Joining a story that was never stored.
    try {
        db_.store_refresh(ok_refresh(feed, t0, {item("b", t0)}), s.step());
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("story 9"), std::string::npos) << e.what();
    }
    // Starting a story whose id exists.
    try {
        db_.store_refresh(ok_refresh(feed, t0, {item("c", t0)}), s.step());
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("story 1"), std::string::npos) << e.what();
    }
    EXPECT_EQ(db_.items({}).size(), 1U);
    EXPECT_EQ(db_.load_story(1)->member_count, 1);
    clustering_step short_step;
    short_step.assign = [](const refresh&, const std::vector<new_item>&) {
        return std::vector<story_assignment>{};
    };
    EXPECT_THROW(db_.store_refresh(ok_refresh(feed, t0, {item("d", t0)}), short_step),
                 std::logic_error);
    EXPECT_EQ(db_.items({}).size(), 1U);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

// Twenty new stories go in as a statement of 16 rows and one of 4; the clash is in the second,
// after the first wrote its rows. The error names the story in the way, not one just written.
TEST_F(stories_test, a_story_started_twice_in_a_long_document_is_named) {
    const auto feed = add_feed("https://a.example/rss", "A");
    script s;
    s.decisions = {starts(1)};
    db_.store_refresh(ok_refresh(feed, t0, {item("first", t0)}), s.step());
    std::vector<feeds::item> items;
    for (int i = 0; i < 20; ++i) {
        items.push_back(item("item " + std::to_string(i), t0 + std::chrono::minutes(i)));
        s.decisions.push_back(starts(i < 19 ? 100 + i : 1));
    }
    try {
        db_.store_refresh(ok_refresh(feed, t0 + std::chrono::hours(1), items), s.step());
        ADD_FAILURE() << "no exception";
    } catch (const std::runtime_error& e) {
        const std::string why = e.what();
        EXPECT_NE(why.find("starts story 1,"), std::string::npos) << why;
        EXPECT_EQ(why.find("story 100"), std::string::npos) << why;
    }
    EXPECT_EQ(db_.items({}).size(), 1U);
    EXPECT_EQ(db_.list_stories({}).size(), 1U);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(stories_test, without_a_step_items_are_stored_unclustered) {
    const auto feed = add_feed("https://a.example/rss", "A");
    db_.store_refresh(ok_refresh(feed, t0, {item("a", t0)}));
    ASSERT_EQ(db_.items({}).size(), 1U);
    EXPECT_FALSE(db_.items({})[0].story_id);
    EXPECT_TRUE(db_.list_stories({}).empty());
    EXPECT_EQ(db_.max_story_id(), 0);
}

TEST(stories_files, a_reader_sees_stories_the_writer_committed) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto writer = database::open(path, open_mode::read_write);
    const auto feed = add_one_feed(writer, "A");
    script s;
    s.decisions = {starts(4)};
    writer.store_refresh(ok_refresh(feed, t0, {item("a", t0)}), s.step());

    auto reader = database::open(path, open_mode::read_only);
    const auto stories = reader.list_stories({});
    ASSERT_EQ(stories.size(), 1U);
    EXPECT_EQ(stories[0].id, 4);
    EXPECT_EQ(source_names(stories[0]), (std::vector<std::string>{"A"}));
    EXPECT_EQ(reader.windowed_signatures(t0).size(), 1U);
}

TEST(stories_files, a_version_1_database_upgrades_and_keeps_its_items) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    {
        auto db = database::open(path, open_mode::read_write);
        const auto feed = add_one_feed(db);
        db.store_refresh(ok_refresh(feed, t0, {item("a", t0)}));
    }
    test_support::downgrade_to_version_1(path);
    auto db = database::open(path, open_mode::read_write);
    const auto items = db.items({});
    ASSERT_EQ(items.size(), 1U);
    EXPECT_FALSE(items[0].story_id);
    EXPECT_TRUE(db.list_stories({}).empty());
    EXPECT_EQ(db.integrity_check(), "ok");
}

// Migration 11 moves the windowed signatures from item_signatures onto the member rows. A
// version-10 file with stories, a pruned window and a member without a signature reads the
// same after it, and keeps clustering and pruning.
TEST(stories_files, a_version_10_database_keeps_its_window_and_stories) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    script s;
    const std::string binary("\x00\x01\xff\x00sig", 7);
    s.decisions = {starts(1, "s1"), starts(2, binary), joins(1, 0.9, 0, "s3"),
                   starts(3, ""),   starts(4, "s5"),   joins(2, 0.8, 0, "s6")};
    auto windowed = [](database& db, timestamp since) {
        std::string out;
        for (const auto& w : db.windowed_signatures(since))
            out += fmt::format("{}:{}:{}:{} ", w.item_id, w.story_id, to_unix(w.time),
                               w.signature.size());
        return out;
    };
    std::string stories_before;
    std::string window_before;
    std::string window_late_before;
    std::int64_t feed = 0;
    {
        auto db = database::open(path, open_mode::read_write);
        feed = add_one_feed(db, "A");
        db.store_refresh(ok_refresh(feed, t0 + hours(1), {item("1", t0), item("2", t0)}), s.step());
        db.store_refresh(ok_refresh(feed, t0 + hours(2), {item("3", t0), item("4", t0)}), s.step());
        // The window moves past the first refresh: its two signatures go.
        db.store_refresh(ok_refresh(feed, t0 + hours(3), {item("5", t0)}),
                         s.step(t0 + hours(1) + minutes(30)));
        stories_before = described(db);
        window_before = windowed(db, timestamp::min());
        window_late_before = windowed(db, t0 + hours(3));
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        test_support::downgrade_to_version_10(raw);
        // Version 10 kept the window's two signatures of the second refresh (one member had
        // none) and the third's in a table of their own.
        ASSERT_EQ(raw.execAndGet("SELECT count(*) FROM item_signatures").getInt(), 2);
    }
    EXPECT_NE(window_before, window_late_before) << "not vacuous: the window spans two refreshes";

    auto db = database::open(path, open_mode::read_write);  // migrates 10 -> latest
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_EQ(described(db), stories_before);
    EXPECT_EQ(windowed(db, timestamp::min()), window_before);
    EXPECT_EQ(windowed(db, t0 + hours(3)), window_late_before);
    ASSERT_EQ(db.windowed_signatures(timestamp::min()).size(), 2U);
    EXPECT_EQ(db.windowed_signatures(timestamp::min())[1].signature, "s5");
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
        EXPECT_FALSE(raw.tableExists("item_signatures"));
        // The window begins at its first member, the third (seq 3).
        EXPECT_EQ(raw.execAndGet("SELECT first_seq FROM story_window").getInt(), 3);
    }
    // It goes on: a new member is windowed, and the next prune forgets the older ones.
    db.store_refresh(ok_refresh(feed, t0 + hours(4), {item("6", t0)}), s.step());
    EXPECT_EQ(db.windowed_signatures(timestamp::min()).size(), 3U);
    db.store_refresh(ok_refresh(feed, t0 + hours(5), {}), s.step(t0 + hours(3) + minutes(30)));
    const auto left = db.windowed_signatures(timestamp::min());
    ASSERT_EQ(left.size(), 1U);
    EXPECT_EQ(left[0].signature, "s6");
    EXPECT_EQ(left[0].story_id, 2);
    EXPECT_EQ(db.load_story(2)->member_count, 2);
    EXPECT_EQ(db.integrity_check(), "ok");
}

TEST(stories_files, a_version_12_database_keeps_its_stories_without_the_rows_of_one_member) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    script s;
    // Story 1 gets a member from a second outlet, story 2 (in the refresh that starts it) one
    // from its own; 3 and 4 have one member.
    s.decisions = {starts(1), starts(2), joins(2, 0.9, 0), joins(1, 0.8, 0), starts(3), starts(4)};
    std::string before;
    std::int64_t wire = 0;
    {
        auto db = database::open(path, open_mode::read_write);
        feed_spec wire_spec;
        wire_spec.config_url = "https://wire.example/rss";
        wire_spec.title = "Wire";
        feed_spec paper_spec;
        paper_spec.config_url = "https://paper.example/rss";
        paper_spec.title = "Paper";
        std::int64_t paper = 0;
        for (const auto& f : db.sync_feeds({wire_spec, paper_spec}, t0))
            (f.config_url == wire_spec.config_url ? wire : paper) = f.id;
        db.store_refresh(
            ok_refresh(wire, t0 + hours(1),
                       {item("1", t0), item("2", t0 + minutes(1)), item("3", t0 + minutes(2))}),
            s.step());
        db.store_refresh(ok_refresh(paper, t0 + hours(2),
                                    {item("p1", t0 - minutes(5)), item("p2", t0 + minutes(10)),
                                     item("p3", t0 + minutes(11))}),
                         s.step());
        before = described(db);
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        // Story 1 has two rows, story 2 one (one outlet); 3 and 4, of one member, none.
        ASSERT_EQ(raw.execAndGet("SELECT count(*) FROM story_sources").getInt(), 3);
        test_support::downgrade_to_version_12(raw);
        // Version 12 stored every story's first outlet.
        ASSERT_EQ(raw.execAndGet("SELECT count(*) FROM story_sources").getInt(), 5);
    }
    EXPECT_NE(before.find("members 1 sources 1: [Paper"), std::string::npos) << before;
    EXPECT_NE(before.find("members 2 sources 2: [Paper"), std::string::npos) << before;

    auto db = database::open(path, open_mode::read_write);  // migrates 12 -> latest
    EXPECT_EQ(db.integrity_check(), "ok");
    EXPECT_EQ(described(db), before);
    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
        EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM story_sources").getInt(), 3);
    }
    // A second member for story 4 stores its first one's row too: two outlets.
    s.decisions.push_back(joins(4, 0.9, 0));
    db.store_refresh(ok_refresh(wire, t0 + hours(3), {item("4", t0 + minutes(3))}), s.step());
    const auto four = db.load_story(4);
    ASSERT_TRUE(four);
    EXPECT_EQ(four->member_count, 2);
    EXPECT_EQ(four->source_count, 2);
    EXPECT_EQ(source_names(*four), (std::vector<std::string>{"Wire", "Paper"}));
    EXPECT_EQ(db.integrity_check(), "ok");
}

}  // namespace
}  // namespace feedd::storage
