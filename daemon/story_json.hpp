// The JSON shape of a story, shared by `feedd query stories/story` and whatever else
// prints stories (topic timelines): id, title, link, first_seen, last_seen,
// member_count, sources (outlet names, first appearance first) and items (feed,
// feed_title, source, title, link, published; with explain also similarity,
// matched_item and reason).
#pragma once

#include <boost/json/object.hpp>

#include "storage/stories.hpp"

namespace feedd::daemon {

boost::json::object story_to_json(const storage::story_view& story, bool explain);

}  // namespace feedd::daemon
