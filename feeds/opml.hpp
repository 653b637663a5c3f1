// OPML reading: outlines with an xmlUrl become feed subscriptions; the titles of
// the enclosing outlines (and any category attribute) become tags. Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::feeds {

struct opml_feed {
    std::string url;
    std::optional<std::string> title;
    std::vector<std::string> tags;
};

struct opml_result {
    std::vector<opml_feed> feeds;
    std::string error;  // non-empty when the document is not readable OPML
    explicit operator bool() const { return error.empty(); }
};

opml_result parse_opml(std::string_view bytes);

}  // namespace feedd::feeds
