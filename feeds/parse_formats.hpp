// Per-format extractors of the feed parser (internal): each turns a loaded
// document into the feed model. parse.cpp detects the format and calls one.
#pragma once

#include <string_view>

#include <pugixml.hpp>

#include "feeds/model.hpp"
#include "feeds/parse.hpp"

namespace feedd::feeds {

// RSS 0.9x/2.0 (root <rss> or <channel>) and RSS 1.0/0.90 (root <rdf:RDF>).
feed extract_rss(pugi::xml_node root, std::string_view url, const parse_limits& limits);

// Atom 1.0 and 0.3 (root <feed>).
feed extract_atom(pugi::xml_node root, std::string_view url, const parse_limits& limits);

// JSON Feed 1.0/1.1 from UTF-8 text; an error value when it isn't one.
parse_result extract_json_feed(std::string_view utf8, std::string_view url,
                               const parse_limits& limits);

}  // namespace feedd::feeds
