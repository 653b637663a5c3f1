#include "daemon/digest_runner.hpp"

#include <algorithm>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "daemon/mailer.hpp"
#include "storage/digests.hpp"

namespace feedd::daemon {
namespace {

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

std::vector<delivery> deliver_pending(storage::database& db, const mail_config& mail,
                                      storage::timestamp now,
                                      const std::optional<std::string>& topic,
                                      bool ignore_retry_time) {
    const auto due = storage::due_digests(db, ignore_retry_time ? storage::timestamp::max() : now);
    std::vector<delivery> out;
    for (const auto& row : due) {
        if (topic && row.topic != *topic) continue;
        delivery d;
        d.id = row.id;
        d.topic = row.topic;
        d.period = row.period;
        d.message_id = row.message_id;
        d.recipients = row.recipients;
        d.stories = row.stories;
        const auto sent = send_mail(mail, row.recipients, row.message);
        d.ok = sent.ok;
        if (sent.ok) {
            // The window between the server's "250 accepted" and this commit is the only
            // place a crash can duplicate a digest (docs/design.md).
            storage::mark_digest_sent(db, row.id, now);
            spdlog::info("digest topic={} period={} sent to {} message_id=<{}>", row.topic,
                         row.period, fmt::join(row.recipients, ","), row.message_id);
        } else {
            d.error = sent.error;
            d.next_retry = now + retry_delay(row.attempts + 1, mail.retry);
            storage::mark_digest_failed(db, row.id, sent.error, *d.next_retry);
            spdlog::warn("digest topic={} period={} attempt {} failed: {}; retry in {}s", row.topic,
                         row.period, row.attempts + 1, sent.error, (*d.next_retry - now).count());
        }
        out.push_back(std::move(d));
    }
    return out;
}

}  // namespace feedd::daemon
