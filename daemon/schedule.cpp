#include "daemon/schedule.hpp"

#include <algorithm>
#include <charconv>

#include <fmt/format.h>

#include "daemon/config.hpp"

namespace feedd::daemon {
namespace {

using namespace std::chrono_literals;

// splitmix64: a cheap, well-mixed hash so the jitter looks random but is reproducible.
std::uint64_t mix(std::uint64_t x) {
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

// Up to +10% of delay, deterministic per seed: spreads polls of feeds that became due together.
std::chrono::seconds jitter(std::chrono::seconds delay, std::uint64_t seed) {
    const auto spread = delay.count() / 10;
    if (spread <= 0) return 0s;
    return std::chrono::seconds(
        static_cast<std::int64_t>(mix(seed) % static_cast<std::uint64_t>(spread)));
}

std::chrono::seconds backoff(std::chrono::seconds delay, int error_count) {
    if (error_count <= 0) return delay;
    // Double per consecutive failure; a feed that recovers is back to its interval
    // after one success, and a broken one is still tried daily.
    const int doublings = std::min(error_count - 1, 16);
    return std::min(delay * (std::int64_t{1} << doublings), std::max(delay, max_backoff));
}

bool skipped(timestamp t, const publisher_hints& h) {
    const auto day = std::chrono::floor<std::chrono::days>(t);
    const auto hour = std::chrono::duration_cast<std::chrono::hours>(t - day).count();
    const auto weekday = std::chrono::weekday(day).c_encoding();  // 0 = Sunday
    return ((h.skip_hours >> hour) & 1u) != 0 || ((h.skip_days >> weekday) & 1u) != 0;
}

}  // namespace

timestamp next_poll_time(timestamp now, std::chrono::seconds interval, int error_count,
                         std::uint64_t jitter_seed) {
    const auto delay = backoff(std::max(interval, min_interval), error_count);
    return now + delay + jitter(delay, jitter_seed);
}

std::optional<std::chrono::seconds> rate_interval(const std::vector<timestamp>& published,
                                                  timestamp now) {
    const auto window_start = now - std::chrono::days(30);
    std::vector<timestamp> recent;
    for (const auto t : published) {
        if (t >= window_start && t <= now) recent.push_back(t);
    }
    if (recent.empty()) {
        // Dated items, all old: a dormant feed. Undated or future-dated ones say nothing.
        const bool dormant = std::any_of(published.begin(), published.end(),
                                         [&](timestamp t) { return t < window_start; });
        return dormant ? std::optional(max_adaptive_interval) : std::nullopt;
    }
    if (recent.size() < 2) return std::nullopt;
    const auto [oldest, newest] = std::minmax_element(recent.begin(), recent.end());
    // n items in [oldest, now] make n gaps: n - 1 between items plus the quiet time since.
    const auto span = now - *oldest;
    const auto gap = span / static_cast<std::int64_t>(recent.size());
    // A long silence since the newest item counts as well as the mean gap.
    const auto quiet = now - *newest;
    const auto estimate = std::max(gap, quiet) / 2;
    return std::clamp(std::chrono::duration_cast<std::chrono::seconds>(estimate),
                      min_adaptive_interval, max_adaptive_interval);
}

std::optional<std::chrono::seconds> syndication_period(std::optional<std::string_view> period,
                                                       std::optional<std::string_view> frequency) {
    std::chrono::seconds base = 24h;  // the module's default is daily
    if (period) {
        const auto p = *period;
        if (p == "hourly") {
            base = 1h;
        } else if (p == "daily") {
            base = 24h;
        } else if (p == "weekly") {
            base = std::chrono::days(7);
        } else if (p == "monthly") {
            base = std::chrono::days(30);
        } else if (p == "yearly") {
            base = std::chrono::days(365);
        } else {
            return std::nullopt;
        }
    }
    std::int64_t times = 1;
    if (frequency) {
        const auto f = *frequency;
        const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), times);
        if (ec != std::errc() || end != f.data() + f.size() || times <= 0) return std::nullopt;
    }
    return std::max(std::chrono::seconds(base.count() / times), std::chrono::seconds(1));
}

schedule_decision plan_next_poll(const schedule_input& in) {
    schedule_decision out;
    auto interval = std::max(in.configured, min_interval);
    out.reason = fmt::format("interval {}", format_duration(interval));
    if (in.learned && *in.learned > interval) {
        interval = std::min(*in.learned, max_adaptive_interval);
        out.reason = fmt::format("publishing rate: every {}", format_duration(interval));
    }
    // The publisher's own hints are a floor, each capped at a day so a typo in a
    // feed cannot silence it for a year.
    const auto honour = [&](const std::optional<std::chrono::seconds>& hint, const char* name) {
        if (!hint) return;
        const auto capped = std::min(*hint, max_adaptive_interval);
        if (capped > interval) {
            interval = capped;
            out.reason = fmt::format("{} {}", name, format_duration(capped));
        }
    };
    honour(in.hints.ttl, "ttl");
    honour(in.hints.update_period, "sy:updatePeriod");
    honour(in.hints.max_age, "Cache-Control/Expires");

    auto delay = interval;
    if (in.error_count > 0) {
        delay = backoff(interval, in.error_count);
        out.reason = fmt::format("back-off after {} error{}: {}", in.error_count,
                                 in.error_count == 1 ? "" : "s", format_duration(delay));
    }
    out.next_poll = in.now + delay + jitter(delay, in.jitter_seed);
    if (in.retry_after) {
        // Honoured, but never beyond our own back-off cap: a hostile or broken
        // Retry-After must not silence a feed for years.
        const auto wait = std::min(*in.retry_after, max_backoff);
        if (in.now + wait > out.next_poll) {
            out.next_poll = in.now + wait;
            out.reason = fmt::format("Retry-After {}", format_duration(wait));
        }
    }
    // skipHours/skipDays (UTC): move to the start of the next allowed hour. A feed
    // that skips every hour of the week asks for the impossible and is ignored.
    if (skipped(out.next_poll, in.hints) && (in.hints.skip_hours & 0xFFFFFFu) != 0xFFFFFFu &&
        (in.hints.skip_days & 0x7Fu) != 0x7Fu) {
        auto t = std::chrono::floor<std::chrono::hours>(out.next_poll);
        for (int i = 0; i < 24 * 7 && skipped(t, in.hints); ++i)
            t += 1h;
        if (!skipped(t, in.hints)) {
            // Keep the jitter inside the hour so skipped feeds don't all wake at :00.
            out.next_poll = t + std::chrono::seconds(mix(in.jitter_seed) % 600);
            out.reason += ", after skipHours/skipDays";
        }
    }
    return out;
}

std::string format_duration(std::chrono::seconds d) {
    auto s = d.count();
    if (s <= 0) return "0s";
    std::string out;
    const auto part = [&](std::int64_t unit, char suffix) {
        if (s >= unit) {
            out += fmt::format("{}{}", s / unit, suffix);
            s %= unit;
        }
    };
    part(86400, 'd');
    part(3600, 'h');
    part(60, 'm');
    part(1, 's');
    return out;
}

}  // namespace feedd::daemon
