// `feedd digest` (build a topic's digest of unsent stories and send it now) and `feedd digests`
// (what was sent, what is pending and why).
#include <filesystem>
#include <ostream>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daemon/clock.hpp"
#include "daemon/commands.hpp"
#include "daemon/digest_runner.hpp"
#include "daemon/topics.hpp"
#include "storage/digests.hpp"

namespace feedd::daemon {
namespace json = boost::json;

namespace {

std::string when(const std::optional<storage::timestamp>& t) {
    return t ? fmt::format("{:%Y-%m-%d %H:%M:%S}Z", *t) : std::string("-");
}

void print_delivery(const delivery& d, std::ostream& out, std::ostream& err) {
    if (d.ok) {
        out << fmt::format("Sent the digest of topic \"{}\" ({} {}) to {} (Message-ID <{}>)\n",
                           d.topic, d.stories, d.stories == 1 ? "story" : "stories",
                           fmt::join(d.recipients, ", "), d.message_id);
    } else if (d.next_retry) {
        err << fmt::format(
            "feedd: digest of topic \"{}\" ({}) not sent: {}; it stays pending and is retried "
            "at {} (by the daemon or the next `feedd digest`)\n",
            d.topic, d.period, d.error, when(d.next_retry));
    } else {
        err << fmt::format(
            "feedd: digest of topic \"{}\" ({}) not sent: {}; it stays pending (the daemon or "
            "the next `feedd digest` sends it)\n",
            d.topic, d.period, d.error);
    }
}

}  // namespace

int digest_command(const digest_options& options, std::ostream& out, std::ostream& err) {
    const auto& cfg = options.cfg;
    const auto topic = std::find_if(cfg.topics.begin(), cfg.topics.end(),
                                    [&](const topic_config& t) { return t.name == options.topic; });
    if (topic == cfg.topics.end()) {
        err << fmt::format("feedd: digest: {} has no topic named \"{}\"\n", cfg.file.string(),
                           options.topic);
        return 2;
    }
    digest_request request;
    request.topic = options.topic;
    if (topic->digest) request.digest = *topic->digest;
    if (options.to) {
        // It goes into RCPT TO and the To: header as given: a CR/LF in it would add SMTP
        // commands or headers.
        if (!is_bare_address(*options.to)) {
            err << fmt::format(
                "feedd: digest: --to \"{}\" is not an e-mail address; expected one like "
                "you@example.org (no display name, no spaces)\n",
                *options.to);
            return 2;
        }
        request.digest.to = {*options.to};
    }
    if (request.digest.to.empty()) {
        err << fmt::format(
            "feedd: digest: topic \"{}\" has no digest recipients; pass --to ADDR or add digest "
            "= {{ schedule = \"daily 07:00\", to = [\"you@example.org\"] }} to the topic\n",
            options.topic);
        return 2;
    }
    if (!options.dry_run && !cfg.mail.smtp && !cfg.mail.sendmail) {
        err << "feedd: digest: no mail transport configured; add an [smtp] section (url, from) or "
               "[mail] sendmail = \"/usr/sbin/sendmail\"\n";
        return 2;
    }
    const auto now = wall_now();
    request.period = fmt::format("manual:{}", now.time_since_epoch().count());
    if (options.since) request.since = now - *options.since;
    request.record = !options.dry_run;

    auto db = storage::database::open(cfg.storage_path, storage::open_mode::read_write);
    storage::sync_topics(db, topic_specs(cfg.topics), now);
    if (options.dry_run) {
        const auto built = prepare_digest(db, cfg.mail, request, now);
        if (built.outcome == prepare_outcome::nothing_new) {
            out << fmt::format(
                "Nothing new for topic \"{}\" since its last digest; nothing "
                "would be sent.\n",
                options.topic);
            return 0;
        }
        // The message as it would go out, with LF line ends for the terminal.
        std::string text = built.message.rfc5322;
        std::erase(text, '\r');
        out << text;
        return 0;
    }
    // A digest left pending (server down, a crash) goes first, with its own Message-ID. The
    // daemon may be sending one of these right now: wait for it rather than send it again.
    delivery_options delivery;
    delivery.topic = options.topic;
    delivery.ignore_retry_time = true;
    delivery.lock_wait = longest_send(cfg.mail);
    int failures = 0;
    for (const auto& d : deliver_pending(db, cfg.storage_path, cfg.mail, now, delivery)) {
        print_delivery(d, out, err);
        if (!d.ok) ++failures;
    }
    const auto built = prepare_digest(db, cfg.mail, request, now);
    if (built.outcome != prepare_outcome::recorded) {
        out << fmt::format("Nothing new for topic \"{}\" since its last digest; nothing sent.\n",
                           options.topic);
        return failures > 0 ? 1 : 0;
    }
    for (const auto& d : deliver_pending(db, cfg.storage_path, cfg.mail, now, delivery)) {
        print_delivery(d, out, err);
        if (!d.ok) ++failures;
    }
    return failures > 0 ? 1 : 0;
}

int digests_command(const digests_options& options, std::ostream& out, std::ostream& err) {
    const auto db = open_store(options.db);
    auto rows = storage::list_digests(db, rows_to_read(options.limit));
    keep_default_page(rows, options.limit, "digests", "digests", err);
    if (options.json) {
        for (const auto& row : rows) {
            json::object o;
            o["id"] = row.id;
            o["topic"] = row.topic;
            o["period"] = row.period;
            o["status"] = std::string(storage::to_string(row.status));
            o["recipients"] = json::value_from(row.recipients);
            o["message_id"] = row.message_id;
            o["stories"] = row.stories;
            o["attempts"] = row.attempts;
            o["created_at"] = row.created_at.time_since_epoch().count();
            if (row.sent_at) {
                o["sent_at"] = row.sent_at->time_since_epoch().count();
            } else {
                o["sent_at"] = nullptr;
            }
            if (row.next_retry) {
                o["next_retry"] = row.next_retry->time_since_epoch().count();
            } else {
                o["next_retry"] = nullptr;
            }
            o["last_error"] = row.last_error;
            out << json::serialize(o) << '\n';
        }
        return 0;
    }
    if (rows.empty()) {
        out << "No digests yet (add digest = { ... } to a [[topic]], or run `feedd digest`).\n";
        return 0;
    }
    int pending = 0;
    for (const auto& row : rows) {
        out << fmt::format("{:<20} {:<22} {:<8} {:>3} stories  {} attempts  sent {}\n", row.topic,
                           row.period, storage::to_string(row.status), row.stories, row.attempts,
                           when(row.sent_at));
        if (row.status == storage::digest_status::pending) {
            ++pending;
            if (!row.last_error.empty()) {
                out << fmt::format("    └ {}; next attempt {}\n", row.last_error,
                                   when(row.next_retry));
            }
        }
    }
    out << fmt::format("{} digests, {} pending\n", rows.size(), pending);
    return 0;
}

}  // namespace feedd::daemon
