// Date parsing for feeds: RFC 822/1123 with the usual deviations (2-digit years,
// no seconds, named and military zones, GMT+2), ISO 8601 / RFC 3339 / W3CDTF
// (partial dates, no zone = UTC) and asctime. Results are UTC. Pure.
#pragma once

#include <optional>
#include <string_view>

#include "feeds/model.hpp"

namespace feedd::feeds {

// nullopt when the text is not a date we can read: never a guess.
std::optional<timestamp> parse_date(std::string_view text);

}  // namespace feedd::feeds
