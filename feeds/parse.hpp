// Feed parsing: bytes + base URL + content type in, feed model out. Pure: no I/O,
// no clock. Detects the format (RSS 0.9x/2.0, RSS 1.0/RDF, Atom, JSON Feed) and
// never throws on bad input: a document that is not a feed is an error value.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "feeds/model.hpp"

namespace feedd::feeds {

struct parse_limits {
    std::size_t max_document_bytes = 32 * 1024 * 1024;
    std::size_t max_items = 10000;
    std::size_t max_depth = 256;
};

struct parse_result {
    std::optional<feeds::feed> feed;  // set on success
    std::string error;                // set on failure, e.g. "line 3, column 7: ..."
    explicit operator bool() const { return feed.has_value(); }
};

// base_url: where the document came from (resolves relative links); may be empty.
// content_type: the HTTP Content-Type header (its charset wins); may be empty.
parse_result parse(std::string_view bytes, std::string_view base_url, std::string_view content_type,
                   const parse_limits& limits = {});

}  // namespace feedd::feeds
