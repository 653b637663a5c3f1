// Topics and timelines in the store: sync from config, matching on ingest inside the refresh's
// transaction, rebuilds, and the read model (real SQLite file).
#include "storage/topics.hpp"

#include <chrono>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "storage/digests.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/storage/guid_stories.hpp"

namespace feedd::storage {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

const timestamp t0{std::chrono::seconds{1'700'000'000}};

feeds::item item(std::string id, std::string title, std::vector<std::string> categories = {}) {
    feeds::item it;
    it.id = std::move(id);
    it.title = std::move(title);
    it.categories = std::move(categories);
    return it;
}

class topics_test : public ::testing::Test {
  protected:
    void SetUp() override { std::tie(wire_, paper_) = test_support::wire_and_paper(db_, t0); }

    // Stores items; each item's story id is the number after '@' in its guid.
    void store(std::int64_t feed, timestamp at, std::vector<feeds::item> items) {
        const auto r = test_support::poll_of(feed, at, std::move(items));
        db_.store_refresh(r, test_support::stories_from_guids(r, stories_));
    }

    void set_topics(const std::vector<topic_spec>& specs, timestamp now = t0) {
        sync_topics(db_, specs, now);
        db_.set_topics(load_topic_set(db_));
    }

    std::vector<std::int64_t> timeline(const std::string& name,
                                       std::optional<timestamp> since = std::nullopt,
                                       std::optional<int> limit = std::nullopt) {
        const auto entries = load_timeline(db_, name, since, limit);
        EXPECT_TRUE(entries) << name;
        std::vector<std::int64_t> ids;
        if (entries) {
            for (const auto& e : *entries)
                ids.push_back(e.story.id);
        }
        return ids;
    }

    test::temp_dir tmp_;
    const std::filesystem::path path_ = tmp_ / "feedd.db";
    database db_ = database::open(path_, open_mode::read_write);
    std::set<std::int64_t> stories_;
    std::int64_t wire_ = 0;
    std::int64_t paper_ = 0;
};

using ids = std::vector<std::int64_t>;

TEST_F(topics_test, sync_reports_new_and_changed_topics_and_keeps_removed_ones_inactive) {
    EXPECT_EQ(sync_topics(db_, {{"iran", "iran", {}, {}}, {"eu", "eu", {}, {}}}, t0),
              (std::vector<std::string>{"iran", "eu"}));
    EXPECT_TRUE(sync_topics(db_, {{"iran", "iran", {}, {}}, {"eu", "eu", {}, {}}}, t0).empty());
    EXPECT_EQ(sync_topics(db_, {{"iran", "iran OR tehran", {}, {}}}, t0 + hours(1)),
              (std::vector<std::string>{"iran"}));
    const auto rows = list_topic_rows(db_, true);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].name, "eu");
    EXPECT_FALSE(rows[0].active);
    EXPECT_EQ(rows[1].match, "iran OR tehran");
    EXPECT_EQ(rows[1].changed_at, t0 + hours(1));
    EXPECT_EQ(list_topic_rows(db_).size(), 1U);
}

TEST_F(topics_test, a_story_enters_when_any_item_matches_and_records_when) {
    set_topics({{"iran", "iran", {}, {}}, {"summit", R"("summit talks")", {}, {}}});
    store(wire_, t0, {item("a@1", "Markets calm"), item("b@2", "Summit talks in Geneva")});
    EXPECT_EQ(timeline("iran"), ids{});
    EXPECT_EQ(timeline("summit"), ids{2});
    // Story 1 gains a copy that mentions Iran: now it enters, at that item's fetch time.
    store(paper_, t0 + hours(2), {item("c@1", "Markets calm as Iran talks resume")});
    EXPECT_EQ(timeline("iran"), ids{1});
    const auto entries = *load_timeline(db_, "iran", std::nullopt, std::nullopt);
    EXPECT_EQ(entries[0].added_at, t0 + hours(2));
    EXPECT_EQ(entries[0].story.sources.size(), 2U);
    // Another matching copy of the same story does not add a second entry or move it.
    store(wire_, t0 + hours(3), {item("d@1", "Iran update")});
    const auto again = *load_timeline(db_, "iran", std::nullopt, std::nullopt);
    ASSERT_EQ(again.size(), 1U);
    EXPECT_EQ(again[0].added_at, t0 + hours(2));
}

TEST_F(topics_test, scopes_limit_feeds_and_tags) {
    set_topics({{"wire-iran", "iran", {"https://wire.example/rss"}, {}},
                {"tagged", "iran", {}, {"wire"}},
                {"sport", "category:football", {}, {}}});
    store(paper_, t0, {item("a@1", "Iran talks", {"Football"})});
    store(wire_, t0 + hours(1), {item("b@2", "Iran votes")});
    EXPECT_EQ(timeline("wire-iran"), ids{2});
    EXPECT_EQ(timeline("tagged"), ids{2});
    EXPECT_EQ(timeline("sport"), ids{1});
}

TEST_F(topics_test, topics_of_story_names_the_active_timelines_holding_it) {
    set_topics(
        {{"iran", "iran", {}, {}}, {"talks", "talks", {}, {}}, {"sport", "football", {}, {}}});
    store(wire_, t0, {item("a@1", "Iran talks resume"), item("b@2", "Markets calm")});
    EXPECT_EQ(topics_of_story(db_, 1), (std::vector<std::string>{"iran", "talks"}));
    EXPECT_EQ(topics_of_story(db_, 2), std::vector<std::string>{});
    set_topics({{"iran", "iran", {}, {}}});  // "talks" leaves the configuration
    EXPECT_EQ(topics_of_story(db_, 1), std::vector<std::string>{"iran"});
}

TEST_F(topics_test, timeline_newest_first_with_since_and_limit) {
    set_topics({{"iran", "iran", {}, {}}});
    store(wire_, t0, {item("a@1", "Iran one")});
    store(wire_, t0 + hours(1), {item("b@2", "Iran two")});
    store(wire_, t0 + hours(2), {item("c@3", "Iran three")});
    EXPECT_EQ(timeline("iran"), (ids{3, 2, 1}));
    EXPECT_EQ(timeline("iran", t0 + hours(1)), (ids{3, 2}));
    EXPECT_EQ(timeline("iran", std::nullopt, 1), (ids{3}));
    EXPECT_FALSE(load_timeline(db_, "nope", std::nullopt, std::nullopt));

    const auto summaries = list_topics(db_);
    ASSERT_EQ(summaries.size(), 1U);
    EXPECT_EQ(summaries[0].name, "iran");
    EXPECT_EQ(summaries[0].stories, 3);
    EXPECT_EQ(summaries[0].last_added, t0 + hours(2));
    EXPECT_TRUE(summaries[0].last_update);
}

TEST_F(topics_test, an_earlier_copy_moves_its_story_down_the_timeline_pages) {
    set_topics({{"iran", "iran", {}, {}}});
    auto one = item("a@1", "Iran one");
    one.published = t0 + hours(1);
    auto two = item("b@2", "Iran two");
    two.published = t0 + hours(2);
    store(wire_, t0 + hours(2), {one, two});
    EXPECT_EQ(timeline("iran"), (ids{2, 1}));
    EXPECT_EQ(timeline("iran", std::nullopt, 1), (ids{2}));
    // The paper had story 2 first: the story's first_seen moves back, and so does its entry.
    auto early = item("c@2", "Iran two, first");
    early.published = t0;
    store(paper_, t0 + hours(3), {early});
    EXPECT_EQ(timeline("iran"), (ids{1, 2}));
    EXPECT_EQ(timeline("iran", std::nullopt, 1), (ids{1}));
    const auto page = *load_timeline(db_, "iran", std::nullopt, 2);
    ASSERT_EQ(page.size(), 2U);
    EXPECT_EQ(page[1].story.first_seen, t0);
    EXPECT_EQ(page[1].story.sources.size(), 2U);
    EXPECT_EQ(page[1].story.items.size(), 2U);
    EXPECT_EQ(page[1].added_at, t0 + hours(2));
    // A rebuild writes the entries afresh and keeps the order.
    rebuild_timelines(db_, "iran");
    EXPECT_EQ(timeline("iran"), (ids{1, 2}));
}

TEST_F(topics_test, stories_load_together_in_the_order_asked_with_a_teaser) {
    auto plain = item("a@1", "Iran talks");
    plain.summary = "  Talks   resumed in Geneva.  ";
    auto html = item("b@2", "Markets");
    html.content_html = "<p>Markets <b>rallied</b></p><script>x</script>" + std::string(400, 'y');
    auto bare = item("c@3", "No text");
    store(wire_, t0, {plain, html, bare});
    const auto got = db_.load_stories({3, 99, 1, 2, 1});
    ASSERT_EQ(got.size(), 3U);  // 99 does not exist; 1 is given twice
    EXPECT_EQ(got[0].id, 3);
    EXPECT_EQ(got[1].id, 1);
    EXPECT_EQ(got[2].id, 2);
    EXPECT_FALSE(got[0].summary);
    EXPECT_EQ(got[1].summary, "Talks resumed in Geneva.");
    ASSERT_TRUE(got[2].summary);
    EXPECT_TRUE(got[2].summary->starts_with("Markets rallied"));
    EXPECT_TRUE(got[2].summary->ends_with("\u2026"));
    EXPECT_LE(got[2].summary->size(), summary_bytes + 3);
    EXPECT_EQ(got[1].items.size(), 1U);
    EXPECT_EQ(got[1].items[0].title, "Iran talks");
    EXPECT_TRUE(db_.load_stories({}).empty());
}

TEST_F(topics_test, edited_rules_apply_to_new_items_and_rebuild_re_evaluates_stored_ones) {
    set_topics({{"iran", "iran", {}, {}}});
    store(wire_, t0, {item("a@1", "Iran talks"), item("b@2", "Tehran votes")});
    EXPECT_EQ(timeline("iran"), ids{1});
    set_topics({{"iran", "tehran", {}, {}}}, t0 + hours(1));
    store(wire_, t0 + hours(1), {item("c@3", "Tehran again")});
    EXPECT_EQ(timeline("iran"), (ids{3, 1}));  // old entries stay until a rebuild

    const auto counts = rebuild_timelines(db_, "iran");
    ASSERT_EQ(counts.size(), 1U);
    EXPECT_EQ(counts[0], (std::pair<std::string, std::int64_t>{"iran", 2}));
    EXPECT_EQ(timeline("iran"), (ids{3, 2}));
    const auto entries = *load_timeline(db_, "iran", std::nullopt, std::nullopt);
    EXPECT_EQ(entries[1].added_at, t0);  // when its item was stored, not when rebuilt
    EXPECT_THROW(rebuild_timelines(db_, "nope"), std::invalid_argument);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(topics_test, timelines_survive_reopening_and_read_only_connections_read_them) {
    set_topics({{"iran", "iran", {}, {}}});
    store(wire_, t0, {item("a@1", "Iran talks")});
    db_ = database::open(path_, open_mode::read_write);
    auto reader = database::open(path_, open_mode::read_only);
    const auto entries = load_timeline(reader, "iran", std::nullopt, std::nullopt);
    ASSERT_TRUE(entries);
    ASSERT_EQ(entries->size(), 1U);
    EXPECT_EQ((*entries)[0].story.title, "Iran talks");
    EXPECT_EQ(list_topics(reader).at(0).stories, 1);
}

TEST_F(topics_test, without_topics_set_nothing_is_matched) {
    sync_topics(db_, {{"iran", "iran", {}, {}}}, t0);
    store(wire_, t0, {item("a@1", "Iran talks")});
    EXPECT_EQ(timeline("iran"), ids{});
}

// Digests (storage/digests.hpp): what a topic still owes, once per period, never twice a story.
TEST_F(topics_test, digests_record_once_per_period_and_never_repeat_a_story) {
    set_topics({{"iran", "iran", {}, {}}});
    store(wire_, t0, {item("a@1", "Iran talks"), item("b@2", "Iran oil")});
    store(paper_, t0 + hours(1), {item("c@2", "Iran oil exports")});
    const auto unsent = [&] {
        ids out;
        // A named optional: a range-for over *temporary would read a destroyed vector.
        const auto entries = unsent_stories(db_, "iran", 1, std::nullopt, 50);
        for (const auto& e : *entries)
            out.push_back(e.story.id);
        return out;
    };
    EXPECT_EQ(unsent(), (ids{2, 1}));  // two sources first
    EXPECT_EQ(unsent_stories(db_, "iran", 2, std::nullopt, 50)->size(), 1U);
    EXPECT_FALSE(unsent_stories(db_, "nope", 1, std::nullopt, 50));

    new_digest d;
    d.topic = "iran";
    d.period = "2023-11-14";
    d.recipients = {"a@example.org"};
    d.message_id = "m1@example.org";
    d.message = "Subject: x\r\n\r\nbody\r\n";
    d.story_ids = {2};
    d.created_at = t0 + hours(2);
    const auto id = add_digest(db_, d);
    ASSERT_TRUE(id);
    EXPECT_EQ(unsent(), ids{1});  // a pending digest reserves its stories
    EXPECT_TRUE(has_digest(db_, "iran", "2023-11-14"));
    // The same period again, or a story already in a digest: nothing recorded.
    d.message_id = "m2@example.org";
    EXPECT_FALSE(add_digest(db_, d));
    d.period = "2023-11-15";
    EXPECT_FALSE(add_digest(db_, d));

    auto due = due_digests(db_, t0 + hours(2));
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].message, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_EQ(due[0].stories, 1);
    ASSERT_TRUE(due_digest(db_, *id, t0 + hours(2)));
    EXPECT_EQ(due_digest(db_, *id, t0 + hours(2))->message_id, "m1@example.org");
    mark_digest_failed(db_, *id, "451 try later", t0 + hours(3));
    EXPECT_TRUE(due_digests(db_, t0 + hours(2)).empty());  // waits for its retry time
    EXPECT_FALSE(due_digest(db_, *id, t0 + hours(2)));
    due = due_digests(db_, t0 + hours(3));
    ASSERT_EQ(due.size(), 1U);
    EXPECT_EQ(due[0].attempts, 1);
    EXPECT_EQ(due[0].last_error, "451 try later");
    mark_digest_sent(db_, *id, t0 + hours(3));
    EXPECT_TRUE(due_digests(db_, t0 + hours(9)).empty());
    EXPECT_FALSE(due_digest(db_, *id, t0 + hours(9)));  // sent: another sender skips it
    const auto listed = list_digests(db_, 10);
    ASSERT_EQ(listed.size(), 1U);
    EXPECT_EQ(listed[0].status, digest_status::sent);
    EXPECT_EQ(listed[0].attempts, 2);
    EXPECT_EQ(listed[0].sent_at, t0 + hours(3));
    EXPECT_EQ(unsent(), ids{1});
}

}  // namespace
}  // namespace feedd::storage
