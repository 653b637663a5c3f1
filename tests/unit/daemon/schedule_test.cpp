#include "daemon/schedule.hpp"

#include <set>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

using namespace std::chrono_literals;
const timestamp t0{std::chrono::sys_days{std::chrono::year{2025} / 6 / 14}};

TEST(schedule, success_polls_after_the_interval_with_at_most_ten_percent_jitter) {
    for (std::uint64_t seed = 0; seed < 200; ++seed) {
        const auto next = next_poll_time(t0, 15min, 0, seed);
        EXPECT_GE(next, t0 + 15min);
        EXPECT_LT(next, t0 + 15min + 90s);
    }
}

TEST(schedule, jitter_is_deterministic_and_spreads_feeds) {
    EXPECT_EQ(next_poll_time(t0, 15min, 0, 7), next_poll_time(t0, 15min, 0, 7));
    std::set<timestamp> distinct;
    for (std::uint64_t seed = 0; seed < 50; ++seed)
        distinct.insert(next_poll_time(t0, 15min, 0, seed));
    EXPECT_GT(distinct.size(), 20u);
}

TEST(schedule, interval_below_one_minute_is_raised) {
    EXPECT_GE(next_poll_time(t0, 5s, 0, 1), t0 + 60s);
}

TEST(schedule, failures_back_off_exponentially_and_cap_at_a_day) {
    EXPECT_GE(next_poll_time(t0, 10min, 1, 3), t0 + 10min);
    EXPECT_GE(next_poll_time(t0, 10min, 2, 3), t0 + 20min);
    EXPECT_GE(next_poll_time(t0, 10min, 4, 3), t0 + 80min);
    EXPECT_LT(next_poll_time(t0, 10min, 4, 3), t0 + 89min);
    const auto capped = next_poll_time(t0, 10min, 30, 3);
    EXPECT_GE(capped, t0 + 24h);
    EXPECT_LE(capped, t0 + 24h + 24h / 10);
}

schedule_input base_input() {
    schedule_input in;
    in.now = t0;  // 2025-06-14 is a Saturday, 00:00 UTC
    in.configured = 15min;
    in.jitter_seed = 42;
    return in;
}

TEST(adaptive_schedule, rate_interval_is_half_the_mean_gap_bounded) {
    std::vector<timestamp> hourly;
    for (int i = 0; i < 24; ++i)
        hourly.push_back(t0 - std::chrono::hours(i) - 1min);
    const auto hourly_estimate = rate_interval(hourly, t0);
    ASSERT_TRUE(hourly_estimate);
    EXPECT_GE(*hourly_estimate, 25min);
    EXPECT_LE(*hourly_estimate, 35min);

    std::vector<timestamp> busy;  // one a minute: bounded below at 5 minutes
    for (int i = 0; i < 50; ++i)
        busy.push_back(t0 - std::chrono::minutes(i));
    EXPECT_EQ(rate_interval(busy, t0), min_adaptive_interval);

    // A feed whose last items are 20 days old: the quiet time counts, a day at most.
    std::vector<timestamp> quiet{t0 - std::chrono::days(20), t0 - std::chrono::days(21)};
    EXPECT_EQ(rate_interval(quiet, t0), max_adaptive_interval);
    // Dormant: only items older than 30 days.
    EXPECT_EQ(rate_interval({t0 - std::chrono::days(90)}, t0), max_adaptive_interval);
    // No dates, or a single recent one: no estimate.
    EXPECT_EQ(rate_interval({}, t0), std::nullopt);
    EXPECT_EQ(rate_interval({t0 - 1h}, t0), std::nullopt);
    // Dates in the future (clock skew) are ignored rather than trusted.
    EXPECT_EQ(rate_interval({t0 + 1h, t0 + 2h}, t0), std::nullopt);
}

TEST(adaptive_schedule, learnt_interval_lengthens_but_never_shortens_the_configured_one) {
    auto in = base_input();
    in.learned = 6h;
    auto d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 6h);
    EXPECT_LT(d.next_poll, t0 + 6h + 36min + 1s);
    EXPECT_EQ(d.reason, "publishing rate: every 6h");

    in.learned = 5min;  // publishes often, but the user asked for 15 minutes
    d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 15min);
    EXPECT_EQ(d.reason, "interval 15m");
}

TEST(adaptive_schedule, publisher_hints_are_a_floor_capped_at_a_day) {
    auto in = base_input();
    in.hints.ttl = 2h;
    auto d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 2h);
    EXPECT_EQ(d.reason, "ttl 2h");

    in.hints.update_period = 6h;
    d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 6h);
    EXPECT_EQ(d.reason, "sy:updatePeriod 6h");

    in.hints.max_age = std::chrono::days(400);  // a typo must not silence the feed
    d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 24h);
    EXPECT_LE(d.next_poll, t0 + 24h + 24h / 10);
    EXPECT_EQ(d.reason, "Cache-Control/Expires 1d");
}

TEST(adaptive_schedule, errors_back_off_from_the_effective_interval_and_say_so) {
    auto in = base_input();
    in.hints.ttl = 1h;
    in.error_count = 3;
    const auto d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 4h);
    EXPECT_LT(d.next_poll, t0 + 4h + 25min);
    EXPECT_EQ(d.reason, "back-off after 3 errors: 4h");
    // A success recovers at once: the same input without errors is back to the ttl.
    in.error_count = 0;
    EXPECT_LT(plan_next_poll(in).next_poll, t0 + 1h + 7min);
}

TEST(adaptive_schedule, retry_after_wins_when_later_and_is_capped_at_a_day) {
    auto in = base_input();
    in.error_count = 1;
    in.retry_after = 3h;
    auto d = plan_next_poll(in);
    EXPECT_EQ(d.next_poll, t0 + 3h);
    EXPECT_EQ(d.reason, "Retry-After 3h");
    in.retry_after = std::chrono::days(365);
    EXPECT_EQ(plan_next_poll(in).next_poll, t0 + 24h);
    in.retry_after = 10s;  // sooner than our own back-off: ours stands
    EXPECT_GE(plan_next_poll(in).next_poll, t0 + 15min);
}

TEST(adaptive_schedule, skip_hours_and_days_move_the_poll_to_the_next_allowed_hour) {
    auto in = base_input();       // Saturday 00:00; next poll ~00:15
    in.hints.skip_hours = 0b111;  // 00, 01, 02 UTC
    auto d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 3h);
    EXPECT_LT(d.next_poll, t0 + 3h + 10min);
    EXPECT_NE(d.reason.find("skipHours"), std::string::npos) << d.reason;

    in.hints.skip_hours = 0;
    in.hints.skip_days = (1u << 6) | (1u << 0);  // Saturday and Sunday
    d = plan_next_poll(in);
    EXPECT_GE(d.next_poll, t0 + 48h);  // Monday 00:00
    EXPECT_LT(d.next_poll, t0 + 48h + 10min);

    in.hints.skip_days = 0x7F;  // every day: impossible, ignored
    d = plan_next_poll(in);
    EXPECT_LT(d.next_poll, t0 + 15min + 90s);
}

TEST(adaptive_schedule, syndication_period_divides_the_period_by_the_frequency) {
    EXPECT_EQ(syndication_period("hourly", "2"), 30min);
    EXPECT_EQ(syndication_period("daily", std::nullopt), 24h);
    EXPECT_EQ(syndication_period(std::nullopt, "4"), 6h);
    EXPECT_EQ(syndication_period("weekly", "1"), std::chrono::hours(24 * 7));
    EXPECT_EQ(syndication_period("fortnightly", "1"), std::nullopt);
    EXPECT_EQ(syndication_period("daily", "0"), std::nullopt);
    EXPECT_EQ(syndication_period("daily", "x"), std::nullopt);
}

TEST(adaptive_schedule, durations_print_compactly) {
    EXPECT_EQ(format_duration(45s), "45s");
    EXPECT_EQ(format_duration(150min), "2h30m");
    EXPECT_EQ(format_duration(std::chrono::hours(26)), "1d2h");
    EXPECT_EQ(format_duration(0s), "0s");
}

}  // namespace
}  // namespace feedd::daemon
