#include "daemon/schedule.hpp"

#include <algorithm>

#include "daemon/config.hpp"

namespace feedd::daemon {
namespace {

// splitmix64: a cheap, well-mixed hash so the jitter looks random but is reproducible.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

}  // namespace

timestamp next_poll_time(timestamp now, std::chrono::seconds interval, int error_count,
                         std::uint64_t jitter_seed) {
    auto delay = std::max(interval, min_interval);
    if (error_count > 0) {
        // Double per consecutive failure; a feed that recovers is back to its
        // interval after one success, and a broken one is still tried daily.
        const int doublings = std::min(error_count - 1, 16);
        delay = std::min(delay * (std::int64_t{1} << doublings), max_backoff);
    }
    // Up to +10% jitter: spreads polls of feeds that became due together.
    const auto spread = delay.count() / 10;
    const auto jitter =
        spread > 0
            ? static_cast<std::int64_t>(mix(jitter_seed) % static_cast<std::uint64_t>(spread))
            : 0;
    return now + delay + std::chrono::seconds(jitter);
}

}  // namespace feedd::daemon
