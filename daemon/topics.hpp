// Hands the configured [[topic]] tables to the store: synced into its topics table and
// compiled for matching on ingest (storage/topics.hpp). Used at start, on SIGHUP and by
// `feedd topics rebuild`.
#pragma once

#include <vector>

#include "daemon/config.hpp"
#include "storage/database.hpp"
#include "storage/topics.hpp"

namespace feedd::daemon {

std::vector<storage::topic_spec> topic_specs(const std::vector<topic_config>& topics);

// Syncs the topics and makes store_refresh match new items against them. Logs which topics are
// new or changed (they apply to new items; `feedd topics rebuild` re-evaluates stored ones).
// Writer thread only (or before it starts).
void apply_topics(storage::database& db, const std::vector<storage::topic_spec>& specs,
                  storage::timestamp now);

}  // namespace feedd::daemon
