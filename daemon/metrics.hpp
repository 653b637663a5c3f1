// A small metrics registry for /metrics: counters, gauges and histograms with
// labels, rendered in the Prometheus text exposition format (version 0.0.4).
// Thread-safe (one mutex; updates happen a few times per fetch, not per item), so
// the loop, the writer and the HTTP server may all touch it.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace feedd::storage {
struct checkpoint_counters;
}

namespace feedd::daemon {

using metric_labels = std::vector<std::pair<std::string, std::string>>;

enum class metric_type { counter, gauge, histogram };

class metrics_registry {
  public:
    // Declares a metric family; updates to an undeclared name throw std::logic_error.
    // Histograms need ascending bucket upper bounds (+Inf is implied).
    void declare(std::string name, metric_type type, std::string help,
                 std::vector<double> buckets = {});

    void add(std::string_view name, double value, const metric_labels& labels = {});
    void set(std::string_view name, double value, const metric_labels& labels = {});
    void observe(std::string_view name, double value, const metric_labels& labels = {});

    // The current value of a counter or gauge (0 when never touched): for tests and STATUS=.
    double value(std::string_view name, const metric_labels& labels = {}) const;

    std::string render() const;

  private:
    struct series {
        double value = 0;                 // counter, gauge
        std::vector<std::uint64_t> hits;  // histogram: one per bucket (not cumulative)
        std::uint64_t count = 0;
        double sum = 0;
    };
    struct family {
        metric_type type = metric_type::counter;
        std::string help;
        std::vector<double> buckets;
        std::map<metric_labels, series> series_by_labels;
    };

    series& find(std::string_view name, metric_type type, const metric_labels& labels);

    mutable std::mutex mutex_;
    std::map<std::string, family, std::less<>> families_;
};

// The families service.cpp and the HTTP server update, declared in one place.
void declare_feedd_metrics(metrics_registry& registry);

// Adds what the storage's checkpoint counters gained since `seen` (the last call's `now`) to
// the feedd_checkpoint* counters, and returns `now` for the next call.
storage::checkpoint_counters record_checkpoints(metrics_registry& registry,
                                                const storage::checkpoint_counters& now,
                                                const storage::checkpoint_counters& seen);

// Seconds as a double, the unit Prometheus expects for durations.
inline double seconds_of(std::chrono::steady_clock::duration d) {
    return std::chrono::duration<double>(d).count();
}

}  // namespace feedd::daemon
