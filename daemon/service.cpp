#include "daemon/clock.hpp"
#include "daemon/service.hpp"

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <exception>
#include <functional>
#include <iostream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/digest_scheduler.hpp"
#include "daemon/feed_url.hpp"
#include "daemon/fetch_window.hpp"
#include "daemon/http_api.hpp"
#include "daemon/http_events.hpp"
#include "daemon/http_server.hpp"
#include "daemon/metrics.hpp"
#include "daemon/ingest.hpp"
#include "daemon/topics.hpp"
#include "daemon/web_store.hpp"
#include "daemon/schedule.hpp"
#include "daemon/systemd_notify.hpp"
#include "feeds/fetch.hpp"
#include "feeds/parse.hpp"
#include "storage/database.hpp"
#include "storage/first_import.hpp"
#include "storage/poller_lock.hpp"
#include "storage/retention.hpp"

namespace feedd::daemon {
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

std::vector<storage::feed_spec> feed_specs(const config& cfg) {
    std::vector<storage::feed_spec> specs;
    specs.reserve(cfg.feeds.size());
    for (const auto& f : cfg.feeds) {
        specs.push_back({f.url, f.title, f.tags, std::max(f.interval, min_interval)});
    }
    return specs;
}

// What one refresh's unit of work on the writer returns.
struct stored_refresh {
    storage::refresh_result result;
    std::vector<story_event> events;  // for /events subscribers, built after the commit
    std::int64_t new_stories = 0;
};

// What the CPU pool derives from a refresh's items for the writer.
struct derived_items {
    std::vector<signed_item> signatures;
    std::vector<storage::prepared_item> prepared;
};

// --- Scheduling (adaptive, polite): pure helpers around daemon/schedule.hpp -------

std::uint8_t skip_day_bits(const std::vector<std::string>& days) {
    static constexpr const char* names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                            "Thursday", "Friday", "Saturday"};
    std::uint8_t bits = 0;
    for (const auto& day : days) {
        for (unsigned i = 0; i < 7; ++i) {
            if (day == names[i]) bits = static_cast<std::uint8_t>(bits | (1u << i));
        }
    }
    return bits;
}

// What this poll taught us: the publishing rate and the publisher's hints come from
// a parsed document (doc); a 304 or a failure keeps what the last document said.
// Cache-Control/Expires come with every successful answer, 304s included.
storage::poll_state learn_poll_state(const storage::feed_row& feed, const feeds::feed* doc,
                                     const feeds::fetch_result& fetched, bool success,
                                     timestamp now) {
    auto state = feed.schedule;
    if (success) state.max_age = fetched.fresh_for;
    if (doc == nullptr) return state;
    std::vector<timestamp> dates;
    dates.reserve(doc->items.size());
    for (const auto& item : doc->items) {
        if (item.published) {
            dates.push_back(*item.published);
        } else if (item.updated) {
            dates.push_back(*item.updated);
        }
    }
    state.rate_interval = rate_interval(dates, now);
    state.ttl.reset();
    if (doc->ttl) state.ttl = std::chrono::duration_cast<std::chrono::seconds>(*doc->ttl);
    state.update_period.reset();
    if (doc->update_period || doc->update_frequency) {
        state.update_period = syndication_period(doc->update_period, doc->update_frequency);
    }
    state.skip_hours = 0;
    for (const int hour : doc->skip_hours)
        state.skip_hours |= 1u << static_cast<unsigned>(hour);
    state.skip_days = skip_day_bits(doc->skip_days);
    return state;
}

schedule_decision plan_after_poll(const storage::feed_row& feed, const storage::poll_state& state,
                                  int errors, std::optional<std::chrono::seconds> retry_after,
                                  timestamp now) {
    schedule_input in;
    in.now = now;
    in.configured = feed.interval;
    in.learned = state.rate_interval;
    in.hints.ttl = state.ttl;
    in.hints.update_period = state.update_period;
    in.hints.max_age = state.max_age;
    in.hints.skip_hours = state.skip_hours;
    in.hints.skip_days = state.skip_days;
    in.error_count = errors;
    in.retry_after = retry_after;
    in.jitter_seed = static_cast<std::uint64_t>(feed.id) * 1000003u +
                     static_cast<std::uint64_t>(now.time_since_epoch().count());
    return plan_next_poll(in);
}

// Retention ([storage] keep) runs this long after start, then at this interval, in batches of
// this many items: each batch is one short transaction on the writer, and refreshes queued
// meanwhile run between two batches.
constexpr auto retention_first_run = std::chrono::minutes(1);
constexpr auto retention_interval = std::chrono::hours(1);
constexpr int retention_batch_items = 500;

// Totals of the polls of a run (once mode), since start (daemon mode: STATUS=) or since the
// last round line in the log (daemon mode).
struct poll_totals {
    int attempted = 0;
    int failed = 0;    // unstored included
    int unstored = 0;  // polled, but nothing of it stored: the write failed (or the poll threw)
    int deferred = 0;  // not polled: the host's Retry-After (once mode)
    long new_items = 0;
    long known_items = 0;
    std::map<std::string, int> outcomes;

    void count(const std::string& outcome, bool success, const storage::refresh_result& stored) {
        ++attempted;
        if (!success) ++failed;
        ++outcomes[outcome];
        new_items += stored.new_items;
        known_items += stored.known_items;
    }

    // The feed has no stored outcome, so it counts as failed, under its own name: a summary
    // that said "0 feeds failed" after failed writes hid them (three pollers on one file).
    void count_unstored(const std::string& why) {
        ++attempted;
        ++failed;
        ++unstored;
        ++outcomes[why];
    }

    // "980 not_modified, 20 ok", or "none".
    std::string outcome_list() const {
        std::string out;
        for (const auto& [name, n] : outcomes)
            out += fmt::format("{}{} {}", out.empty() ? "" : ", ", n, name);
        return out.empty() ? "none" : out;
    }
};

// The daemon's log has one line per round of polls (the due feeds polled until the pipeline
// falls idle), and at most one a minute: feeds that come due one after another, as they do
// once the schedule has spread them out, add up to one line a minute, not one each.
constexpr auto round_log_interval = std::chrono::minutes(1);

// A reloaded configuration keeps the running settings it cannot apply: the database
// ([storage]), the fetcher ([fetch]), the listener ([http]) and the story index ([stories]) are
// built once, at start. Returns the sections the file changed ("[storage] path, [http]").
std::string hold_start_only_settings(const config& running, config& fresh) {
    // What the command line set is not the file's to change.
    if (running.from_command_line.storage_path) fresh.storage_path = running.storage_path;
    if (running.from_command_line.listen) fresh.http.listen = running.http.listen;
    fresh.from_command_line = running.from_command_line;
    std::vector<std::string_view> changed;
    const auto hold = [&changed](auto& setting, const auto& running_setting,
                                 std::string_view name) {
        if (setting != running_setting) changed.push_back(name);
        setting = running_setting;
    };
    hold(fresh.storage_path, running.storage_path, "[storage] path");
    hold(fresh.keep, running.keep, "[storage] keep");
    hold(fresh.fetch, running.fetch, "[fetch]");
    hold(fresh.http, running.http, "[http]");
    hold(fresh.stories, running.stories, "[stories]");
    return fmt::format("{}", fmt::join(changed, ", "));
}

// Fetched documents not yet stored above which the fetch window shrinks (fetch_window.hpp).
// 10 still keeps the writer's queue full in a cold poll, and holds ≈ 1.3 MiB less at its peak
// than 16 did (docs/benchmarks.md, session 7).
constexpr int max_documents_in_flight = 10;

class service {
  public:
    service(const config& cfg, run_mode mode)
        : cfg_(cfg),
          mode_(mode),
          db_(storage::database::open_for_polling(cfg.storage_path)),
          ingest_(cfg.stories),
          fetcher_(ioc_.get_executor(), cfg.fetch),
          signals_(ioc_, SIGINT, SIGTERM, SIGHUP),
          wake_(ioc_),
          watchdog_(ioc_),
          hard_stop_(ioc_),
          terminal_(mode == run_mode::once && isatty(STDERR_FILENO) != 0) {
        declare_feedd_metrics(metrics_);
    }

    int run() {
        // A store with no item yet is filled without the write-ahead log (a rollback journal
        // without syncs, storage/first_import.hpp) until the first round is over.
        try {
            first_import_ = db_.begin_first_import();
        } catch (const std::exception& e) {
            spdlog::warn("the first import goes through the write-ahead log: {}", e.what());
        }
        const auto feeds = db_.sync_feeds(feed_specs(cfg_), wall_now());
        for (const auto& block : db_.host_blocks(wall_now()))
            host_not_before_[block.host] = block.not_before;
        total_feeds_ = static_cast<int>(feeds.size());
        // An empty store fills fastest without its time-ordered indexes: they are built when
        // the first round is over (build_deferred_indexes), as are any that an import cut short
        // left missing.
        time_indexes_deferred_ = db_.defer_time_indexes();
        // The story index is rebuilt by the first refresh that brings items: a poll in
        // which every feed answers 304 never pays for reading the stored signatures, so
        // its cost does not grow with the items stored.
        ingest_.rebuild_later();
        // Before the writer thread exists, so this thread may still touch db_.
        if (mode_ == run_mode::daemon && cfg_.keep) use_incremental_vacuum();
        // Counting reads the whole stories table; only the daemon serves the gauge, and a
        // one-shot poll's cost must not grow with what is stored.
        if (mode_ == run_mode::daemon) stories_ = db_.story_count();
        metrics_.set("feedd_stories", static_cast<double>(stories_));
        metrics_.set("feedd_feeds", total_feeds_, {{"state", "ok"}});
        metrics_.set("feedd_feeds", 0, {{"state", "failing"}});
        apply_topics(db_, topic_specs(cfg_.topics), wall_now());
        spdlog::info("database={} feeds={} mode={}", cfg_.storage_path.string(), feeds.size(),
                     mode_ == run_mode::once ? "once" : "daemon");
        started_ = std::chrono::steady_clock::now();
        wait_for_signals();
        if (mode_ == run_mode::once) {
            for (const auto& f : feeds)
                pending_.push_back(f);
            dispatch();  // stops at once when there is nothing to poll
        } else {
            net::co_spawn(ioc_, scheduler_loop(), top_level_handler("scheduler"));
            if (cfg_.keep) net::co_spawn(ioc_, retention_loop(), top_level_handler("retention"));
            digests_ =
                std::make_unique<digest_scheduler>(cfg_.storage_path, cfg_.topics, cfg_.mail);
            start_watchdog();
            // READY=1 promises a bound listener: bind first (a busy port ends start-up).
            if (cfg_.http.listen) start_http();
            notify(fmt::format("READY=1\nSTATUS=following {} feeds", feeds.size()));
        }
        ioc_.run();
        digests_.reset();  // joins the digest thread (a send in progress finishes)
        // The loop is done; let queued writes and parses finish before the
        // database closes (its destructor runs after this), and commit what they wrote.
        net::post(writer_pool_, [this] { commit_writes(); });
        writer_pool_.join();
        cpu_pool_.join();
        reader_pool_.join();
        if (mode_ == run_mode::once) {
            print_summary();
            // A run is a success only if every feed has its outcome stored: a failed write is
            // exit 1 (a runtime failure) even when fewer than max_store_failures came in a row.
            // Feeds left unpolled by a signal are the signal's doing (exit 0, as for the daemon).
            if (totals_.unstored > 0 || (feeds_not_polled() > 0 && !interrupted_))
                exit_code_ = std::max(exit_code_, 1);
        }
        if (mode_ == run_mode::daemon) write_round_log();  // the polls since the last line
        return exit_code_;
    }

  private:
    // Completion handler of the long-lived tasks: a failure there ends the daemon
    // with a non-zero code so systemd restarts it.
    std::function<void(std::exception_ptr)> top_level_handler(std::string task) {
        return [this, task = std::move(task)](std::exception_ptr e) {
            if (!e || stopping_) return;
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::critical("task={} failed: {}", task, ex.what());
            }
            fail(1);
        };
    }

    // Runs f() on a pool thread and resumes the caller on the loop. Cancellation is
    // not passed on: work on a pool runs to completion (a parse, a transaction), and
    // Asio 1.81 would deliver the cancellation on the pool after the caller's slot
    // is gone (chriskohlhoff/asio#1332).
    template <class F>
    static auto on_pool(net::thread_pool& pool, F f) -> net::awaitable<std::invoke_result_t<F>> {
        using result = std::invoke_result_t<F>;
        auto task = [f = std::move(f)]() mutable -> net::awaitable<result> { co_return f(); };
        co_return co_await net::co_spawn(
            pool, std::move(task),
            net::bind_cancellation_slot(net::cancellation_slot(), net::use_awaitable));
    }

    // Runs f(db) on the writer thread, the only one that touches db_.
    template <class F>
    auto on_writer(F f) -> net::awaitable<std::invoke_result_t<F, storage::database&>> {
        auto bound = [this, f = std::move(f)]() mutable {
            commit_writes();  // f runs outside the group's transaction, as it always did
            return f(db_);
        };
        co_return co_await on_pool(writer_pool_, std::move(bound));
    }

    // Group commit. Refreshes queue here and the writer stores them into one open
    // transaction (a group, which may span several drains of the queue; see
    // drain_store_queue), each in a savepoint of its own, running exactly the steps a
    // lone refresh runs (clustering, topics, story events). A refresh that throws is
    // undone alone; the others are committed. Callers resume only after the commit,
    // so events are published for committed data only.
    struct store_job {
        std::function<stored_refresh(storage::database&)> work;
        std::function<void(std::exception_ptr, stored_refresh)> done;  // posts to the loop
        std::function<void()> written;  // after work ran, before the commit; posts to the loop
    };

    // `written` is called on the writer once the refresh is written, uncommitted.
    template <class F>
    net::awaitable<stored_refresh> on_writer_grouped(F f, std::function<void()> written) {
        auto start = [this, written = std::move(written)](auto handler, F work) {
            auto shared = std::make_shared<decltype(handler)>(std::move(handler));
            auto done = [shared](std::exception_ptr e, stored_refresh result) {
                auto resume = [shared, e, result = std::move(result)]() mutable {
                    (*shared)(e, std::move(result));
                };
                net::post(net::get_associated_executor(*shared), std::move(resume));
            };
            enqueue_store(store_job{std::move(work), std::move(done), written});
        };
        // Named first: g++ 12 mis-destroys temporaries held across a co_await.
        auto op = net::async_initiate<const net::use_awaitable_t<>&,
                                      void(std::exception_ptr, stored_refresh)>(
            std::move(start), net::use_awaitable, std::move(f));
        co_return co_await std::move(op);
    }

    void enqueue_store(store_job job) {
        bool post = false;
        {
            const std::lock_guard lock(store_mutex_);
            store_queue_.push_back(std::move(job));
            post = !drain_posted_;
            drain_posted_ = true;
        }
        if (post) net::post(writer_pool_, [this] { drain_store_queue(); });
    }

    // Writer thread: writes the queued refreshes into the open group transaction (opening
    // one if none is), then commits when the queue has run dry, the group is max_group_age
    // old or holds max_group refreshes, or a refresh failed. A group that spans several
    // drains commits less often: in a cold poll of 1000 feeds the fetch window keeps about
    // eight refreshes queued, and committing each eight cost the writer 15 % more CPU than
    // groups of 128 (bench/writer_replay; docs/benchmarks.md, session 6).
    void drain_store_queue() {
        std::vector<store_job> jobs;
        bool more = false;
        {
            const std::lock_guard lock(store_mutex_);
            const auto n = std::min(store_queue_.size(), max_group);
            jobs.assign(std::make_move_iterator(store_queue_.begin()),
                        std::make_move_iterator(store_queue_.begin() + static_cast<long>(n)));
            store_queue_.erase(store_queue_.begin(), store_queue_.begin() + static_cast<long>(n));
            more = drain_posted_ = !store_queue_.empty();
        }
        if (more) net::post(writer_pool_, [this] { drain_store_queue(); });
        try {
            if (!db_.in_batch()) group_opened_ = std::chrono::steady_clock::now();
            ingest_.begin_group(db_);
        } catch (...) {
            const auto error = std::current_exception();  // nothing of these was written
            for (auto& job : jobs)
                job.done(error, {});
            return;
        }
        bool failed = false;
        for (auto& job : jobs) {
            stored_refresh result;
            auto error =
                ingest_.store_in_group(db_, [&](storage::database& db) { result = job.work(db); });
            failed = failed || error;
            // The refresh's items are in the transaction now. Freeing them (thousands of
            // strings in a cold poll) is left to the I/O loop: the writer is the critical path.
            net::post(ioc_, [spent = std::move(job.work)] {});
            written_unacknowledged_.fetch_add(1);
            job.written();
            uncommitted_.push_back({std::move(job.done), error, std::move(result)});
        }
        {
            const std::lock_guard lock(store_mutex_);
            more = !store_queue_.empty();
        }
        // Every poll started has been written (their callers wait for this commit): nothing
        // else will come soon. Read in this order: the loop takes a poll out of
        // polls_unwritten_ before it takes its acknowledgement out of written_unacknowledged_,
        // so a race can only undercount (an early commit), never make the group wait for a
        // poll that was written.
        const int unacknowledged = written_unacknowledged_.load();
        const bool last_writes = polls_unwritten_.load() - unacknowledged <= 0;
        if ((!more && last_writes) || failed || uncommitted_.size() >= max_group ||
            std::chrono::steady_clock::now() - group_opened_ >= max_group_age) {
            commit_writes();
        } else if (!more) {
            // The writer waits for the next refresh: the full-text rows of this group are
            // written in that wait rather than at the commit (docs/design.md, session 10).
            net::post(writer_pool_, [this] { index_while_idle(); });
            // Polls still on their way may keep the group growing; if they are slow, it
            // commits when it is max_group_age old.
            net::post(ioc_, [this, deadline = group_opened_ + max_group_age] {
                group_deadline_.expires_at(deadline);
                group_deadline_.async_wait([this](boost::system::error_code ec) {
                    if (!ec) net::post(writer_pool_, [this] { commit_writes(); });
                });
            });
        }
    }

    // Writer thread, posted when the queue ran dry with the group left open. A cold poll's
    // writer waits for work about a quarter of the time (the fetching and parsing threads
    // share the two cores with it and with the server); the full-text rows written in those
    // waits took 45 ms off its wall time (docs/benchmarks.md, session 10).
    void index_while_idle() {
        {
            const std::lock_guard lock(store_mutex_);
            if (!store_queue_.empty()) return;  // refreshes first: their drain is posted
        }
        db_.write_pending_index_rows(idle_index_min_bytes);
    }

    // Writer thread: the checkpoint thread's counters go to /metrics, and a checkpoint it
    // could not run is logged once per failure; the log then grows until one succeeds (or
    // the writer checkpoints itself).
    void report_checkpoints() {
        const auto checkpoints = db_.checkpoints();
        const bool failed = checkpoints.failures > checkpoints_seen_.failures;
        checkpoints_seen_ = record_checkpoints(metrics_, checkpoints, checkpoints_seen_);
        if (!failed) return;
        spdlog::warn("{}; check the free space and permissions of the database's folder",
                     checkpoints.last_error);
    }

    // Writer thread: commits the open group, if any, and resumes its refreshes' callers.
    void commit_writes() {
        if (uncommitted_.empty() && !db_.in_batch()) return;
        const auto group_error = ingest_.commit_group(db_);
        // A deadline armed for this group must not keep the loop waiting (the end of a
        // one-shot poll waits for every timer).
        net::post(ioc_, [this] { group_deadline_.cancel(); });
        metrics_.observe("feedd_writer_batch_refreshes", static_cast<double>(uncommitted_.size()));
        report_checkpoints();
        for (auto& w : std::exchange(uncommitted_, {}))
            w.done(group_error ? group_error : w.error, std::move(w.result));
    }

    void wait_for_signals() {
        signals_.async_wait([this](boost::system::error_code ec, int signal) {
            if (ec) return;  // operation_aborted: we are stopping
            if (signal == SIGHUP) {
                // A one-shot poll keeps the configuration it started with.
                if (mode_ == run_mode::daemon) reload();
                wait_for_signals();
                return;
            }
            spdlog::info("signal={} stopping", signal == SIGTERM ? "TERM" : "INT");
            interrupted_ = true;
            request_stop();
        });
    }

    // SIGHUP: re-read the feed list and intervals; the old configuration stays if
    // the file is broken. [storage], [fetch], [http] and [stories] apply at the next start
    // (hold_start_only_settings).
    void reload() {
        notify("RELOADING=1");
        config fresh;
        try {
            fresh = load_config(cfg_.file);
        } catch (const std::exception& e) {
            spdlog::error("reload failed, keeping the previous configuration: {}", e.what());
            notify("READY=1");
            return;
        }
        // Said, not silently dropped: a user who edits these and sends SIGHUP expects them.
        if (const auto held = hold_start_only_settings(cfg_, fresh); !held.empty()) {
            spdlog::warn("reload: {} changed; kept as they were until the next start", held);
        }
        cfg_ = std::move(fresh);
        // Queued feeds may have left the configuration; the scheduler re-queues the
        // ones still due on its next tick.
        for (const auto& f : pending_)
            busy_.erase(f.id);
        pending_.clear();
        net::co_spawn(
            ioc_,
            [this]() -> net::awaitable<void> {
                auto sync = [specs = feed_specs(cfg_),
                             topics = topic_specs(cfg_.topics)](storage::database& db) {
                    auto feeds = db.sync_feeds(specs, wall_now());
                    apply_topics(db, topics, wall_now());  // new rules apply to new items
                    return feeds;
                };
                const auto feeds = co_await on_writer(std::move(sync));
                total_feeds_ = static_cast<int>(feeds.size());
                if (digests_) digests_->update(cfg_.topics, cfg_.mail);  // topics now synced
                spdlog::info("reloaded config={} feeds={}", cfg_.file.string(), feeds.size());
                notify(fmt::format("READY=1\nSTATUS=following {} feeds", feeds.size()));
                wake_.cancel();
            },
            top_level_handler("reload"));
    }

    void start_http() {
        http_server_options options;
        options.listen = *cfg_.http.listen;
        options.token = cfg_.http.token;
        options.request_timeout = cfg_.http.request_timeout;
        options.max_connections = cfg_.http.max_connections;
        options.max_connections_per_client = std::max(1, cfg_.http.max_connections / 8);
        options.requests_per_second = cfg_.http.requests_per_second;
        options.request_burst = 2.0 * cfg_.http.requests_per_second;
        // Requests are answered on the reader thread, with its own read-only
        // connection; the loop only moves bytes.
        auto handler = [this](http_request request) -> net::awaitable<http_reply> {
            auto work = [this, request = std::move(request)] { return serve(request); };
            co_return co_await on_pool(reader_pool_, std::move(work));
        };
        http_ = std::make_unique<http_server>(ioc_.get_executor(), std::move(options),
                                              std::move(handler), events_, &metrics_);
        http_->bind();
        spdlog::info("http listen={} port={}", *cfg_.http.listen, http_->port());
        net::co_spawn(ioc_, http_->run(), top_level_handler("http"));
    }

    // Reader threads only: each has its own read-only connection (SQLite connections are
    // never shared across threads), opened at its first request and closed when the pool
    // joins. A page is CPU work (queries, JSON, HTML, gzip): two readers use both cores.
    http_reply serve(const http_request& request) {
        // Per thread, and the threads are this service's pool: no other service sees it.
        thread_local std::unique_ptr<web_store> reader_store;
        try {
            if (!reader_store) reader_store = open_web_store(cfg_.storage_path);
        } catch (const std::exception& e) {
            spdlog::error("http: cannot open the store for reading: {}", e.what());
            return error_reply(503, "the store cannot be opened for reading; see the daemon's log");
        }
        return handle_request(request, *reader_store, &metrics_, wall_now());
    }

    void update_queue_metrics() {
        metrics_.set("feedd_queue_depth", static_cast<double>(pending_.size()),
                     {{"queue", "pending_polls"}});
        metrics_.set("feedd_queue_depth", in_flight_, {{"queue", "in_flight_fetches"}});
    }

    net::awaitable<void> scheduler_loop() {
        while (!stopping_) {
            const auto now = wall_now();
            const auto due =
                co_await on_writer([now](storage::database& db) { return db.due_feeds(now); });
            if (stopping_) break;  // the stop arrived while we were on the writer
            for (const auto& feed : due) {
                if (cooling_down(feed.id, now)) continue;
                if (busy_.insert(feed.id).second) pending_.push_back(feed);
            }
            dispatch();
            // Due feeds are looked up once a second: one indexed query, and a
            // feed is never more than a second late.
            wake_.expires_after(1s);
            co_await wake_.async_wait(net::as_tuple(net::use_awaitable));
        }
    }

    // A file created before retention returns freed pages to the file system only after one
    // VACUUM. Without it pruning still works (freed pages are reused), so a failure (a full
    // disk: VACUUM needs room for a copy) is logged and start-up goes on. Before the writer
    // thread starts.
    void use_incremental_vacuum() {
        const auto started = std::chrono::steady_clock::now();
        try {
            if (storage::enable_incremental_vacuum(db_)) {
                spdlog::info(
                    "retention: switched {} to incremental auto-vacuum (one VACUUM, {} ms)",
                    cfg_.storage_path.string(),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count());
            }
        } catch (const std::exception& e) {
            spdlog::warn(
                "retention: cannot switch to incremental auto-vacuum, so the file will "
                "not shrink (freed pages are still reused): {}",
                e.what());
        }
    }

    // Prunes hourly: items first seen more than [storage] keep ago, in batches on the writer.
    net::awaitable<void> retention_loop() {
        auto delay =
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(retention_first_run);
        while (!stopping_) {
            retention_timer_.expires_after(delay);
            co_await retention_timer_.async_wait(net::as_tuple(net::use_awaitable));
            if (stopping_) break;
            delay = retention_interval;
            co_await prune_once();
        }
    }

    net::awaitable<void> prune_once() {
        storage::prune_options options;
        options.cutoff = wall_now() - *cfg_.keep;
        options.max_items = retention_batch_items;
        storage::prune_cursor cursor;  // lives in this frame, which outlives each batch
        storage::prune_counts total;
        const auto started = std::chrono::steady_clock::now();
        try {
            while (!cursor.done && !stopping_) {
                auto batch = [&options, &cursor](storage::database& db) {
                    return storage::prune_batch(db, options, cursor);
                };
                const auto counts = co_await on_writer(std::move(batch));
                total += counts;
                metrics_.add("feedd_pruned_total", static_cast<double>(counts.items),
                             {{"kind", "items"}});
                metrics_.add("feedd_pruned_total", static_cast<double>(counts.stories),
                             {{"kind", "stories"}});
                metrics_.add("feedd_pruned_total", static_cast<double>(counts.timeline_entries),
                             {{"kind", "timeline_entries"}});
                stories_ -= counts.stories;  // the gauge counts what the store holds
                metrics_.set("feedd_stories", static_cast<double>(stories_));
            }
        } catch (const std::exception& e) {
            // A busy lock or a full disk may pass; the next run starts over.
            spdlog::error("retention: pruning failed, trying again in {}: {}",
                          format_duration(retention_interval), e.what());
            co_return;
        }
        spdlog::log(total.items > 0 ? spdlog::level::info : spdlog::level::debug,
                    "retention: pruned items={} stories={} timeline_entries={} keep={} ms={}",
                    total.items, total.stories, total.timeline_entries, format_duration(*cfg_.keep),
                    std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count());
    }

    // Starts as many pending polls as the global and per-host caps, the hosts'
    // Retry-After and the per-host spacing allow.
    void dispatch() {
        const auto now = wall_now();
        const auto steady = std::chrono::steady_clock::now();
        std::optional<std::chrono::steady_clock::time_point> retry_at;
        for (auto it = pending_.begin(); it != pending_.end() &&
                                         polls_unwritten_.load() < fetch_window_.limit() &&
                                         !stopping_;) {
            const auto host = host_key(it->url);
            if (!host.empty() && host_waiting(host, now)) {
                if (mode_ == run_mode::once) {
                    // A one-shot poll does not wait hours for a host that asked us to.
                    ++totals_.deferred;
                    ++totals_.outcomes["deferred (host Retry-After)"];
                    busy_.erase(it->id);
                    it = pending_.erase(it);
                } else {
                    ++it;
                }
                continue;
            }
            const auto busy_host = host_in_flight_.find(host);
            if (!host.empty() && busy_host != host_in_flight_.end() &&
                busy_host->second >= cfg_.fetch.per_host_concurrency) {
                ++it;
                continue;
            }
            if (const auto spacing = host_spacing(host); spacing.count() > 0) {
                const auto last = host_last_start_.find(host);
                if (last != host_last_start_.end() && steady < last->second + spacing) {
                    const auto at = last->second + spacing;
                    if (!retry_at || at < *retry_at) retry_at = at;
                    ++it;
                    continue;
                }
                host_last_start_[host] = steady;
            }
            auto feed = std::move(*it);
            it = pending_.erase(it);
            start_poll(std::move(feed), host);
        }
        update_queue_metrics();
        if (retry_at && !stopping_) {
            // Feeds held back by spacing start when it has passed, not at the next tick.
            spacing_timer_.expires_at(*retry_at);
            spacing_timer_.async_wait([this](boost::system::error_code ec) {
                if (!ec && !stopping_) dispatch();
            });
        }
        if (mode_ == run_mode::once && in_flight_ == 0 && pending_.empty()) {
            build_deferred_indexes();
            request_stop();
        }
    }

    // The daemon's pipeline is idle after polling (the end of a round, the peak of a cold
    // one): malloc keeps what was freed, so give it back to the system. At most once a minute;
    // a one-shot poll exits instead. Any poll counts, not only those that brought a document:
    // after a round of 50,000 feeds that all answered 304 RSS stayed 50 MiB higher until the
    // next round with new items; trimmed, 11 MiB (docs/benchmarks.md, session 12).
    void trim_heap() {
        const auto now = std::chrono::steady_clock::now();
        if (mode_ != run_mode::daemon || polls_since_trim_ == 0 || now - last_trim_ < 1min) return;
        // Off the loop: on a large heap the trim takes milliseconds.
        net::post(cpu_pool_, [] { malloc_trim(0); });
        last_trim_ = now;
        polls_since_trim_ = 0;
    }

    std::chrono::milliseconds host_spacing(const std::string& host) const {
        if (host.empty()) return std::chrono::milliseconds(0);
        if (cfg_.fetch.host_spacing) return *cfg_.fetch.host_spacing;
        return is_loopback_host(host) ? std::chrono::milliseconds(0) : default_host_spacing;
    }

    bool host_waiting(const std::string& host, timestamp now) {
        const auto it = host_not_before_.find(host);
        if (it == host_not_before_.end()) return false;
        if (it->second > now) return true;
        host_not_before_.erase(it);
        return false;
    }

    void start_poll(storage::feed_row feed, const std::string& host) {
        const auto id = feed.id;
        if (!round_started_) round_started_ = std::chrono::steady_clock::now();
        busy_.insert(id);
        ++in_flight_;
        polls_unwritten_.fetch_add(1);
        if (!host.empty()) ++host_in_flight_[host];
        auto& signal = cancel_signals_[id];
        net::co_spawn(
            ioc_, poll_feed(std::move(feed)),
            net::bind_cancellation_slot(signal.slot(), [this, id, host](std::exception_ptr e) {
                // Erase the signal after this handler returns: it is
                // still attached to the finishing operation now.
                net::post(ioc_, [this, id, host, e] { finish_poll(id, host, e); });
            }));
    }

    // A poll's document and host slot are free once it is written: waiting for the group's
    // commit holds neither a connection nor memory of ours.
    void release_poll_slot(std::int64_t id, const std::string& host) {
        documents_.erase(id);
        if (!host.empty() && --host_in_flight_[host] == 0) host_in_flight_.erase(host);
    }

    // Loop thread, posted by the writer once the poll is in the open group.
    void poll_written(std::int64_t id, const std::string& host) {
        polls_unwritten_.fetch_sub(1);
        written_unacknowledged_.fetch_sub(1);
        written_.insert(id);
        release_poll_slot(id, host);
        if (!stopping_) dispatch();
    }

    void finish_poll(std::int64_t id, const std::string& host, std::exception_ptr e) {
        cancel_signals_.erase(id);
        if (written_.erase(id) == 0) {
            polls_unwritten_.fetch_sub(1);
            release_poll_slot(id, host);
        }
        busy_.erase(id);
        --in_flight_;
        ++polls_since_trim_;
        if (in_flight_ == 0) {
            fetch_window_.idle();
            trim_heap();
        }
        if (e && !stopping_) {
            try {
                std::rethrow_exception(e);
            } catch (const std::exception& ex) {
                spdlog::error("feed_id={} poll failed: {}", id, ex.what());
            }
            record_unstored("poll_failed");
            // Nothing moved its next_poll: keep it from being polled again every second.
            cool_down(id);
        }
        show_progress();
        update_queue_metrics();
        if (stopping_) {
            if (in_flight_ == 0) hard_stop_.cancel();
            return;
        }
        dispatch();
        if (mode_ == run_mode::daemon && round_is_over()) {
            build_deferred_indexes();
            log_round();
        }
    }

    // Daemon mode: nothing is being polled, and every feed still waiting (if any) waits for
    // its host's Retry-After, maybe for hours, which must not hold back the round's end.
    // Feeds held by the per-host spacing are part of the round: a timer starts them soon.
    bool round_is_over() {
        if (in_flight_ > 0) return false;
        const auto now = wall_now();
        return std::all_of(pending_.begin(), pending_.end(), [&](const storage::feed_row& feed) {
            const auto host = host_key(feed.url);
            return !host.empty() && host_waiting(host, now);
        });
    }

    // Loop thread, when the pipeline falls idle: a first import's round is over, so the
    // time-ordered indexes it went without are built, each by one sort (docs/design.md, "The
    // writer's SQLite"). The daemon tries again when it next falls idle if that fails (a full
    // disk), and so does the next start.
    void build_deferred_indexes() {
        if (!time_indexes_deferred_ && !first_import_) return;
        time_indexes_deferred_ = false;
        net::co_spawn(ioc_, build_time_indexes(), top_level_handler("time-ordered indexes"));
    }

    // Also ends a first import (durable, back to the write-ahead log), after the indexes,
    // which it writes without the log too.
    net::awaitable<void> build_time_indexes() {
        const auto started = std::chrono::steady_clock::now();
        try {
            // After the round's last commit, as on_writer runs everything.
            const auto [built, in_wal] = co_await on_writer([](storage::database& db) {
                const int count = db.build_time_indexes();
                return std::pair{count, db.end_first_import()};
            });
            if (first_import_ && !in_wal) {
                spdlog::warn(
                    "the first import is over, but a reader kept the database from "
                    "switching back to its write-ahead log; trying again when idle");
                time_indexes_deferred_ = true;
            }
            first_import_ = !in_wal;
            if (built == 0) co_return;
            spdlog::info(
                "time-ordered indexes built in {:.2f} s",
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
        } catch (const std::exception& e) {
            spdlog::error(
                "building the time-ordered indexes failed: {}; listings and timelines sort "
                "without them (slower) until a later try succeeds: the daemon tries again when "
                "it next falls idle, `feedd poll --once` at its next run; check the free space "
                "of the database's file system",
                e.what());
            time_indexes_deferred_ = true;
        }
    }

    // The pipeline fell idle: the round's line, unless one went out less than
    // round_log_interval ago; then a timer writes it when the interval is over, if the
    // daemon is idle then (else the end of the round that is running writes it).
    void log_round() {
        const auto now = std::chrono::steady_clock::now();
        if (!last_round_log_ || now - *last_round_log_ >= round_log_interval) {
            write_round_log();
            return;
        }
        if (round_timer_armed_ || !round_started_) return;
        round_timer_armed_ = true;
        round_timer_.expires_at(*last_round_log_ + round_log_interval);
        round_timer_.async_wait([this](boost::system::error_code ec) {
            round_timer_armed_ = false;
            if (!ec && !stopping_ && round_is_over()) write_round_log();
        });
    }

    void write_round_log() {
        if (!round_started_) return;
        if (round_.attempted > 0) {
            const auto seconds =
                std::chrono::duration<double>(std::chrono::steady_clock::now() - *round_started_)
                    .count();
            // seconds: from the round's first poll to this line.
            spdlog::info(
                "round feeds={} seconds={:.1f} outcomes=\"{}\" new={} known={} failed={} "
                "failing={}",
                round_.attempted, seconds, round_.outcome_list(), round_.new_items,
                round_.known_items, round_.failed, failing_.size());
        }
        round_ = {};
        round_started_.reset();
        last_round_log_ = std::chrono::steady_clock::now();
    }

    net::awaitable<void> poll_feed(storage::feed_row feed) {
        // Cancellation (shutdown) is checked explicitly below, never thrown at a
        // co_await: a fetched and parsed document is still stored on the way out.
        co_await net::this_coro::throw_if_cancelled(false);
        const auto started = std::chrono::steady_clock::now();
        const feeds::validators known{feed.etag, feed.last_modified};
        feeds::fetch_result fetched;
        // Work handed to pools is built as named lambdas first: g++ 12 mis-destroys
        // non-trivial temporaries that live across a co_await (double free).
        if (const auto path = file_url_path(feed.url)) {
            auto read = [file = *path, known, cap = cfg_.fetch.max_body_bytes] {
                return feeds::fetch_file(file, known, cap);
            };
            fetched = co_await on_pool(cpu_pool_, std::move(read));
        } else {
            fetched = co_await fetcher_.fetch(feed.url, known);
        }
        // A fetch cut short by shutdown is not a failure of the feed: record nothing.
        if ((co_await net::this_coro::cancellation_state).cancelled() !=
            net::cancellation_type::none)
            co_return;

        storage::refresh r;
        r.feed_id = feed.id;
        r.fetched_at = wall_now();
        r.http_status = fetched.http_status;
        metrics_.add("feedd_fetch_bytes_total", static_cast<double>(fetched.body.size()));
        r.error = fetched.error;
        auto outcome = fetched.outcome;
        r.schedule = feed.schedule;
        if (outcome == feeds::fetch_outcome::ok) documents_.insert(feed.id);  // until finish_poll
        fetch_window_.fetched(static_cast<int>(documents_.size()));
        if (outcome == feeds::fetch_outcome::ok) {
            auto parse = [body = std::move(fetched.body), base = fetched.final_url,
                          type = fetched.content_type] { return feeds::parse(body, base, type); };
            auto parsed = co_await on_pool(cpu_pool_, std::move(parse));
            if (parsed) {
                r.schedule = learn_poll_state(feed, &*parsed.feed, fetched, true, r.fetched_at);
                r.items = std::move(parsed.feed->items);
                r.feed_title = std::move(parsed.feed->title);
            } else {
                outcome = feeds::fetch_outcome::not_a_feed;
                r.error = parsed.error;
            }
        } else if (outcome == feeds::fetch_outcome::not_modified) {
            r.schedule = learn_poll_state(feed, nullptr, fetched, true, r.fetched_at);
        }
        std::vector<signed_item> signatures;
        // A feed's first document is all new items: they are signed and their index text
        // folded here, so the writer only writes. Later documents are mostly items already
        // stored; signing and folding them all would cost ten times the CPU of doing the
        // few new ones on the writer, which does that (docs/design.md).
        const bool all_new = !feed.last_success.has_value();
        if (!r.items.empty()) {
            // Everything else that needs no database is derived here too.
            auto derive = [items = &r.items, all_new] {
                return derived_items{all_new ? sign_items(*items) : std::vector<signed_item>{},
                                     storage::prepare_items(*items, all_new)};
            };
            auto derived = co_await on_pool(cpu_pool_, std::move(derive));
            signatures = std::move(derived.signatures);
            r.prepared = std::move(derived.prepared);
        }
        r.outcome = feeds::to_string(outcome);
        r.success =
            outcome == feeds::fetch_outcome::ok || outcome == feeds::fetch_outcome::not_modified;
        if (r.success) {
            r.etag = fetched.validators.etag;
            r.last_modified = fetched.validators.last_modified;
            r.new_url = fetched.permanent_url;
        }
        const int errors = r.success ? 0 : feed.error_count + 1;
        std::optional<std::chrono::seconds> retry_after;
        if (!r.success) retry_after = fetched.retry_after;
        auto decision = plan_after_poll(feed, r.schedule, errors, retry_after, r.fetched_at);
        r.next_poll = decision.next_poll;
        r.poll_reason = std::move(decision.reason);
        const auto block = host_block_for(feed, fetched, r.fetched_at);
        const auto outcome_name = r.outcome;
        const auto success = r.success;
        const auto error = r.error;

        storage::refresh_result stored;
        std::vector<story_event> story_updates;
        try {
            const auto write_started = std::chrono::steady_clock::now();
            // Story events cost a read of the touched stories: only once someone has
            // listened (a reader that reconnects asks for what it missed).
            const bool want_events = events_.wanted();
            auto store = [this, r = std::move(r), signatures = std::move(signatures), want_events,
                          block](storage::database& db) {
                stored_refresh out;
                if (block) db.block_host(*block);
                std::vector<storage::story_assignment> decisions;
                out.result = ingest_.store(db, r, signatures, &decisions);
                out.new_stories = std::count_if(decisions.begin(), decisions.end(),
                                                [](const auto& d) { return d.new_story; });
                try {
                    if (want_events) out.events = story_events(db, decisions);
                } catch (const std::exception& e) {
                    // Committed already: a failed read costs the events, not the refresh.
                    spdlog::warn("feed_id={} story events not built: {}", r.feed_id, e.what());
                }
                return out;
            };
            // The fetch window counts polls and documents until they are written, not
            // committed: a written one holds no connection and no memory of ours any more.
            std::function<void()> document_written = [this, id = feed.id,
                                                      host = host_key(feed.url)] {
                net::post(ioc_, [this, id, host] { poll_written(id, host); });
            };
            auto written =
                co_await on_writer_grouped(std::move(store), std::move(document_written));
            stored = written.result;
            story_updates = std::move(written.events);
            stories_ += written.new_stories;
            metrics_.set("feedd_stories", static_cast<double>(stories_));
            metrics_.observe("feedd_writer_duration_seconds",
                             seconds_of(std::chrono::steady_clock::now() - write_started));
            consecutive_store_failures_ = 0;
        } catch (const std::exception& e) {
            // A busy lock held by another process, or a full disk, may pass: skip this
            // feed until its next interval. Failing writes in a row mean the database
            // itself is broken: stop, so systemd restarts us and the operator sees it.
            spdlog::error("feed={} storing failed: {}", feed.url, e.what());
            cool_down(feed.id);
            record_unstored("write_failed");
            if (++consecutive_store_failures_ >= max_store_failures && !stopping_) {
                spdlog::critical("{} writes failed in a row; stopping", max_store_failures);
                writer_stopped_ = true;
                fail(1);
            }
            co_return;
        }

        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - started)
                            .count();
        record(outcome_name, success, stored);
        metrics_.observe("feedd_fetch_duration_seconds",
                         seconds_of(std::chrono::steady_clock::now() - started));
        if (stored.new_items > 0) {
            // After the commit: a subscriber that reacts by querying sees the items.
            story_event event;
            event.what = story_event::kind::new_items;
            event.feed = feed.config_url;
            event.new_items = stored.new_items;
            events_.publish(event);
            metrics_.add("feedd_events_published_total", 1);
        }
        for (const auto& update : story_updates) {
            events_.publish(update);
            metrics_.add("feedd_events_published_total", 1);
        }
        if (success) {
            failing_.erase(feed.id);
        } else {
            failing_.insert(feed.id);
        }
        metrics_.set("feedd_feeds", total_feeds_ - static_cast<double>(failing_.size()),
                     {{"state", "ok"}});
        metrics_.set("feedd_feeds", static_cast<double>(failing_.size()), {{"state", "failing"}});
        if (success) {
            // Counted in the round's line (daemon) or the summary (--once); a journal
            // following 50,000 feeds would otherwise get 200,000 lines an hour.
            spdlog::debug("feed={} outcome={} status={} new={} ms={}", feed.url, outcome_name,
                          fetched.http_status, stored.new_items, ms);
        } else {
            spdlog::warn("feed={} outcome={} status={} errors={} ms={} error=\"{}\"", feed.url,
                         outcome_name, fetched.http_status, errors, ms, error);
        }
    }

    // 429 or 503 with Retry-After speaks for the whole host (registrable domain):
    // no feed of it is fetched before then, and the wait survives a restart.
    std::optional<storage::host_block> host_block_for(const storage::feed_row& feed,
                                                      const feeds::fetch_result& fetched,
                                                      timestamp now) {
        if (!fetched.retry_after || (fetched.http_status != 429 && fetched.http_status != 503))
            return std::nullopt;
        const auto host = host_key(feed.url);
        if (host.empty()) return std::nullopt;
        const auto wait = std::min(*fetched.retry_after, max_backoff);
        auto& until = host_not_before_[host];
        until = std::max(until, now + wait);
        spdlog::warn("host={} asked to wait {} (HTTP {} Retry-After); its feeds are held back",
                     host, format_duration(wait), fetched.http_status);
        return storage::host_block{
            host, until,
            fmt::format("HTTP {} Retry-After {}", fetched.http_status, format_duration(wait))};
    }

    // A feed whose poll ended without moving its next_poll (a failed write, an
    // unexpected exception) waits one interval before the scheduler takes it again.
    void cool_down(std::int64_t id) { cooldown_until_[id] = wall_now() + std::chrono::minutes(1); }
    bool cooling_down(std::int64_t id, timestamp now) {
        const auto it = cooldown_until_.find(id);
        if (it == cooldown_until_.end()) return false;
        if (it->second > now) return true;
        cooldown_until_.erase(it);
        return false;
    }

    void record(const std::string& outcome, bool success, const storage::refresh_result& stored) {
        totals_.count(outcome, success, stored);
        round_.count(outcome, success, stored);
        metrics_.add("feedd_fetches_total", 1, {{"outcome", outcome}});
        metrics_.add("feedd_items_total", stored.new_items, {{"state", "new"}});
        metrics_.add("feedd_items_total", stored.known_items, {{"state", "known"}});
    }

    // A poll that stored no outcome (write_failed, poll_failed) is an outcome all the same, in
    // the summary and in feedd_fetches_total, so that the outcomes add up to the fetches.
    void record_unstored(const std::string& why) {
        totals_.count_unstored(why);
        round_.count_unstored(why);
        metrics_.add("feedd_fetches_total", 1, {{"outcome", why}});
    }

    // Once mode: feeds that got no outcome at all (a stop cut the run short).
    int feeds_not_polled() const {
        return std::max(0, total_feeds_ - totals_.attempted - totals_.deferred);
    }

    void show_progress() {
        if (!terminal_) return;
        std::fprintf(stderr, "\r\033[Kpolled %d/%d feeds · %ld new items · %d failed",
                     totals_.attempted, total_feeds_, totals_.new_items, totals_.failed);
        std::fflush(stderr);
    }

    void print_summary() {
        if (terminal_) std::fprintf(stderr, "\r\033[K");
        const auto seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
        if (interrupted_) std::cout << "Interrupted. ";
        if (writer_stopped_)
            std::cout << fmt::format("Stopped: {} writes failed in a row. ", max_store_failures);
        // Failed fetches are recorded on their feeds; failed writes only in the log.
        std::string why;
        if (const int fetch_failed = totals_.failed - totals_.unstored; fetch_failed > 0)
            why = "see `feedd feeds` for their errors";
        if (totals_.unstored > 0) {
            why += fmt::format("{}{} not stored: see the errors logged above",
                               why.empty() ? "" : "; ", totals_.unstored);
        }
        const int not_polled = feeds_not_polled();
        std::cout << fmt::format(
            "Polled {} of {} feeds in {:.1f} s ({}): {} new items stored, {} already known; "
            "{} feeds failed{}{}. Database: {}\n",
            totals_.attempted, total_feeds_, seconds, totals_.outcome_list(), totals_.new_items,
            totals_.known_items, totals_.failed, why.empty() ? "" : " (" + why + ")",
            not_polled > 0 ? fmt::format("; {} feeds not polled", not_polled) : "",
            cfg_.storage_path.string());
    }

    // WATCHDOG=1 only while the loop (this coroutine) and the writer (the round trip)
    // answer: a stuck writer lets systemd restart us. STATUS= goes out on the same beat,
    // every 30 s when systemd set no watchdog.
    void start_watchdog() {
        const auto systemd_period =
            systemd_watchdog(std::getenv("WATCHDOG_USEC"), std::getenv("WATCHDOG_PID"), getpid());
        const bool watchdog = systemd_period.has_value();
        const auto period = watchdog ? *systemd_period / 2 : std::chrono::microseconds(30s);
        net::co_spawn(
            ioc_,
            [this, period, watchdog]() -> net::awaitable<void> {
                while (!stopping_) {
                    co_await on_writer([](storage::database&) { return 0; });
                    if (stopping_) break;
                    notify(
                        fmt::format("{}STATUS=following {} feeds, {} failing; {} polls, {} new "
                                    "items since start",
                                    watchdog ? "WATCHDOG=1\n" : "", total_feeds_, failing_.size(),
                                    totals_.attempted, totals_.new_items));
                    watchdog_.expires_after(period);
                    co_await watchdog_.async_wait(net::as_tuple(net::use_awaitable));
                }
            },
            top_level_handler("watchdog"));
    }

    void request_stop() {
        if (stopping_) return;
        stopping_ = true;
        notify("STOPPING=1");
        pending_.clear();
        // Terminal at once: a fetch holds nothing worth finishing (a cancelled fetch
        // records nothing), and a co_spawn'd coroutine in Asio 1.81 only reacts to
        // terminal cancellation unless it opts in to more. Parses and writes already
        // under way are not cancelled (see on_pool) and complete.
        for (auto& [id, signal] : cancel_signals_)
            signal.emit(net::cancellation_type::terminal);
        boost::system::error_code ignored;  // stopping anyway
        signals_.cancel(ignored);
        if (http_) http_->stop();
        wake_.cancel();
        watchdog_.cancel();
        spacing_timer_.cancel();
        retention_timer_.cancel();
        round_timer_.cancel();
        if (in_flight_ > 0) {
            // A fetch that ignores cancellation must not hold the process forever.
            hard_stop_.expires_after(10s);
            hard_stop_.async_wait([this](boost::system::error_code ec) {
                if (ec) return;
                spdlog::warn("in-flight polls did not stop within 10s; exiting anyway");
                ioc_.stop();
            });
        }
    }

    void fail(int code) {
        exit_code_ = code;
        request_stop();
    }

    void notify(const std::string& state) const { notifier_.send(state); }

    config cfg_;
    run_mode mode_;
    // READY=1, WATCHDOG=1, STATUS=... to systemd when it started us (Type=notify).
    systemd_notifier notifier_{std::getenv("NOTIFY_SOCKET")};
    net::io_context ioc_{1};
    // Declared before the pools so it is destroyed after them: a pool's destructor
    // joins its thread, which may still be inside a transaction.
    storage::database db_;
    // The story index: lives with db_ and, like it, is only touched on the writer.
    story_ingest ingest_;
    // Parsing and file reads; two threads match the two cores we plan for.
    net::thread_pool cpu_pool_{2};
    // The single writer: db_ is only touched on this thread once run() starts.
    net::thread_pool writer_pool_{1};
    // HTTP requests read the store here, one read-only connection per thread (reader_store).
    net::thread_pool reader_pool_{2};
    metrics_registry metrics_;
    // Event ids start at the start time in microseconds: they keep growing across restarts.
    event_hub events_{
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                       std::chrono::system_clock::now().time_since_epoch())
                                       .count())};
    std::int64_t stories_ = 0;  // in the store, for the feedd_stories gauge (daemon; loop thread)
    std::unique_ptr<http_server> http_;
    // Topic digests: their own thread and connection (daemon mode only).
    std::unique_ptr<digest_scheduler> digests_;
    feeds::http_fetcher fetcher_;
    net::signal_set signals_;
    net::steady_timer wake_;
    net::steady_timer watchdog_;
    net::steady_timer hard_stop_;
    net::steady_timer spacing_timer_{ioc_};
    net::steady_timer retention_timer_{ioc_};
    bool terminal_;

    std::deque<storage::feed_row> pending_;
    std::set<std::int64_t> busy_;     // queued or in flight
    std::set<std::int64_t> failing_;  // whose last poll since start failed, for STATUS=
    std::map<std::int64_t, net::cancellation_signal> cancel_signals_;
    std::map<std::string, int> host_in_flight_;
    std::map<std::string, timestamp> host_not_before_;  // Retry-After of a whole host
    std::map<std::string, std::chrono::steady_clock::time_point> host_last_start_;
    int in_flight_ = 0;
    std::set<std::int64_t> documents_;  // fetched, not yet stored (polls in flight)
    fetch_window fetch_window_{cfg_.fetch.max_concurrency, max_documents_in_flight};
    int polls_since_trim_ = 0;  // see trim_heap
    std::chrono::steady_clock::time_point last_trim_{};
    int total_feeds_ = 0;
    bool stopping_ = false;
    int exit_code_ = 0;
    bool interrupted_ = false;
    bool time_indexes_deferred_ = false;  // loop thread; see build_deferred_indexes
    bool first_import_ = false;           // loop thread; db_.begin_first_import() switched
    std::map<std::int64_t, timestamp> cooldown_until_;
    int consecutive_store_failures_ = 0;
    bool writer_stopped_ = false;  // max_store_failures in a row stopped the run
    std::mutex store_mutex_;       // guards store_queue_ and drain_posted_
    std::vector<store_job> store_queue_;
    bool drain_posted_ = false;
    static constexpr std::size_t max_group = 256;  // refreshes per transaction at most
    // How long a group transaction stays open while more refreshes keep coming: what a
    // reader (the HTTP API, `feedd query`) may lag behind the writer.
    static constexpr auto max_group_age = std::chrono::milliseconds(250);
    // Full-text rows are written in the writer's idle moments once this much of their text
    // waits: FTS5 makes a segment of each write, and smaller ones would only add merges.
    static constexpr std::size_t idle_index_min_bytes = 256 * 1024;
    // Refreshes written into the open group, waiting for its commit (writer thread only).
    struct written_refresh {
        std::function<void(std::exception_ptr, stored_refresh)> done;
        std::exception_ptr error;  // this refresh's own failure (undone alone), if any
        stored_refresh result;
    };
    std::vector<written_refresh> uncommitted_;
    storage::checkpoint_counters checkpoints_seen_;  // writer thread
    std::chrono::steady_clock::time_point group_opened_{};
    // Polls started and not yet written into a group (loop thread writes, the writer reads):
    // counted out when the writer's notice arrives (poll_written) or the poll ends without
    // reaching the writer. The fetch window limits these, not the polls waiting for a
    // group's commit (they hold no connection and no document). The writer subtracts what
    // it wrote and the loop has not heard of yet, so its view is not stale.
    std::atomic<int> polls_unwritten_{0};
    std::atomic<int> written_unacknowledged_{0};  // written, poll_written not run yet
    std::set<std::int64_t> written_;  // polls written, waiting for their commit (loop thread)
    net::steady_timer group_deadline_{ioc_};  // commits a group that waits for slow polls
    static constexpr int max_store_failures = 3;
    poll_totals totals_;
    std::chrono::steady_clock::time_point started_;
    // Daemon mode: the polls since the log's last round line (log_round).
    poll_totals round_;
    // When the first poll since that line started; none: no poll since.
    std::optional<std::chrono::steady_clock::time_point> round_started_;
    std::optional<std::chrono::steady_clock::time_point> last_round_log_;  // none yet
    net::steady_timer round_timer_{ioc_};
    bool round_timer_armed_ = false;
};

}  // namespace

int run_service(const config& cfg, run_mode mode) {
    // One malloc arena per busy thread (the loop, the two CPU-pool threads, the writer)
    // instead of up to eight per core: each arena keeps its own freed memory (a cold poll's
    // peak RSS was 3 MiB higher with the default). Two arenas saved another MiB, but four
    // threads then fought over their locks: a cold poll of 1000 feeds made 8,500-9,300
    // context switches instead of 5,600-5,900 and used 5-10 % more CPU (docs/benchmarks.md,
    // session 6). Before any thread starts. A user's MALLOC_ARENA_MAX wins.
    if (std::getenv("MALLOC_ARENA_MAX") == nullptr) mallopt(M_ARENA_MAX, 4);
    // The state folder may not exist yet (first run of the demo, a new StateDirectory).
    if (cfg.storage_path.has_parent_path())
        std::filesystem::create_directories(cfg.storage_path.parent_path());
    // One poller per database: a second one's clusterer would hand out the same story ids
    // (storage/poller_lock.hpp). Taken before the database opens, so a refused run changes
    // nothing, and released only after the service (and the database) is gone.
    const auto lock = storage::poller_lock::try_acquire(cfg.storage_path);
    if (!lock.acquired()) {
        throw std::runtime_error(fmt::format(
            "{} is being polled by another feedd{}; stop it first or use another [storage] path",
            cfg.storage_path.string(),
            lock.holder() ? fmt::format(" (pid {})", *lock.holder()) : ""));
    }
    // A first import that a crash cut short is kept or put back before the file is opened
    // (storage/first_import.hpp).
    const auto recovery =
        storage::recover_interrupted_import(cfg.storage_path, storage::current_boot_id());
    if (recovery == storage::import_recovery::kept) {
        spdlog::warn("{}: the first import was cut short; what it stored is kept",
                     cfg.storage_path.string());
    } else if (recovery == storage::import_recovery::restored) {
        spdlog::warn(
            "{}: the first import was cut short by a restart of the machine, so the "
            "pages it wrote without syncing may be damaged; the file is back as it was "
            "before the import, which starts over",
            cfg.storage_path.string());
    }
    service s(cfg, mode);
    return s.run();
}

}  // namespace feedd::daemon
