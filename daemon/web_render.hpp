// Pure renderers for the HTTP server: JSON for /api/*, Atom 1.0 and JSON Feed 1.1 for
// topic feeds, server-rendered HTML for the web page. Everything from feeds is
// escaped; summaries go through feeds::sanitise_html.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "daemon/web_model.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {

// {"error": message}
std::string error_json(std::string_view message);

std::string feeds_json(const std::vector<storage::feed_row>& feeds);
std::string topics_json(const std::vector<topic_view>& topics);
std::string stories_json(const std::vector<story_view>& stories);
std::string story_json(const story_view& story);

// Topic feeds. self_path is the feed's own path ("/topics/world.atom"); links are
// relative to the server, which readers resolve against the feed URL.
std::string topic_atom(const topic_view& topic, const std::vector<story_view>& stories,
                       std::string_view self_path);
std::string topic_json_feed(const topic_view& topic, const std::vector<story_view>& stories,
                            std::string_view self_path);

// Web pages. now: for "5 min ago" labels.
struct topic_stories {
    topic_view topic;
    std::vector<story_view> latest;
};
// The front page: each topic with its latest stories, then the latest stories overall.
std::string home_page(const std::vector<topic_stories>& topics,
                      const std::vector<story_view>& latest, web_time now);
std::string topic_page(const topic_view& topic, const std::vector<story_view>& stories,
                       web_time now);

}  // namespace feedd::daemon
