// The metrics registry's Prometheus text output, and the SSE event hub.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/http_events.hpp"
#include "daemon/metrics.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {
namespace {

TEST(metrics, counters_and_gauges_render_with_labels) {
    metrics_registry r;
    r.declare("feedd_fetches_total", metric_type::counter, "Fetches.");
    r.declare("feedd_queue_depth", metric_type::gauge, "Depth.");
    r.add("feedd_fetches_total", 1, {{"outcome", "ok"}});
    r.add("feedd_fetches_total", 2, {{"outcome", "ok"}});
    r.add("feedd_fetches_total", 1, {{"outcome", "not \"a\" feed\n"}});
    r.set("feedd_queue_depth", 5, {{"queue", "pending"}});
    r.set("feedd_queue_depth", 4, {{"queue", "pending"}});
    const auto text = r.render();
    EXPECT_NE(
        text.find("# HELP feedd_fetches_total Fetches.\n# TYPE feedd_fetches_total counter\n"),
        std::string::npos)
        << text;
    EXPECT_NE(text.find("feedd_fetches_total{outcome=\"ok\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("feedd_fetches_total{outcome=\"not \\\"a\\\" feed\\n\"} 1\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("feedd_queue_depth{queue=\"pending\"} 4\n"), std::string::npos) << text;
    EXPECT_EQ(r.value("feedd_fetches_total", {{"outcome", "ok"}}), 3);
}

TEST(metrics, histogram_buckets_are_cumulative) {
    metrics_registry r;
    r.declare("lat_seconds", metric_type::histogram, "Latency.", {0.1, 1});
    r.observe("lat_seconds", 0.05);
    r.observe("lat_seconds", 0.1);  // upper bounds are inclusive
    r.observe("lat_seconds", 0.5);
    r.observe("lat_seconds", 7);
    const auto text = r.render();
    EXPECT_NE(text.find("lat_seconds_bucket{le=\"0.1\"} 2\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_bucket{le=\"1\"} 3\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_bucket{le=\"+Inf\"} 4\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_sum 7.65\n"), std::string::npos) << text;
    EXPECT_NE(text.find("lat_seconds_count 4\n"), std::string::npos) << text;
}

TEST(metrics, undeclared_or_mistyped_updates_are_bugs) {
    metrics_registry r;
    r.declare("g", metric_type::gauge, "G.");
    EXPECT_THROW(r.add("nope", 1), std::logic_error);
    EXPECT_THROW(r.add("g", 1), std::logic_error);
    EXPECT_THROW(r.declare("h", metric_type::histogram, "H.", {2, 1}), std::logic_error);
}

TEST(metrics, feedd_families_are_all_visible_before_any_update) {
    metrics_registry r;
    declare_feedd_metrics(r);
    const auto text = r.render();
    for (const auto* name :
         {"feedd_fetches_total", "feedd_fetch_bytes_total", "feedd_fetch_duration_seconds",
          "feedd_items_total", "feedd_stories", "feedd_queue_depth",
          "feedd_writer_duration_seconds", "feedd_feeds", "feedd_checkpoints_total",
          "feedd_checkpoint_failures_total", "feedd_checkpoint_writer_waits_total",
          "feedd_checkpoint_writer_wait_seconds_total"}) {
        EXPECT_NE(text.find(std::string("# TYPE ") + name + " "), std::string::npos) << name;
    }
}

// The storage keeps running totals; /metrics gets what they gained since the last commit.
TEST(metrics, checkpoint_counters_are_added_as_they_grow) {
    metrics_registry r;
    declare_feedd_metrics(r);
    storage::checkpoint_counters now;
    now.passes = 3;
    now.writer_waits = 1;
    now.writer_waited = std::chrono::milliseconds(50);
    auto seen = record_checkpoints(r, now, {});
    now.passes = 5;
    now.failures = 1;
    seen = record_checkpoints(r, now, seen);
    seen = record_checkpoints(r, now, seen);  // nothing new
    EXPECT_EQ(r.value("feedd_checkpoints_total"), 5);
    EXPECT_EQ(r.value("feedd_checkpoint_failures_total"), 1);
    EXPECT_EQ(r.value("feedd_checkpoint_writer_waits_total"), 1);
    EXPECT_DOUBLE_EQ(r.value("feedd_checkpoint_writer_wait_seconds_total"), 0.05);
    EXPECT_EQ(seen.passes, 5);
}

TEST(http_events, topic_filter_and_format) {
    event_hub hub;
    int woken_all = 0;
    int woken_world = 0;
    const auto all = hub.subscribe(std::nullopt, [&] { ++woken_all; });
    const auto world = hub.subscribe("world", [&] { ++woken_world; });
    story_event e;
    e.what = story_event::kind::new_source;
    e.story_id = 7;
    e.title = "Line\nbreak";
    e.source = "Yahoo";
    e.sources = {"Reuters", "Yahoo"};
    e.topics = {"world"};
    hub.publish(e);
    e.topics = {"sport"};
    hub.publish(e);
    EXPECT_EQ(woken_all, 2);
    EXPECT_EQ(woken_world, 1);
    ASSERT_EQ(world->queue.size(), 1u);
    EXPECT_EQ(world->queue[0]->substr(0, 21), "id: 1\nevent: source\nd");
    // One data line: the JSON escapes the newline in the title.
    EXPECT_EQ(world->queue[0]->find("\ndata: {\"id\":7,\"title\":\"Line\\nbreak\""), 19u);
    EXPECT_TRUE(world->queue[0]->ends_with("}\n\n"));
    EXPECT_EQ(all->queue.size(), 2u);
}

TEST(http_events, slow_subscriber_overflows_instead_of_growing) {
    event_hub hub;
    const auto s = hub.subscribe(std::nullopt, nullptr);
    story_event e;
    for (std::size_t i = 0; i <= event_hub::max_queued; ++i)
        hub.publish(e);
    EXPECT_TRUE(s->overflowed);
    EXPECT_TRUE(s->queue.empty());
}

// Stories with long titles (a hostile feed's) for readers that do not read: each queue used
// to hold its own copy of every message, so memory grew with size x readers x 1000. Now one
// copy is shared by all queues, and a reader more than max_queued_bytes behind is cut off.
TEST(http_events, long_messages_are_shared_and_bounded_in_bytes_per_subscriber) {
    event_hub hub;
    const auto a = hub.subscribe(std::nullopt, nullptr);
    const auto b = hub.subscribe(std::nullopt, nullptr);
    story_event e;
    e.title = std::string(64 * 1024, 'x');
    hub.publish(e);
    ASSERT_EQ(a->queue.size(), 1u);
    ASSERT_EQ(b->queue.size(), 1u);
    EXPECT_EQ(a->queue[0].get(), b->queue[0].get());  // one copy
    EXPECT_EQ(a->take().size(), 1u);                  // a keeps up, b does not
    const auto per_message = b->queued_bytes;
    EXPECT_GT(per_message, 64u * 1024);
    while (!b->overflowed) {
        hub.publish(e);
        EXPECT_LE(b->queued_bytes, event_hub::max_queued_bytes);
        EXPECT_EQ(a->take().size(), 1u);
    }
    EXPECT_TRUE(b->queue.empty());
    EXPECT_FALSE(a->overflowed);
    EXPECT_EQ(hub.subscribers(), 2u);
}

TEST(http_events, dropped_subscribers_are_forgotten) {
    event_hub hub;
    auto s = hub.subscribe(std::nullopt, nullptr);
    EXPECT_EQ(hub.subscribers(), 1u);
    s.reset();
    hub.publish({});
    EXPECT_EQ(hub.subscribers(), 0u);
}

// A reader reconnecting in a loop while nothing is published: each session that ended left
// an entry in the hub's list, which only publish removed (≈ 250 B a connection, without
// bound). subscribe sweeps them once the list has doubled since its last sweep.
TEST(http_events, subscribers_that_left_are_swept_without_a_publish) {
    event_hub hub;
    const auto stays = hub.subscribe(std::nullopt, nullptr);
    std::size_t most = 0;
    for (int i = 0; i < 10'000; ++i) {
        auto s = hub.subscribe(std::nullopt, nullptr);
        most = std::max(most, hub.entries());
        s.reset();  // the session ends
    }
    EXPECT_LE(most, 64u);
    EXPECT_FALSE(stays->overflowed);
    EXPECT_EQ(hub.subscribers(), 1u);
    EXPECT_EQ(hub.entries(), 1u);
    // Live sessions are never swept: 100 open ones stay while others come and go.
    std::vector<std::shared_ptr<event_hub::subscriber>> open;
    for (int i = 0; i < 100; ++i)
        open.push_back(hub.subscribe(std::nullopt, nullptr));
    for (int i = 0; i < 10'000; ++i)
        hub.subscribe(std::nullopt, nullptr).reset();
    EXPECT_LE(hub.entries(), 2u * 101 + 1);
    EXPECT_EQ(hub.subscribers(), 101u);
    hub.publish({});
    for (const auto& s : open)
        EXPECT_EQ(s->queue.size(), 1u);
    EXPECT_EQ(stays->queue.size(), 1u);
}

}  // namespace
}  // namespace feedd::daemon
