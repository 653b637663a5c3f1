#include "daemon/digest_scheduler.hpp"

#include <chrono>
#include <exception>
#include <string>

#include <spdlog/spdlog.h>

#include "daemon/clock.hpp"
#include "daemon/digest.hpp"
#include "daemon/digest_runner.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {

digest_scheduler::digest_scheduler(std::filesystem::path db, std::vector<topic_config> topics,
                                   mail_config mail)
    : db_(std::move(db)), topics_(std::move(topics)), mail_(std::move(mail)) {
    thread_ = std::thread([this] { run(); });
}

digest_scheduler::~digest_scheduler() {
    {
        const std::lock_guard lock(mutex_);
        stop_ = true;
    }
    cancel_ = true;
    wake_.notify_all();
    thread_.join();
}

void digest_scheduler::update(std::vector<topic_config> topics, mail_config mail) {
    {
        const std::lock_guard lock(mutex_);
        topics_ = std::move(topics);
        mail_ = std::move(mail);
    }
    wake_.notify_all();
}

void digest_scheduler::run() {
    std::optional<storage::database> db;
    std::string last_error;  // a failure that repeats every second is logged once
    std::unique_lock lock(mutex_);
    while (!stop_) {
        const auto topics = topics_;
        const auto mail = mail_;
        lock.unlock();
        try {
            if (!db) db = storage::database::open(db_, storage::open_mode::read_write);
            const auto now = wall_now();
            for (const auto& topic : topics) {
                if (!topic.digest) continue;
                const auto period =
                    current_period(topic.digest->schedule, topic.digest->timezone, now);
                digest_request request;
                request.topic = topic.name;
                request.digest = *topic.digest;
                request.period = period.key;
                try {
                    const auto built = prepare_digest(*db, mail, request, now);
                    if (built.outcome == prepare_outcome::recorded) {
                        spdlog::info("digest topic={} period={} stories={} due", topic.name,
                                     period.key, built.stories);
                    }
                } catch (const std::invalid_argument& e) {
                    // A topic added by SIGHUP before the writer synced it: next second.
                    spdlog::debug("digest topic={}: {}", topic.name, e.what());
                }
            }
            if (mail.smtp || mail.sendmail) {
                delivery_options options;
                options.cancel = &cancel_;  // lock_wait 0: busy with `feedd digest`, next second
                deliver_pending(*db, db_, mail, now, options);
            }
            last_error.clear();
        } catch (const std::exception& e) {
            // Nothing is lost: a digest is recorded before it is sent (a missing mail module
            // fails before that, leaving its stories unsent), and a pending one is re-sent on
            // the next check.
            spdlog::log(e.what() == last_error ? spdlog::level::debug : spdlog::level::err,
                        "digests: {}; trying again every second", e.what());
            last_error = e.what();
            db.reset();
        }
        lock.lock();
        wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; });
    }
}

}  // namespace feedd::daemon
