// Topic digests (issue 6), the pure part: which period a schedule is in, and the e-mail for a
// topic's unsent stories (subject, plain-text and HTML parts; the MIME message is written by
// the mail module, daemon/mail_module.hpp). Values in, values out: no database, no clock, no
// network.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/config.hpp"
#include "storage/stories.hpp"
#include "storage/topics.hpp"

namespace feedd::daemon {

struct digest_period {
    std::string key;             // "2026-11-28" (daily), "2026-W48" (weekly), "2026-11-28T06:00"
    storage::timestamp start{};  // when it became due (the latest scheduled time <= now)
    storage::timestamp next{};   // the next scheduled time
};

// The period `now` falls in, computed in the schedule's time zone (DST-aware: a time skipped
// by a clock change is due at the change). Throws std::runtime_error for an unknown zone.
digest_period current_period(const digest_schedule& schedule, const std::string& time_zone,
                             storage::timestamp now);

struct digest_story {
    storage::story_view story;
    std::string summary;  // plain text, may be empty
};

struct digest_input {
    std::string topic;
    std::string period;  // shown in the heading ("2026-11-28")
    std::string time_zone = "UTC";
    std::vector<digest_story> stories;  // in the order they are shown
    std::string from;
    std::vector<std::string> to;
    std::string message_id;  // without angle brackets
    storage::timestamp date{};
};

struct digest_message {
    std::string subject;
    std::string text;     // the plain-text part
    std::string html;     // the HTML part
    std::string rfc5322;  // the whole message, CRLF line ends
};

// Stories ordered as a digest shows them: most sources first, then newest first.
void order_for_digest(std::vector<digest_story>& stories);

// Plain text of a feed summary, cut at a word boundary to about max_chars characters.
std::string short_summary(const std::optional<std::string>& summary,
                          const std::optional<std::string>& content_html,
                          std::size_t max_chars = 280);

// "<topic>.<period>.<random>@<sender's domain>" (without angle brackets); random_hex comes
// from the caller so this stays pure.
std::string make_message_id(const std::string& topic, const std::string& period,
                            const std::string& random_hex, const std::string& from);

// Loads the mail module at the first call; throws std::runtime_error naming its path when it is
// missing (see mail_module()).
digest_message build_digest(const digest_input& input);

}  // namespace feedd::daemon
