// `feedd topics rebuild [NAME]`, and the glue that syncs configured topics into the store.
#include "daemon/topics.hpp"

#include <filesystem>
#include <ostream>
#include <stdexcept>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include "daemon/clock.hpp"
#include "daemon/commands.hpp"

namespace feedd::daemon {

std::vector<storage::topic_spec> topic_specs(const std::vector<topic_config>& topics) {
    std::vector<storage::topic_spec> specs;
    specs.reserve(topics.size());
    for (const auto& t : topics)
        specs.push_back(storage::topic_spec{t.name, t.match, t.feeds, t.tags});
    return specs;
}

void apply_topics(storage::database& db, const std::vector<storage::topic_spec>& specs,
                  storage::timestamp now) {
    const auto changed = storage::sync_topics(db, specs, now);
    auto set = storage::load_topic_set(db);
    for (const auto& error : set->errors)
        spdlog::error("{}; the topic is skipped", error);  // load_config checked; a stale row
    if (!changed.empty()) {
        spdlog::info(
            "topics new or changed: {} (they apply to new items; `feedd topics rebuild` "
            "re-evaluates stored ones)",
            fmt::join(changed, ", "));
    }
    spdlog::info("topics={}", set->topics.size());
    db.set_topics(std::move(set));
}

int topics_rebuild_command(const topics_rebuild_options& options, std::ostream& out,
                           std::ostream& err) {
    auto db = open_store(options.db, storage::open_mode::read_write);
    if (options.topics) storage::sync_topics(db, topic_specs(*options.topics), wall_now());
    std::vector<std::pair<std::string, std::int64_t>> counts;
    try {
        counts = storage::rebuild_timelines(db, options.name);
    } catch (const std::invalid_argument& e) {
        err << "feedd: topics rebuild: " << e.what() << '\n';
        return 2;
    }
    if (counts.empty()) {
        out << "No topics to rebuild (add [[topic]] tables to the config).\n";
        return 0;
    }
    for (const auto& [name, stories] : counts)
        out << fmt::format("{}: {} stor{}\n", name, stories, stories == 1 ? "y" : "ies");
    return 0;
}

}  // namespace feedd::daemon
