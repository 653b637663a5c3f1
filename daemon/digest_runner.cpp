#include "daemon/digest_runner.hpp"

#include <algorithm>
#include <functional>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "daemon/mailer.hpp"
#include "storage/digests.hpp"
#include "storage/poller_lock.hpp"

namespace feedd::daemon {
namespace {

// The digest sender lock, waiting up to `wait` (polling: flock has no timeout) unless
// cancelled. Not acquired: another process held it all along.
storage::poller_lock sender_lock(const std::filesystem::path& database,
                                 std::chrono::milliseconds wait,
                                 const std::function<bool()>& cancelled) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
        auto lock =
            storage::poller_lock::try_acquire(database, storage::poller_lock::digest_sender_suffix);
        if (lock.acquired() || cancelled() || std::chrono::steady_clock::now() >= deadline)
            return lock;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

std::string random_hex() {
    std::random_device device;
    std::uniform_int_distribution<std::uint32_t> pick;
    return fmt::format("{:08x}{:08x}", pick(device), pick(device));
}

}  // namespace

prepared_digest prepare_digest(storage::database& db, const mail_config& mail,
                               const digest_request& request, storage::timestamp now) {
    prepared_digest out;
    if (request.record && storage::has_digest(db, request.topic, request.period)) {
        out.outcome = prepare_outcome::already_recorded;
        return out;
    }
    const auto& digest = request.digest;
    auto unsent = storage::unsent_stories(db, request.topic, digest.min_sources, request.since,
                                          digest.max_stories);
    if (!unsent) {
        throw std::invalid_argument(fmt::format(R"(no topic named "{}")", request.topic));
    }
    std::vector<std::int64_t> item_ids;
    for (const auto& entry : *unsent)
        item_ids.push_back(entry.story.representative_item);
    const auto texts = storage::item_texts(db, item_ids);
    digest_input input;
    input.topic = request.topic;
    input.period = request.period;
    input.time_zone = digest.timezone;
    for (auto& entry : *unsent) {
        digest_story story{std::move(entry.story), {}};
        if (const auto found = texts.find(story.story.representative_item); found != texts.end())
            story.summary = short_summary(found->second.summary, found->second.content_html);
        input.stories.push_back(std::move(story));
    }
    order_for_digest(input.stories);
    out.stories = input.stories.size();
    const bool empty = input.stories.empty();
    if (empty && !digest.send_empty) {
        out.outcome = prepare_outcome::nothing_new;
        if (request.record) {
            // Close the period, so stories arriving later wait for the next one.
            storage::new_digest row;
            row.topic = request.topic;
            row.period = request.period;
            row.recipients = digest.to;
            row.message_id =
                make_message_id(request.topic, request.period, random_hex(), mail.from);
            row.status = storage::digest_status::empty;
            row.created_at = now;
            if (!request.period.starts_with("manual:")) {
                out.id = storage::add_digest(db, row);
                out.outcome = prepare_outcome::recorded_empty;
            }
        }
        return out;
    }
    input.from = mail.from;
    input.to = digest.to;
    input.message_id = make_message_id(request.topic, request.period, random_hex(), mail.from);
    input.date = now;
    out.message = build_digest(input);
    if (!request.record) {
        out.outcome = prepare_outcome::recorded;
        return out;
    }
    storage::new_digest row;
    row.topic = request.topic;
    row.period = request.period;
    row.recipients = digest.to;
    row.message_id = input.message_id;
    row.message = out.message.rfc5322;
    for (const auto& story : input.stories)
        row.story_ids.push_back(story.story.id);
    row.created_at = now;
    out.id = storage::add_digest(db, row);
    out.outcome = out.id ? prepare_outcome::recorded : prepare_outcome::already_recorded;
    return out;
}

std::chrono::seconds retry_delay(int failed_attempts, std::chrono::seconds first) {
    const std::chrono::seconds cap = std::chrono::hours(1);
    auto delay = first;
    for (int i = 1; i < failed_attempts && delay < cap; ++i)
        delay *= 2;
    return std::min(delay, std::max(cap, first));
}

std::chrono::milliseconds longest_send(const mail_config& mail) {
    const std::chrono::milliseconds margin = std::chrono::seconds(5);
    if (mail.smtp) return mail.smtp->connect_timeout + mail.smtp->timeout + margin;
    return mail.sendmail_timeout + margin;
}

std::vector<delivery> deliver_pending(storage::database& db,
                                      const std::filesystem::path& database_path,
                                      const mail_config& mail, storage::timestamp now,
                                      const delivery_options& options) {
    const auto cancelled = [&] { return options.cancel != nullptr && options.cancel->load(); };
    const auto due_at = options.ignore_retry_time ? storage::timestamp::max() : now;
    std::vector<delivery> out;
    for (const auto& candidate : storage::due_digests(db, due_at)) {
        if (options.topic && candidate.topic != *options.topic) continue;
        if (cancelled()) break;
        delivery d;
        d.id = candidate.id;
        d.topic = candidate.topic;
        d.period = candidate.period;
        d.message_id = candidate.message_id;
        d.recipients = candidate.recipients;
        d.stories = candidate.stories;
        const auto lock = sender_lock(database_path, options.lock_wait, cancelled);
        if (!lock.acquired()) {
            // The daemon tries again at its next check; `feedd digest` says why it sent nothing.
            if (options.lock_wait.count() == 0 || cancelled()) break;
            d.error = fmt::format(
                "another feedd process{} has been sending a digest of this database for over "
                "{}s (lock {})",
                lock.holder() ? fmt::format(" (pid {})", *lock.holder()) : std::string(),
                std::chrono::duration_cast<std::chrono::seconds>(options.lock_wait).count(),
                lock.file().string());
            out.push_back(std::move(d));
            continue;
        }
        // Listed before the lock was ours: another process may have sent it meanwhile.
        const auto row = storage::due_digest(db, candidate.id, due_at);
        if (!row) continue;
        const auto sent = send_mail(mail, row->recipients, row->message, options.cancel);
        d.ok = sent.ok;
        if (sent.ok) {
            // The window between the server's "250 accepted" and this commit is the only
            // place a crash can duplicate a digest (docs/design.md).
            storage::mark_digest_sent(db, row->id, now);
            spdlog::info("digest topic={} period={} sent to {} message_id=<{}>", row->topic,
                         row->period, fmt::join(row->recipients, ","), row->message_id);
        } else if (sent.cancelled) {
            // Not an attempt that failed: the next start sends it at once.
            d.error = sent.error;
            out.push_back(std::move(d));
            break;
        } else {
            d.error = sent.error;
            d.next_retry = now + retry_delay(row->attempts + 1, mail.retry);
            storage::mark_digest_failed(db, row->id, sent.error, *d.next_retry);
            spdlog::warn("digest topic={} period={} attempt {} failed: {}; retry in {}s",
                         row->topic, row->period, row->attempts + 1, sent.error,
                         (*d.next_retry - now).count());
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace feedd::daemon
