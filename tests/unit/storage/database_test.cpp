#include "storage/database.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <gtest/gtest.h>

#include "storage/database_access.hpp"
#include "storage/search.hpp"
#include "tests/support/errors.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/unit/storage/full_disk.hpp"

namespace feedd::storage {
namespace {

using test_support::fix_file_size;
using test_support::free_file_size;

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using test::runtime_error_of;

const timestamp t0{seconds{1'700'000'000}};

feed_spec spec(std::string config_url, std::optional<std::string> title = std::nullopt,
               std::vector<std::string> tags = {}, seconds interval = minutes(15)) {
    feed_spec s;
    s.config_url = std::move(config_url);
    s.title = std::move(title);
    s.tags = std::move(tags);
    s.interval = interval;
    return s;
}

item_query query(std::optional<std::string> feed_url = std::nullopt,
                 std::optional<timestamp> since = std::nullopt,
                 std::optional<int> limit = std::nullopt) {
    item_query q;
    q.feed_url = std::move(feed_url);
    q.since = since;
    q.limit = limit;
    return q;
}

feeds::item item_with_id(std::string id, std::string title = "title") {
    feeds::item it;
    it.id = std::move(id);
    it.title = std::move(title);
    return it;
}

feeds::item item_with_link(std::string link) {
    feeds::item it;
    it.link = std::move(link);
    it.title = "linked";
    return it;
}

feeds::item item_without_id_or_link(std::string title, timestamp published) {
    feeds::item it;
    it.title = std::move(title);
    it.published = published;
    return it;
}

refresh ok_refresh(std::int64_t feed_id, timestamp at, std::vector<feeds::item> items = {}) {
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

refresh failed_refresh(std::int64_t feed_id, timestamp at) {
    refresh r;
    r.feed_id = feed_id;
    r.fetched_at = at;
    r.outcome = "http_server";
    r.http_status = 503;
    r.error = "503 Service Unavailable";
    r.success = false;
    r.next_poll = at + hours(1);
    return r;
}

std::vector<std::string> titles(const std::vector<stored_item>& items) {
    std::vector<std::string> out;
    for (const auto& it : items)
        out.push_back(it.title.value_or("<none>"));
    return out;
}

class database_test : public ::testing::Test {
  protected:
    database db_ = database::open(":memory:", open_mode::read_write);

    std::int64_t add_feed(const std::string& url) {
        auto rows = db_.sync_feeds({spec(url)}, t0);
        auto it = std::find_if(rows.begin(), rows.end(),
                               [&](const feed_row& f) { return f.config_url == url; });
        if (it == rows.end()) throw std::logic_error("feed not added");
        return it->id;
    }
};

TEST_F(database_test, sync_adds_new_feeds_due_now_with_url_equal_to_config_url) {
    const auto rows =
        db_.sync_feeds({spec("https://a.example/feed", "A", {"news", "tech"}, minutes(30)),
                        spec("https://b.example/rss")},
                       t0);
    ASSERT_EQ(rows.size(), 2U);
    EXPECT_EQ(rows[0].config_url, "https://a.example/feed");
    EXPECT_EQ(rows[0].url, "https://a.example/feed");
    EXPECT_EQ(rows[0].title, "A");
    EXPECT_EQ(rows[0].tags, (std::vector<std::string>{"news", "tech"}));
    EXPECT_EQ(rows[0].interval, minutes(30));
    EXPECT_EQ(rows[0].next_poll, t0);
    EXPECT_TRUE(rows[0].active);
    EXPECT_EQ(rows[0].error_count, 0);
    EXPECT_EQ(rows[0].last_outcome, "");
    EXPECT_FALSE(rows[0].last_fetch);
    EXPECT_EQ(rows[0].item_count, 0);
    EXPECT_EQ(rows[1].title, std::nullopt);
    EXPECT_EQ(rows[1].interval, minutes(15));
    EXPECT_EQ(db_.due_feeds(t0).size(), 2U);
    EXPECT_TRUE(db_.due_feeds(t0 - seconds(1)).empty());
}

TEST_F(database_test, sync_updates_known_feeds_and_deactivates_dropped_ones) {
    const auto first =
        db_.sync_feeds({spec("https://a.example/feed", "A"), spec("https://b.example/rss")}, t0);
    const auto a_id = first[0].id;
    const auto b_id = first[1].id;
    ASSERT_EQ(db_.store_refresh(ok_refresh(b_id, t0, {item_with_id("b1")})).new_items, 1);

    const auto second = db_.sync_feeds(
        {spec("https://a.example/feed", "A2", {"x"}, hours(2)), spec("https://c.example/atom")},
        t0 + hours(1));
    ASSERT_EQ(second.size(), 2U);   // only active feeds
    EXPECT_EQ(second[0].id, a_id);  // same identity, updated in place
    EXPECT_EQ(second[0].title, "A2");
    EXPECT_EQ(second[0].tags, std::vector<std::string>{"x"});
    EXPECT_EQ(second[0].interval, hours(2));
    EXPECT_EQ(second[0].next_poll, t0);  // an update does not reschedule
    EXPECT_EQ(second[1].config_url, "https://c.example/atom");
    EXPECT_EQ(second[1].next_poll, t0 + hours(1));

    const auto b = db_.feed(b_id);
    ASSERT_TRUE(b);
    EXPECT_FALSE(b->active);
    EXPECT_EQ(b->item_count, 1);  // its items stay
    EXPECT_EQ(db_.feeds(true).size(), 3U);
    EXPECT_EQ(db_.items(query()).size(), 1U);
    for (const auto& due : db_.due_feeds(t0 + hours(5)))
        EXPECT_NE(due.id, b_id);

    // Configured again: the same row comes back to life.
    const auto third = db_.sync_feeds({spec("https://b.example/rss")}, t0 + hours(2));
    ASSERT_EQ(third.size(), 1U);
    EXPECT_EQ(third[0].id, b_id);
    EXPECT_TRUE(third[0].active);
    EXPECT_EQ(third[0].item_count, 0) << "the scheduler's rows do not count items";
    EXPECT_EQ(db_.feed(b_id)->item_count, 1);
}

TEST_F(database_test, a_shortened_interval_or_a_returning_feed_is_due_sooner) {
    const std::string url = "https://a.example/feed";
    const auto id = add_feed(url);
    db_.sync_feeds({spec(url, std::nullopt, {}, hours(24))}, t0);
    auto r = ok_refresh(id, t0);
    r.next_poll = t0 + hours(24);
    db_.store_refresh(r);

    // 24 h → 15 min: due 15 min after the last fetch, not a day later.
    db_.sync_feeds({spec(url, std::nullopt, {}, minutes(15))}, t0 + minutes(1));
    EXPECT_EQ(db_.feed(id)->next_poll, t0 + minutes(15));
    // Lengthening never postpones what is already scheduled.
    db_.sync_feeds({spec(url, std::nullopt, {}, hours(6))}, t0 + minutes(2));
    EXPECT_EQ(db_.feed(id)->next_poll, t0 + minutes(15));

    // Removed, then configured again: polled at once.
    db_.sync_feeds({}, t0 + minutes(3));
    db_.sync_feeds({spec(url)}, t0 + minutes(4));
    EXPECT_EQ(db_.feed(id)->next_poll, t0 + minutes(4));
    EXPECT_TRUE(db_.feed(id)->active);

    // A feed backing off after errors keeps its back-off.
    auto failed = failed_refresh(id, t0 + minutes(5));
    failed.next_poll = t0 + hours(4);
    db_.store_refresh(failed);
    db_.sync_feeds({spec(url, std::nullopt, {}, minutes(1))}, t0 + minutes(6));
    EXPECT_EQ(db_.feed(id)->next_poll, t0 + hours(4));
}

TEST_F(database_test, a_restart_keeps_the_adaptive_schedule_of_an_unchanged_interval) {
    // The scheduler learnt that this feed publishes daily and set its next poll a day out,
    // past last_fetch + its configured 15 minutes; a restart syncs the same configuration
    // and must leave that alone (it pulled every such feed forward: a restart polled them all).
    const std::string url = "https://a.example/feed";
    const auto id = add_feed(url);  // every 15 minutes
    auto r = ok_refresh(id, t0);
    r.next_poll = t0 + hours(25);
    db_.store_refresh(r);

    db_.sync_feeds({spec(url, std::nullopt, {}, minutes(15))}, t0 + hours(1));

    EXPECT_EQ(db_.feed(id)->next_poll, t0 + hours(25));
    EXPECT_TRUE(db_.due_feeds(t0 + hours(2)).empty());
}

TEST_F(database_test, sync_with_an_empty_list_deactivates_everything) {
    add_feed("https://a.example/feed");
    EXPECT_TRUE(db_.sync_feeds({}, t0).empty());
    ASSERT_EQ(db_.feeds(true).size(), 1U);
    EXPECT_FALSE(db_.feeds(true)[0].active);
}

// The daemon derives keys, JSON columns and (for a feed's first document) the index text on
// its CPU pool; what is stored must not depend on where they were derived.
TEST_F(database_test, prepared_items_store_what_the_transaction_would_derive) {
    const auto plain = add_feed("https://a.example/feed");
    const auto folded = add_feed("https://b.example/feed");
    const auto unfolded = add_feed("https://c.example/feed");
    auto first = item_with_id("guid-1", "Quarterly results");
    first.summary = "<p>Counting <b>continues</b></p>";
    feeds::person author;
    author.name = "Ann";
    first.authors = {author};
    first.categories = {"politics"};
    const std::vector<feeds::item> items{first, item_with_link("https://a.example/post/2"),
                                         item_with_id("guid-1", "the same guid again")};
    EXPECT_EQ(db_.store_refresh(ok_refresh(plain, t0, items)).new_items, 2);
    auto with_folding = ok_refresh(folded, t0, items);
    with_folding.prepared = prepare_items(items, true);
    const auto stored = db_.store_refresh(with_folding);
    EXPECT_EQ(stored.new_items, 2);
    EXPECT_EQ(stored.known_items, 1);  // the repeated guid, as without prepared items
    auto without_folding = ok_refresh(unfolded, t0, items);
    without_folding.prepared = prepare_items(items, false);
    EXPECT_EQ(db_.store_refresh(without_folding).new_items, 2);

    const auto expected = db_.items(query("https://a.example/feed"));
    ASSERT_EQ(expected.size(), 2U);
    for (const auto* url : {"https://b.example/feed", "https://c.example/feed"}) {
        const auto got = db_.items(query(url));
        ASSERT_EQ(got.size(), expected.size()) << url;
        for (std::size_t i = 0; i < got.size(); ++i) {
            EXPECT_EQ(got[i].key, expected[i].key) << url;
            EXPECT_EQ(got[i].title, expected[i].title) << url;
            EXPECT_EQ(got[i].authors, expected[i].authors) << url;
            EXPECT_EQ(got[i].categories, expected[i].categories) << url;
        }
    }
    // The index text folded on the pool finds the items as the text folded in the transaction.
    search_request request;
    request.expression = "counting";
    EXPECT_EQ(search(db_, request).items.size(), 3U);
}

TEST_F(database_test, prepared_items_that_do_not_match_the_items_are_refused) {
    const auto id = add_feed("https://a.example/feed");
    auto r = ok_refresh(id, t0, {item_with_id("a"), item_with_id("b")});
    r.prepared = prepare_items({item_with_id("a")}, false);
    EXPECT_THROW(db_.store_refresh(r), std::logic_error);
    EXPECT_TRUE(db_.items(query()).empty());
}

TEST_F(database_test, store_refresh_inserts_new_items_and_never_twice) {
    const auto id = add_feed("https://a.example/feed");
    const std::vector<feeds::item> items{item_with_id("guid-1"),
                                         item_with_link("https://a.example/post/2"),
                                         item_without_id_or_link("no id", t0 - hours(3))};
    const auto first = db_.store_refresh(ok_refresh(id, t0, items));
    EXPECT_EQ(first.new_items, 3);
    EXPECT_EQ(first.known_items, 0);

    const auto second = db_.store_refresh(ok_refresh(id, t0 + minutes(15), items));
    EXPECT_EQ(second.new_items, 0);
    EXPECT_EQ(second.known_items, 3);

    const auto stored = db_.items(query());
    ASSERT_EQ(stored.size(), 3U);
    std::vector<std::string> kinds;
    for (const auto& it : stored) {
        kinds.push_back(it.key.substr(0, it.key.find(':') + 1));
        EXPECT_EQ(it.first_seen, t0);  // from the first refresh, not the second
        EXPECT_EQ(it.feed_id, id);
        EXPECT_EQ(it.feed_url, "https://a.example/feed");
    }
    std::sort(kinds.begin(), kinds.end());
    EXPECT_EQ(kinds, (std::vector<std::string>{"hash:", "id:", "link:"}));
    EXPECT_EQ(db_.feed(id)->item_count, 3);
}

TEST_F(database_test, an_item_polled_again_with_new_text_is_stored_once_as_first_seen) {
    const auto id = add_feed("https://a.example/feed");
    db_.store_refresh(ok_refresh(id, t0, {item_with_id("guid-1", "original")}));
    const auto again =
        db_.store_refresh(ok_refresh(id, t0 + hours(1), {item_with_id("guid-1", "edited")}));
    EXPECT_EQ(again.new_items, 0);
    EXPECT_EQ(again.known_items, 1);
    EXPECT_EQ(titles(db_.items(query())), std::vector<std::string>{"original"});
}

TEST_F(database_test, the_same_item_key_in_two_feeds_is_two_items) {
    const auto a = add_feed("https://a.example/feed");
    const auto b =
        db_.sync_feeds({spec("https://a.example/feed"), spec("https://b.example/feed")}, t0)[1].id;
    EXPECT_EQ(db_.store_refresh(ok_refresh(a, t0, {item_with_id("shared")})).new_items, 1);
    EXPECT_EQ(db_.store_refresh(ok_refresh(b, t0, {item_with_id("shared")})).new_items, 1);
    EXPECT_EQ(db_.items(query()).size(), 2U);
}

TEST_F(database_test, duplicates_within_one_refresh_are_stored_once) {
    const auto id = add_feed("https://a.example/feed");
    const auto result = db_.store_refresh(ok_refresh(
        id, t0,
        {item_with_id("dup", "first"), item_with_id("dup", "second"), item_with_id("other")}));
    EXPECT_EQ(result.new_items, 2);
    EXPECT_EQ(result.known_items, 1);
    // The first occurrence is the one stored.
    auto stored = titles(db_.items(query()));
    std::sort(stored.begin(), stored.end());
    EXPECT_EQ(stored, (std::vector<std::string>{"first", "title"}));
}

TEST_F(database_test, item_fields_round_trip) {
    db_.sync_feeds({spec("https://a.example/feed")}, t0);
    const auto id = db_.feeds()[0].id;
    feeds::item it = item_with_id("guid-1", "Title");
    it.link = "https://a.example/1";
    it.published = t0 - hours(1);
    it.updated = t0 - minutes(30);
    it.summary = "plain summary";
    it.content_html = "<p>html</p>";
    it.authors = {{.name = "Ann", .email = "ann@example.org", .url = std::nullopt},
                  {.name = std::nullopt, .email = "bob@example.org", .url = std::nullopt}};
    it.categories = {"c1", "c2"};
    it.enclosures = {{.url = "https://a.example/1.mp3", .type = "audio/mpeg", .length = 1234}};
    auto r = ok_refresh(id, t0, {it});
    r.feed_title = "Feed's own title";
    db_.store_refresh(r);

    const auto stored = db_.items(query());
    ASSERT_EQ(stored.size(), 1U);
    const auto& s = stored[0];
    EXPECT_EQ(s.guid, "guid-1");
    EXPECT_EQ(s.title, "Title");
    EXPECT_EQ(s.link, "https://a.example/1");
    EXPECT_EQ(s.published, t0 - hours(1));
    EXPECT_EQ(s.updated, t0 - minutes(30));
    EXPECT_EQ(s.summary, "plain summary");
    EXPECT_EQ(s.content_html, "<p>html</p>");
    EXPECT_EQ(s.authors, (std::vector<std::string>{"Ann", "bob@example.org"}));
    EXPECT_EQ(s.categories, (std::vector<std::string>{"c1", "c2"}));
    EXPECT_EQ(s.feed_title, "Feed's own title");  // no configured title
    EXPECT_EQ(s.first_seen, t0);
    EXPECT_EQ(db_.feed(id)->title, "Feed's own title");

    // A configured title wins over the document's.
    db_.sync_feeds({spec("https://a.example/feed", "Mine")}, t0);
    EXPECT_EQ(db_.items(query())[0].feed_title, "Mine");
    EXPECT_EQ(db_.feed(id)->title, "Mine");
}

TEST_F(database_test, success_records_state_and_replaces_validators) {
    const auto id = add_feed("https://a.example/feed");
    auto r = ok_refresh(id, t0);
    r.etag = "\"v1\"";
    r.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
    db_.store_refresh(r);
    auto f = db_.feed(id);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->etag, "\"v1\"");
    EXPECT_EQ(f->last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
    EXPECT_EQ(f->last_fetch, t0);
    EXPECT_EQ(f->last_success, t0);
    EXPECT_EQ(f->last_outcome, "ok");
    EXPECT_EQ(f->last_status, 200);
    EXPECT_EQ(f->next_poll, t0 + minutes(15));

    // A 200 with only an ETag replaces both validators: the old date is stale now.
    auto r2 = ok_refresh(id, t0 + hours(1));
    r2.etag = "\"v2\"";
    db_.store_refresh(r2);
    f = db_.feed(id);
    EXPECT_EQ(f->etag, "\"v2\"");
    EXPECT_EQ(f->last_modified, std::nullopt);
}

TEST_F(database_test, not_modified_without_validators_keeps_the_stored_ones) {
    const auto id = add_feed("https://a.example/feed");
    auto r = ok_refresh(id, t0);
    r.etag = "\"v1\"";
    r.feed_title = "Doc title";
    db_.store_refresh(r);

    refresh nm = ok_refresh(id, t0 + hours(1));
    nm.outcome = "not_modified";
    nm.http_status = 304;
    db_.store_refresh(nm);
    const auto f = db_.feed(id);
    EXPECT_EQ(f->etag, "\"v1\"");
    EXPECT_EQ(f->last_outcome, "not_modified");
    EXPECT_EQ(f->last_status, 304);
    EXPECT_EQ(f->last_success, t0 + hours(1));
    EXPECT_EQ(f->title, "Doc title");  // a 304 has no document; the title stays

    refresh nm2 = nm;
    nm2.fetched_at = t0 + hours(2);
    nm2.etag = "\"v2\"";
    db_.store_refresh(nm2);
    EXPECT_EQ(db_.feed(id)->etag, "\"v2\"");
}

TEST_F(database_test, failure_counts_up_keeps_validators_and_success_resets) {
    const auto id = add_feed("https://a.example/feed");
    auto ok = ok_refresh(id, t0);
    ok.etag = "\"v1\"";
    ok.last_modified = "Tue, 14 Nov 2023 22:13:20 GMT";
    db_.store_refresh(ok);

    db_.store_refresh(failed_refresh(id, t0 + hours(1)));
    auto f = db_.feed(id);
    EXPECT_EQ(f->error_count, 1);
    EXPECT_EQ(f->etag, "\"v1\"");
    EXPECT_EQ(f->last_modified, "Tue, 14 Nov 2023 22:13:20 GMT");
    EXPECT_EQ(f->last_fetch, t0 + hours(1));
    EXPECT_EQ(f->last_success, t0);
    EXPECT_EQ(f->last_outcome, "http_server");
    EXPECT_EQ(f->last_status, 503);
    EXPECT_EQ(f->last_error, "503 Service Unavailable");
    EXPECT_EQ(f->next_poll, t0 + hours(2));

    auto fail2 = failed_refresh(id, t0 + hours(2));
    fail2.etag = "\"ignored\"";  // a failed fetch must never change validators
    fail2.new_url = "https://ignored.example/";
    db_.store_refresh(fail2);
    f = db_.feed(id);
    EXPECT_EQ(f->error_count, 2);
    EXPECT_EQ(f->etag, "\"v1\"");
    EXPECT_EQ(f->url, "https://a.example/feed");

    auto ok2 = ok_refresh(id, t0 + hours(3));
    db_.store_refresh(ok2);
    f = db_.feed(id);
    EXPECT_EQ(f->error_count, 0);
    EXPECT_EQ(f->last_error, "");
    EXPECT_EQ(f->last_success, t0 + hours(3));
}

TEST_F(database_test, a_redirect_that_does_not_repeat_is_forgotten) {
    const auto id = add_feed("https://old.example/feed");
    auto r = ok_refresh(id, t0, {item_with_id("x")});
    r.new_url = "https://a.example/feed";
    db_.store_refresh(r);
    r.new_url = "https://b.example/feed";  // a different target: counting starts over
    db_.store_refresh(r);
    EXPECT_EQ(db_.feed(id)->url, "https://old.example/feed");
    EXPECT_EQ(db_.feed(id)->redirect_seen, 1);
    r.new_url.reset();  // answered directly
    db_.store_refresh(r);
    EXPECT_EQ(db_.feed(id)->redirect_seen, 0);
    EXPECT_FALSE(db_.feed(id)->redirect_to);
    r.new_url = "https://b.example/feed";
    db_.store_refresh(r);
    EXPECT_EQ(db_.feed(id)->url, "https://old.example/feed");
}

TEST_F(database_test, poll_state_and_host_blocks_survive_reopening) {
    const auto id = add_feed("https://a.example/feed");
    auto r = ok_refresh(id, t0, {item_with_id("x")});
    r.schedule.rate_interval = std::chrono::hours(2);
    r.schedule.ttl = std::chrono::minutes(90);
    r.schedule.skip_hours = 0b101;
    r.schedule.skip_days = 1;
    r.poll_reason = "ttl 1h30m";
    db_.store_refresh(r);
    db_.block_host({"example.org", t0 + hours(1), "HTTP 429 Retry-After 1h"});
    auto f = db_.feed(id);
    EXPECT_EQ(f->schedule.rate_interval, std::chrono::hours(2));
    EXPECT_EQ(f->schedule.ttl, std::chrono::minutes(90));
    EXPECT_FALSE(f->schedule.max_age);
    EXPECT_EQ(f->schedule.skip_hours, 0b101u);
    EXPECT_EQ(f->schedule.skip_days, 1u);
    EXPECT_EQ(f->poll_reason, "ttl 1h30m");
    ASSERT_EQ(db_.host_blocks(t0).size(), 1U);
    EXPECT_EQ(db_.host_blocks(t0)[0].host, "example.org");
    EXPECT_EQ(db_.host_blocks(t0)[0].not_before, t0 + hours(1));
    EXPECT_TRUE(db_.host_blocks(t0 + hours(1)).empty()) << "an expired wait is not in force";
    // Due feeds carry the state the scheduler needs.
    const auto due = db_.due_feeds(r.next_poll);
    ASSERT_FALSE(due.empty());
    EXPECT_EQ(due[0].schedule.ttl, std::chrono::minutes(90));
}

TEST_F(database_test, a_refresh_that_fails_inside_a_batch_is_undone_alone) {
    const auto a = add_feed("https://a.example/feed");
    const auto b = add_feed("https://b.example/feed");
    {
        write_batch batch(db_);
        EXPECT_TRUE(db_.in_batch());
        EXPECT_EQ(
            db_.store_refresh(ok_refresh(a, t0, {item_with_id("1"), item_with_id("2")})).new_items,
            2);
        // No such feed: its item is written first, then the refresh throws.
        EXPECT_THROW(db_.store_refresh(ok_refresh(9999, t0, {item_with_id("x")})),
                     std::runtime_error);
        EXPECT_EQ(db_.store_refresh(ok_refresh(b, t0, {item_with_id("3")})).new_items, 1);
        batch.commit();
    }
    EXPECT_FALSE(db_.in_batch());
    EXPECT_EQ(titles(db_.items(query())).size(), 3U);
    EXPECT_EQ(db_.feed(a)->last_outcome, "ok");
    EXPECT_EQ(db_.feed(b)->last_outcome, "ok");
    // Outside a batch, store_refresh has its own transaction again.
    EXPECT_EQ(db_.store_refresh(ok_refresh(a, t0 + hours(1), {item_with_id("4")})).new_items, 1);
    EXPECT_EQ(db_.items(query()).size(), 4U);
}

// The writer writes a batch's full-text rows while it waits for the next refresh
// (write_pending_index_rows): each row once, committed or rolled back with its item.
TEST_F(database_test, index_rows_written_between_refreshes_go_with_their_batch) {
    const auto a = add_feed("https://a.example/feed");
    const auto b = add_feed("https://b.example/feed");
    search_request harbour;
    harbour.expression = "harbour";
    {
        write_batch batch(db_);
        EXPECT_FALSE(db_.write_pending_index_rows(0)) << "nothing stored yet";
        db_.store_refresh(ok_refresh(
            a, t0, {item_with_id("1", "Harbour one"), item_with_id("2", "Harbour two")}));
        EXPECT_FALSE(db_.write_pending_index_rows(1 << 20)) << "less text waits than asked for";
        EXPECT_TRUE(db_.write_pending_index_rows(0));
        EXPECT_FALSE(db_.write_pending_index_rows(0)) << "written once";
        EXPECT_THROW(db_.store_refresh(ok_refresh(9999, t0, {item_with_id("x", "Harbour lost")})),
                     std::runtime_error);
        db_.store_refresh(ok_refresh(b, t0, {item_with_id("3", "Harbour three")}));
        batch.commit();
    }
    EXPECT_EQ(search(db_, harbour).items.size(), 3U);
    EXPECT_EQ(db_.integrity_check(), "ok");  // FTS5's integrity-check too: every row, once
    {
        write_batch batch(db_);  // left without commit: the early rows go with their item
        db_.store_refresh(ok_refresh(a, t0 + hours(1), {item_with_id("4", "Harbour four")}));
        EXPECT_TRUE(db_.write_pending_index_rows(0));
    }
    EXPECT_EQ(search(db_, harbour).items.size(), 3U);
    EXPECT_EQ(db_.integrity_check(), "ok");
    EXPECT_FALSE(db_.write_pending_index_rows(0)) << "no batch open";
}

// FTS5 writes the rows handed to it when the next savepoint begins; if that fails (here: the
// file may not grow), the rows are lost, so the batch can only roll back, and says why.
TEST_F(database_test, a_failed_index_write_between_refreshes_rolls_the_batch_back) {
    const auto a = add_feed("https://a.example/feed");
    auto& conn = database_access::connection(db_);
    // Enough distinct words that their index segment needs pages the file does not have free.
    auto wordy = item_with_id("1", "Harbour one");
    wordy.summary = std::string();
    for (int w = 0; w < 20000; ++w)
        *wordy.summary += "w" + std::to_string(w) + " ";
    db_.begin_batch();
    db_.store_refresh(ok_refresh(a, t0, {wordy}));
    fix_file_size(conn);
    ASSERT_TRUE(db_.write_pending_index_rows(0));
    const auto refused = runtime_error_of([&] {
        db_.store_refresh(ok_refresh(a, t0 + hours(1), {item_with_id("2", "Harbour two")}));
    });
    ASSERT_FALSE(refused.empty()) << "a refresh began after the index rows could not be written";
    EXPECT_NE(refused.find("database or disk is full"), std::string::npos) << refused;
    EXPECT_NE(refused.find("fetched again at its next poll"), std::string::npos) << refused;
    EXPECT_FALSE(db_.write_pending_index_rows(0)) << "the batch has failed";
    const auto why = runtime_error_of([&] { db_.commit_batch(); });
    ASSERT_FALSE(why.empty()) << "the batch committed items the index does not hold";
    EXPECT_NE(why.find("rolled back"), std::string::npos) << why;
    EXPECT_NE(why.find("full-text index failed"), std::string::npos) << why;
    EXPECT_NE(why.find("database or disk is full"), std::string::npos) << why;
    EXPECT_TRUE(db_.items(query()).empty());
    free_file_size(conn);
    EXPECT_EQ(db_.integrity_check(), "ok");
    {
        write_batch batch(db_);
        EXPECT_EQ(
            db_.store_refresh(ok_refresh(a, t0 + hours(2), {item_with_id("1", "Harbour one")}))
                .new_items,
            1);
        batch.commit();
    }
    search_request harbour;
    harbour.expression = "harbour";
    EXPECT_EQ(search(db_, harbour).items.size(), 1U);
}

// A full disk mid-batch: SQLite rolls the whole transaction back on its own, so every refresh
// of the batch fails, and each says why (not "cannot commit - no transaction is active").
TEST_F(database_test, a_batch_that_fills_the_disk_fails_with_the_reason_and_keeps_what_was_stored) {
    const auto a = add_feed("https://a.example/feed");
    ASSERT_EQ(db_.store_refresh(ok_refresh(a, t0, {item_with_id("kept")})).new_items, 1);
    auto& conn = database_access::connection(db_);
    fix_file_size(conn);
    auto big = item_with_id("big");
    big.content_html = std::string(512 * 1024, 'x');
    db_.begin_batch();
    const auto first =
        runtime_error_of([&] { db_.store_refresh(ok_refresh(a, t0 + hours(1), {big})); });
    ASSERT_FALSE(first.empty())
        << "a refresh that needs more pages than the file may have was stored";
    EXPECT_NE(first.find("full"), std::string::npos) << first;
    const auto after = runtime_error_of(
        [&] { db_.store_refresh(ok_refresh(a, t0 + hours(1), {item_with_id("after")})); });
    ASSERT_FALSE(after.empty()) << "a refresh was stored into a transaction SQLite had rolled back";
    EXPECT_NE(after.find("database or disk is full"), std::string::npos) << after;
    const auto why = runtime_error_of([&] { db_.commit_batch(); });
    ASSERT_FALSE(why.empty()) << "the batch committed";
    EXPECT_NE(why.find("rolled back"), std::string::npos) << why;
    EXPECT_NE(why.find("database or disk is full"), std::string::npos) << why;
    EXPECT_EQ(why.find("no transaction is active"), std::string::npos) << why;
    EXPECT_FALSE(db_.in_batch());
    EXPECT_EQ(titles(db_.items(query())).size(), 1U);
    EXPECT_EQ(conn.execAndGet("PRAGMA integrity_check").getString(), "ok");
    // Space again: the next batch stores as if nothing had happened.
    free_file_size(conn);
    {
        write_batch batch(db_);
        EXPECT_EQ(db_.store_refresh(ok_refresh(a, t0 + hours(2), {big})).new_items, 1);
        batch.commit();
    }
    EXPECT_EQ(db_.items(query()).size(), 2U);
}

TEST_F(database_test, a_batch_left_without_commit_stores_nothing) {
    const auto a = add_feed("https://a.example/feed");
    {
        write_batch batch(db_);
        db_.store_refresh(ok_refresh(a, t0, {item_with_id("1")}));
        EXPECT_THROW(db_.begin_batch(), std::logic_error) << "batches do not nest";
    }
    EXPECT_FALSE(db_.in_batch());
    EXPECT_TRUE(db_.items(query()).empty());
    EXPECT_EQ(db_.feed(a)->last_outcome, "");
    EXPECT_THROW(db_.commit_batch(), std::logic_error);
}

TEST_F(database_test, new_url_changes_the_fetch_url_but_not_the_identity) {
    const auto id = add_feed("https://old.example/feed");
    auto r = ok_refresh(id, t0, {item_with_id("x")});
    r.new_url = "https://new.example/feed";
    db_.store_refresh(r);
    auto f = db_.feed(id);
    // One permanent redirect is remembered, not yet obeyed.
    EXPECT_EQ(f->url, "https://old.example/feed");
    EXPECT_EQ(f->redirect_to, "https://new.example/feed");
    EXPECT_EQ(f->redirect_seen, 1);
    r.fetched_at = t0 + std::chrono::minutes(15);
    db_.store_refresh(r);
    f = db_.feed(id);
    EXPECT_EQ(f->config_url, "https://old.example/feed");
    EXPECT_EQ(f->url, "https://new.example/feed");

    // The configuration still names the old URL: same feed, url kept.
    const auto rows = db_.sync_feeds({spec("https://old.example/feed")}, t0 + hours(1));
    ASSERT_EQ(rows.size(), 1U);
    EXPECT_EQ(rows[0].id, id);
    EXPECT_EQ(rows[0].url, "https://new.example/feed");

    // Either URL finds the feed's items.
    EXPECT_EQ(db_.items(query("https://old.example/feed")).size(), 1U);
    EXPECT_EQ(db_.items(query("https://new.example/feed")).size(), 1U);
    EXPECT_TRUE(db_.items(query("https://other.example/feed")).empty());
    EXPECT_EQ(db_.items(query())[0].feed_url, "https://old.example/feed");
}

TEST_F(database_test, items_are_newest_first_with_filters_and_limit) {
    const auto rows =
        db_.sync_feeds({spec("https://a.example/feed"), spec("https://b.example/feed")}, t0);
    const auto a = rows[0].id;
    const auto b = rows[1].id;
    auto dated = [](std::string id, timestamp published) {
        auto it = item_with_id(id, id);
        it.published = published;
        return it;
    };
    // "undated" has no date: it sorts by first_seen (t0 + 1h).
    db_.store_refresh(ok_refresh(a, t0 + hours(1),
                                 {dated("a-old", t0 - hours(10)), dated("a-new", t0 + minutes(30)),
                                  item_with_id("undated", "undated")}));
    db_.store_refresh(ok_refresh(b, t0 + hours(2),
                                 {dated("b-mid", t0 - hours(1)), dated("b-tie1", t0 - hours(5)),
                                  dated("b-tie2", t0 - hours(5))}));

    // Ties on the date: the later-inserted (higher id) first.
    EXPECT_EQ(titles(db_.items(query())),
              (std::vector<std::string>{"undated", "a-new", "b-mid", "b-tie2", "b-tie1", "a-old"}));
    EXPECT_EQ(titles(db_.items(query(std::nullopt, std::nullopt, 2))),
              (std::vector<std::string>{"undated", "a-new"}));
    EXPECT_EQ(titles(db_.items(query(std::nullopt, t0 - hours(1)))),
              (std::vector<std::string>{"undated", "a-new", "b-mid"}));
    EXPECT_EQ(titles(db_.items(query("https://b.example/feed", std::nullopt, 2))),
              (std::vector<std::string>{"b-mid", "b-tie2"}));
    EXPECT_EQ(titles(db_.items(query("https://a.example/feed", t0))),
              (std::vector<std::string>{"undated", "a-new"}));
    EXPECT_TRUE(db_.items(query(std::nullopt, std::nullopt, 0)).empty());
}

TEST_F(database_test, due_feeds_are_active_and_ordered_by_next_poll) {
    // Hourly feeds, so the re-sync below leaves each next_poll where the refresh put it.
    const auto hourly = [](std::string url) {
        return spec(std::move(url), std::nullopt, {}, hours(1));
    };
    const auto rows = db_.sync_feeds(
        {hourly("https://a.example/"), hourly("https://b.example/"), hourly("https://c.example/")},
        t0);
    auto ra = ok_refresh(rows[0].id, t0);
    ra.next_poll = t0 + minutes(30);
    auto rb = ok_refresh(rows[1].id, t0);
    rb.next_poll = t0 + minutes(10);
    auto rc = ok_refresh(rows[2].id, t0);
    rc.next_poll = t0 + minutes(20);
    db_.store_refresh(ra);
    db_.store_refresh(rb);
    db_.store_refresh(rc);

    EXPECT_TRUE(db_.due_feeds(t0 + minutes(5)).empty());
    auto due = db_.due_feeds(t0 + minutes(20));
    ASSERT_EQ(due.size(), 2U);
    EXPECT_EQ(due[0].config_url, "https://b.example/");
    EXPECT_EQ(due[1].config_url, "https://c.example/");

    db_.sync_feeds({hourly("https://a.example/"), hourly("https://c.example/")}, t0);
    due = db_.due_feeds(t0 + hours(1));
    ASSERT_EQ(due.size(), 2U);
    EXPECT_EQ(due[0].config_url, "https://c.example/");
    EXPECT_EQ(due[1].config_url, "https://a.example/");
}

TEST_F(database_test, a_refresh_for_an_unknown_feed_throws_and_changes_nothing) {
    const auto id = add_feed("https://a.example/feed");
    db_.store_refresh(ok_refresh(id, t0, {item_with_id("kept")}));
    EXPECT_THROW(db_.store_refresh(ok_refresh(id + 100, t0 + hours(1), {item_with_id("lost")})),
                 std::runtime_error);
    EXPECT_EQ(titles(db_.items(query())), std::vector<std::string>{"title"});
    EXPECT_EQ(db_.integrity_check(), "ok");
    // The connection is still usable for the next unit of work.
    EXPECT_EQ(db_.store_refresh(ok_refresh(id, t0 + hours(2), {item_with_id("next")})).new_items,
              1);
}

TEST(database_files, an_error_mid_refresh_rolls_back_the_whole_refresh) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto db = database::open(path, open_mode::read_write);
    const auto id = db.sync_feeds({spec("https://a.example/feed")}, t0)[0].id;
    db.store_refresh(ok_refresh(id, t0, {item_with_id("before")}));
    {
        // Make the second item's INSERT fail after the feed row and the first item
        // were written inside the transaction.
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec(
            "CREATE TRIGGER fail_boom BEFORE INSERT ON items WHEN NEW.title = 'boom' "
            "BEGIN SELECT RAISE(ABORT, 'boom'); END");
    }
    auto r = failed_refresh(id, t0 + hours(1));
    r.items = {item_with_id("fine", "fine"), item_with_id("bad", "boom")};
    EXPECT_THROW(db.store_refresh(r), std::runtime_error);

    const auto f = db.feed(id);
    ASSERT_TRUE(f);
    EXPECT_EQ(f->error_count, 0);  // the feed update was rolled back
    EXPECT_EQ(f->last_fetch, t0);  // ...entirely
    EXPECT_EQ(f->item_count, 1);   // and so was the first item
    EXPECT_EQ(db.items(query()).size(), 1U);
    EXPECT_EQ(db.integrity_check(), "ok");

    {
        SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE);
        raw.exec("DROP TRIGGER fail_boom");
    }
    EXPECT_EQ(db.store_refresh(r).new_items, 2);
    EXPECT_EQ(db.feed(id)->error_count, 1);
}

TEST(database_files, a_reader_sees_the_writers_commits_while_the_writer_is_open) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    auto writer = database::open(path, open_mode::read_write);
    const auto id = writer.sync_feeds({spec("https://a.example/feed")}, t0)[0].id;
    writer.store_refresh(ok_refresh(id, t0, {item_with_id("one")}));

    auto reader = database::open(path, open_mode::read_only);
    EXPECT_EQ(reader.items(query()).size(), 1U);
    EXPECT_EQ(reader.feeds().size(), 1U);
    ASSERT_TRUE(reader.feed(id));

    // Later commits show up in the same reader: no statement pins an old snapshot.
    writer.store_refresh(
        ok_refresh(id, t0 + hours(1), {item_with_id("two"), item_with_id("three")}));
    EXPECT_EQ(reader.items(query()).size(), 3U);
    EXPECT_EQ(reader.feed(id)->item_count, 3);
    EXPECT_EQ(reader.feed(id)->last_fetch, t0 + hours(1));
    EXPECT_EQ(reader.due_feeds(t0 + hours(2)).size(), 1U);
    EXPECT_EQ(reader.integrity_check(), "ok");

    EXPECT_THROW(reader.sync_feeds({}, t0), std::logic_error);
    EXPECT_THROW(reader.store_refresh(ok_refresh(id, t0)), std::logic_error);
    EXPECT_EQ(writer.feeds().size(), 1U);
}

TEST(database_files, list_columns_are_stored_as_json_arrays) {
    test::temp_dir dir;
    const auto path = dir / "feedd.db";
    {
        auto db = database::open(path, open_mode::read_write);
        const auto id =
            db.sync_feeds({spec("https://a.example/feed", std::nullopt, {"t1"})}, t0)[0].id;
        feeds::item it = item_with_id("e");
        it.enclosures = {
            {.url = "https://a.example/1.mp3", .type = "audio/mpeg", .length = 1234},
            {.url = "https://a.example/2.ogg", .type = std::nullopt, .length = std::nullopt}};
        it.authors = {{.name = "Ann", .email = std::nullopt, .url = "https://ann.example/"}};
        db.store_refresh(ok_refresh(id, t0, {it}));
    }
    // Other tools (the sqlite3 shell, a future exporter) read these columns as JSON.
    SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(raw.execAndGet("SELECT tags FROM feeds").getString(), R"(["t1"])");
    EXPECT_EQ(raw.execAndGet("SELECT enclosures FROM items").getString(),
              R"([{"url":"https://a.example/1.mp3","type":"audio/mpeg","length":1234},)"
              R"({"url":"https://a.example/2.ogg","type":null,"length":null}])");
    EXPECT_EQ(raw.execAndGet("SELECT authors FROM items").getString(),
              R"([{"name":"Ann","email":null,"url":"https://ann.example/"}])");
    EXPECT_EQ(raw.execAndGet("SELECT json_valid(categories) FROM items").getInt(), 1);
}

TEST(database_files, a_moved_database_keeps_working) {
    auto db = database::open(":memory:", open_mode::read_write);
    db.sync_feeds({spec("https://a.example/feed")}, t0);
    database moved = std::move(db);
    EXPECT_EQ(moved.feeds().size(), 1U);
}

}  // namespace
}  // namespace feedd::storage
