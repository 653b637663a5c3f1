// HTTP-date (RFC 9110 §5.6.7) formatting and parsing for the fetch edge: Last-Modified,
// Retry-After and Date. Parsing accepts the three historical forms; formatting writes
// IMF-fixdate. Independent of the C locale, so it is safe in any process.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::feeds {

// "Sun, 06 Nov 1994 08:49:37 GMT"; sub-second precision is dropped.
std::string format_http_date(std::chrono::system_clock::time_point time);

// IMF-fixdate, RFC 850 ("Sunday, 06-Nov-94 08:49:37 GMT") or asctime
// ("Sun Nov  6 08:49:37 1994"); nullopt for anything else.
std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text);

}  // namespace feedd::feeds
