// The JSON shape of a story, shared by `feedd query stories/story` and whatever else
// prints stories (topic timelines): id, title, link, first_seen, last_seen,
// member_count, sources (outlet names, first appearance first) and items (feed,
// feed_title, source, title, link, published; with explain also similarity,
// matched_item and reason).
#pragma once

#include <boost/json/object.hpp>

#include "storage/database.hpp"
#include "storage/stories.hpp"

namespace feedd::daemon {

boost::json::object story_to_json(const storage::story_view& story, bool explain);

// The JSON shape of a followed feed and its fetch state, shared by `feedd feeds --json`
// and GET /api/feeds: id, url, fetch_url, title, tags, interval_seconds, last_fetch,
// last_success, outcome, http_status, error, error_count, items, next_poll,
// next_poll_reason, learnt_interval_seconds.
boost::json::object feed_to_json(const storage::feed_row& feed);

}  // namespace feedd::daemon
