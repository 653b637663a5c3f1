#include "daemon/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "storage/database.hpp"

namespace feedd::daemon {

namespace {

std::string_view type_name(metric_type type) {
    switch (type) {
        case metric_type::counter:
            return "counter";
        case metric_type::gauge:
            return "gauge";
        case metric_type::histogram:
            return "histogram";
    }
    return "untyped";
}

// Label values escape backslash, double quote and newline (exposition format).
void append_label_value(std::string& out, std::string_view value) {
    for (const char c : value) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c == '\n') {
            out += "\\n";
        } else {
            out += c;
        }
    }
}

std::string label_text(const metric_labels& labels, std::string_view extra_name = {},
                       std::string_view extra_value = {}) {
    if (labels.empty() && extra_name.empty()) return "";
    std::string out = "{";
    bool first = true;
    for (const auto& [name, value] : labels) {
        if (!first) out += ',';
        first = false;
        out += name;
        out += "=\"";
        append_label_value(out, value);
        out += '"';
    }
    if (!extra_name.empty()) {
        if (!first) out += ',';
        out += extra_name;
        out += "=\"";
        out += extra_value;
        out += '"';
    }
    return out + "}";
}

std::string number(double value) {
    if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
    if (std::isnan(value)) return "NaN";
    return fmt::format("{}", value);
}

}  // namespace

void metrics_registry::declare(std::string name, metric_type type, std::string help,
                               std::vector<double> buckets) {
    if (type == metric_type::histogram &&
        (buckets.empty() || !std::is_sorted(buckets.begin(), buckets.end()))) {
        throw std::logic_error("histogram " + name + " needs ascending buckets");
    }
    std::lock_guard lock(mutex_);
    auto& f = families_[std::move(name)];
    f.type = type;
    f.help = std::move(help);
    f.buckets = std::move(buckets);
}

metrics_registry::series& metrics_registry::find(std::string_view name, metric_type type,
                                                 const metric_labels& labels) {
    const auto it = families_.find(name);
    if (it == families_.end() || it->second.type != type) {
        throw std::logic_error(
            fmt::format("metric {} is not a declared {}", name, type_name(type)));
    }
    auto& s = it->second.series_by_labels[labels];
    if (type == metric_type::histogram && s.hits.empty()) s.hits.resize(it->second.buckets.size());
    return s;
}

void metrics_registry::add(std::string_view name, double value, const metric_labels& labels) {
    std::lock_guard lock(mutex_);
    find(name, metric_type::counter, labels).value += value;
}

void metrics_registry::set(std::string_view name, double value, const metric_labels& labels) {
    std::lock_guard lock(mutex_);
    find(name, metric_type::gauge, labels).value = value;
}

void metrics_registry::observe(std::string_view name, double value, const metric_labels& labels) {
    std::lock_guard lock(mutex_);
    auto& s = find(name, metric_type::histogram, labels);
    const auto& buckets = families_.find(name)->second.buckets;
    const auto bucket = std::lower_bound(buckets.begin(), buckets.end(), value) - buckets.begin();
    if (static_cast<std::size_t>(bucket) < s.hits.size())
        ++s.hits[static_cast<std::size_t>(bucket)];
    ++s.count;
    s.sum += value;
}

double metrics_registry::value(std::string_view name, const metric_labels& labels) const {
    std::lock_guard lock(mutex_);
    const auto it = families_.find(name);
    if (it == families_.end()) return 0;
    const auto s = it->second.series_by_labels.find(labels);
    return s == it->second.series_by_labels.end() ? 0 : s->second.value;
}

std::string metrics_registry::render() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const auto& [name, f] : families_) {
        out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, f.help, name, type_name(f.type));
        if (f.series_by_labels.empty() && f.type != metric_type::histogram) {
            out += fmt::format("{} 0\n", name);  // a declared family is always visible
            continue;
        }
        for (const auto& [labels, s] : f.series_by_labels) {
            if (f.type != metric_type::histogram) {
                out += fmt::format("{}{} {}\n", name, label_text(labels), number(s.value));
                continue;
            }
            std::uint64_t cumulative = 0;
            for (std::size_t i = 0; i < f.buckets.size(); ++i) {
                cumulative += s.hits[i];
                out += fmt::format("{}_bucket{} {}\n", name,
                                   label_text(labels, "le", number(f.buckets[i])), cumulative);
            }
            out += fmt::format("{}_bucket{} {}\n", name, label_text(labels, "le", "+Inf"), s.count);
            out += fmt::format("{}_sum{} {}\n", name, label_text(labels), number(s.sum));
            out += fmt::format("{}_count{} {}\n", name, label_text(labels), s.count);
        }
    }
    return out;
}

void declare_feedd_metrics(metrics_registry& r) {
    r.declare("feedd_fetches_total", metric_type::counter,
              "Feed fetches by outcome (write_failed, poll_failed: nothing stored).");
    r.declare("feedd_fetch_bytes_total", metric_type::counter,
              "Response body bytes received from feeds.");
    r.declare("feedd_fetch_duration_seconds", metric_type::histogram,
              "Time from the start of a fetch to its stored result.",
              {0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30});
    r.declare("feedd_items_total", metric_type::counter,
              "Items seen in fetched feeds, by whether they were new.");
    r.declare("feedd_stories", metric_type::gauge, "Stories in the store.");
    r.declare("feedd_queue_depth", metric_type::gauge,
              "Work waiting or running, by queue (pending polls, in-flight fetches).");
    r.declare("feedd_writer_duration_seconds", metric_type::histogram,
              "Time a unit of work spends on the writer thread, queueing included.",
              {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5});
    r.declare("feedd_writer_batch_refreshes", metric_type::histogram,
              "Refreshes stored together in one transaction (group commit).",
              {1, 2, 4, 8, 16, 32, 64, 128, 256});
    r.declare("feedd_feeds", metric_type::gauge, "Followed feeds by state (ok, failing).");
    r.declare("feedd_http_requests_total", metric_type::counter,
              "HTTP requests served by status class.");
    r.declare("feedd_http_connections", metric_type::gauge, "Open HTTP connections.");
    r.declare("feedd_events_published_total", metric_type::counter,
              "Server-sent events published to subscribers.");
    r.declare("feedd_pruned_total", metric_type::counter,
              "Rows retention deleted, by kind (items, stories, timeline_entries).");
    r.declare("feedd_checkpoints_total", metric_type::counter,
              "Passes of the thread that copies the write-ahead log into the database.");
    r.declare("feedd_checkpoint_failures_total", metric_type::counter,
              "Checkpoint passes that failed (the log grows until one succeeds).");
    r.declare("feedd_checkpoint_writer_waits_total", metric_type::counter,
              "Commits that waited for a checkpoint so the log could start over.");
    r.declare("feedd_checkpoint_writer_wait_seconds_total", metric_type::counter,
              "Time those commits waited, in all.");
}

storage::checkpoint_counters record_checkpoints(metrics_registry& registry,
                                                const storage::checkpoint_counters& now,
                                                const storage::checkpoint_counters& seen) {
    registry.add("feedd_checkpoints_total", static_cast<double>(now.passes - seen.passes));
    registry.add("feedd_checkpoint_failures_total",
                 static_cast<double>(now.failures - seen.failures));
    registry.add("feedd_checkpoint_writer_waits_total",
                 static_cast<double>(now.writer_waits - seen.writer_waits));
    registry.add("feedd_checkpoint_writer_wait_seconds_total",
                 std::chrono::duration<double>(now.writer_waited - seen.writer_waited).count());
    return now;
}

}  // namespace feedd::daemon
