// The web_store the daemon serves from: a read-only connection to the store,
// opened on (and used only by) the reader thread. Also builds the /events messages
// for stories a refresh touched (on the writer, after its commit).
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "daemon/http_events.hpp"
#include "daemon/web_model.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {

std::unique_ptr<web_store> open_web_store(const std::filesystem::path& database);

// A story as the web shows it: sources and members from the story read-model.
story_view to_web_story(const storage::story_view& story);

// One event per story the clusterer's decisions touched: new_story when it started in
// this refresh, new_source when an outlet it did not have joined. Reads db (writer
// thread, after the commit).
// Each event names the topics whose timelines hold the story.
std::vector<story_event> story_events(const storage::database& db,
                                      const std::vector<storage::story_assignment>& decisions);

}  // namespace feedd::daemon
