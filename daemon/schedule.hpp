// When to poll a feed next: its interval after a success, exponential back-off
// after consecutive failures (capped at a day), with a little deterministic jitter
// so feeds configured together don't stay in lock-step. Pure: time is passed in.
#pragma once

#include <chrono>
#include <cstdint>

namespace feedd::daemon {

using timestamp = std::chrono::sys_seconds;

inline constexpr std::chrono::seconds max_backoff{std::chrono::hours(24)};

// error_count: consecutive failures including the one just recorded (0 after a success).
// jitter_seed: anything stable per feed and attempt, e.g. feed id mixed with the time.
timestamp next_poll_time(timestamp now, std::chrono::seconds interval, int error_count,
                         std::uint64_t jitter_seed);

}  // namespace feedd::daemon
