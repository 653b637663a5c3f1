// Topic digests, the stateful part shared by `feedd digest` and the daemon's digest thread:
// build a topic's digest from its unsent stories and record it pending (with its rendered
// message and Message-ID) before anything is sent; deliver pending digests and mark them sent,
// or keep them pending with back-off. Blocking (SQLite, SMTP): never on the Asio I/O loop.
#pragma once

#include <atomic>
#include <chrono>
#include <filesystem>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/digest.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {

struct digest_request {
    std::string topic;
    digest_config digest;  // schedule unused here; to, timezone, min_sources, max_stories
    std::string period;    // the period key it is recorded under
    std::optional<storage::timestamp> since;  // only stories that entered the timeline since
    bool record = true;                       // false: build only (--dry-run)
};

enum class prepare_outcome { recorded, recorded_empty, nothing_new, already_recorded };

struct prepared_digest {
    prepare_outcome outcome = prepare_outcome::nothing_new;
    std::optional<std::int64_t> id;  // when recorded
    std::size_t stories = 0;
    digest_message message;  // built unless nothing_new / already_recorded
};

// Builds the digest of the topic's unsent stories and, with request.record, stores it as a
// pending digest (or as "empty" when there is nothing and send_empty is off). Writer (its own
// connection is fine: one IMMEDIATE transaction).
prepared_digest prepare_digest(storage::database& db, const mail_config& mail,
                               const digest_request& request, storage::timestamp now);

// Delay before attempt n + 1 after n failed attempts: 30s, 1m, 2m, ... capped at 1h, scaled so
// the first one is `first`.
std::chrono::seconds retry_delay(int failed_attempts, std::chrono::seconds first);

struct delivery {
    std::int64_t id = 0;
    std::string topic;
    std::string period;
    std::string message_id;
    std::vector<std::string> recipients;
    std::int64_t stories = 0;
    bool ok = false;
    std::string error;
    std::optional<storage::timestamp> next_retry;
};

struct delivery_options {
    std::optional<std::string> topic;  // only this topic's digests
    bool ignore_retry_time = false;    // every pending one, as `feedd digest` does
    // How long to wait while another process (the daemon, a `feedd digest`) sends a digest of
    // this database. Zero: try once; what is left goes at the next check.
    std::chrono::milliseconds lock_wait{0};
    const std::atomic<bool>* cancel = nullptr;  // once true: stop (daemon shutdown)
};

// Sends the pending digests that are due, each with its stored bytes and Message-ID; marks
// each sent or failed (back-off from mail.retry). One process at a time sends a digest: each
// is sent holding the sender lock beside the database (storage::poller_lock,
// digest_sender_suffix) and only if it is still pending and due once the lock is held, so the
// daemon and `feedd digest` never both send one. A send given up because of cancel leaves the
// digest pending, as it was. Returns what happened, in order.
std::vector<delivery> deliver_pending(storage::database& db,
                                      const std::filesystem::path& database_path,
                                      const mail_config& mail, storage::timestamp now,
                                      const delivery_options& options = {});

// How long one send may take with this transport (connect and session timeouts, or the
// sendmail program's), plus a margin: what `feedd digest` waits for another sender.
std::chrono::milliseconds longest_send(const mail_config& mail);

}  // namespace feedd::daemon
