// When to poll a feed next: its interval after a success, exponential back-off
// after consecutive failures (capped at a day), with a little deterministic jitter
// so feeds configured together don't stay in lock-step. The adaptive part learns
// the interval from how often a feed publishes and honours what the publisher asks
// for (RSS ttl, skipHours/skipDays, sy:updatePeriod, Cache-Control/Expires,
// Retry-After). Pure: time is passed in, nothing here reads a clock or does I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace feedd::daemon {

using timestamp = std::chrono::sys_seconds;

inline constexpr std::chrono::seconds max_backoff{std::chrono::hours(24)};
// Bounds of the interval learnt from the publishing rate.
inline constexpr std::chrono::seconds min_adaptive_interval{std::chrono::minutes(5)};
inline constexpr std::chrono::seconds max_adaptive_interval{std::chrono::hours(24)};

// error_count: consecutive failures including the one just recorded (0 after a success).
// jitter_seed: anything stable per feed and attempt, e.g. feed id mixed with the time.
timestamp next_poll_time(timestamp now, std::chrono::seconds interval, int error_count,
                         std::uint64_t jitter_seed);

// How often a feed publishes, from the dates of the items it carries now: the mean
// gap between the items of the last 30 days, counting the quiet time since the
// newest one as a gap too (a feed that stopped publishing drifts to the maximum),
// halved so a new item waits half a gap on average; bounded 5 min – 24 h.
// Only items older than 30 days: a dormant feed, the maximum. nullopt when there is
// nothing to go on (no dates, or a single recent one).
std::optional<std::chrono::seconds> rate_interval(const std::vector<timestamp>& published,
                                                  timestamp now);

// What the publisher said about polling, kept in the database between polls.
struct publisher_hints {
    std::optional<std::chrono::seconds> ttl;            // RSS <ttl>
    std::optional<std::chrono::seconds> update_period;  // sy:updatePeriod / sy:updateFrequency
    std::optional<std::chrono::seconds> max_age;        // Cache-Control: max-age, or Expires - now
    std::uint32_t skip_hours = 0;                       // bit h: do not poll during UTC hour h
    std::uint8_t skip_days = 0;  // bit d: do not poll on weekday d (0 = Sunday)
};

// sy:updatePeriod ("hourly", "daily", "weekly", "monthly", "yearly"; default daily)
// divided by sy:updateFrequency (default 1). nullopt for an unknown period or a
// frequency that is not a positive integer.
std::optional<std::chrono::seconds> syndication_period(std::optional<std::string_view> period,
                                                       std::optional<std::string_view> frequency);

struct schedule_input {
    timestamp now{};
    std::chrono::seconds configured{std::chrono::minutes(15)};  // floor of the adaptive range
    std::optional<std::chrono::seconds> learned;                // rate_interval's estimate
    publisher_hints hints;
    int error_count = 0;  // consecutive failures including this one
    std::optional<std::chrono::seconds> retry_after;
    std::uint64_t jitter_seed = 0;
};

struct schedule_decision {
    timestamp next_poll{};
    std::string reason;  // for `feedd feeds`: "interval 15m", "back-off after 3 errors", ...
};

// The whole decision: interval (configured floor, learned rate, publisher hints,
// each capped at a day), back-off on errors, Retry-After, jitter, then moved out of
// skipped hours and days.
schedule_decision plan_next_poll(const schedule_input& in);

// "45s", "15m", "2h30m", "1d2h": how `feedd feeds` prints intervals.
std::string format_duration(std::chrono::seconds d);

}  // namespace feedd::daemon
