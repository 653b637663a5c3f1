// Topic digests as stored (issue 6): one row per topic and period, holding the rendered message
// so a retry or a restart re-sends the same bytes with the same Message-ID. A story is "sent for
// a topic" once a digest of that topic (pending or sent) lists it: a pending digest reserves its
// stories, so the next period never repeats them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "storage/database.hpp"
#include "storage/topics.hpp"

namespace feedd::storage {

enum class digest_status { pending, sent, empty };
std::string_view to_string(digest_status status);

struct new_digest {
    std::string topic;   // topic name
    std::string period;  // "2026-11-28", "2026-W48", "2026-11-28T06:00", "manual:<unix s>"
    std::vector<std::string> recipients;
    std::string message_id;  // without angle brackets
    std::string message;     // the RFC 5322 message; empty for an empty period
    std::vector<std::int64_t> story_ids;
    digest_status status = digest_status::pending;  // pending, or empty (nothing to send)
    timestamp created_at{};
};

struct digest_row {
    std::int64_t id = 0;
    std::string topic;
    std::string period;
    std::vector<std::string> recipients;
    std::string message_id;
    std::string message;
    digest_status status = digest_status::pending;
    int attempts = 0;
    std::optional<timestamp> next_retry;
    std::string last_error;
    timestamp created_at{};
    std::optional<timestamp> sent_at;
    std::int64_t stories = 0;
};

// The topic's timeline stories that no digest of the topic lists yet, with at least
// min_sources sources and (with since) added to the timeline at or after it; most sources
// first, then newest first; at most limit. nullopt when no topic has that name.
std::optional<std::vector<timeline_entry>> unsent_stories(const database& db,
                                                          std::string_view topic, int min_sources,
                                                          std::optional<timestamp> since,
                                                          int limit);

// Each item's summary (plain text), else its content (HTML), for the given item ids; items
// without either are left out.
struct item_text {
    std::optional<std::string> summary;
    std::optional<std::string> content_html;
};
std::unordered_map<std::int64_t, item_text> item_texts(const database& db,
                                                       const std::vector<std::int64_t>& item_ids);

// Records a digest and its stories in one IMMEDIATE transaction. nullopt (nothing written)
// when the topic already has a digest for that period, or a digest of the topic already lists
// one of the stories (a concurrent sender won). Throws std::invalid_argument for an
// unknown topic. Writer.
std::optional<std::int64_t> add_digest(database& db, const new_digest& digest);

// After the server accepted it: status sent, sent_at = now, attempts + 1. Writer.
void mark_digest_sent(database& db, std::int64_t id, timestamp now);
// After a failed attempt: stays pending, attempts + 1, the error and when to try again. Writer.
void mark_digest_failed(database& db, std::int64_t id, std::string_view error,
                        timestamp next_retry);

// Pending digests whose retry time has come (or that never had an attempt), oldest first.
std::vector<digest_row> due_digests(const database& db, timestamp now);
// That digest if it is still pending and due at now (another process may have sent it, or
// failed and set a later retry, since the caller listed it).
std::optional<digest_row> due_digest(const database& db, std::int64_t id, timestamp now);
// Whether the topic already has a digest (any status) for the period.
bool has_digest(const database& db, std::string_view topic, std::string_view period);
// Every digest, newest first, without the message text; at most limit (nullopt: all).
std::vector<digest_row> list_digests(const database& db, std::optional<int> limit);

}  // namespace feedd::storage
