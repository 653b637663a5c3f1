#include "daemon/schedule.hpp"

#include <set>

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

}  // namespace
}  // namespace feedd::daemon
