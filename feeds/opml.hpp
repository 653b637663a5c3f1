// OPML reading and writing: outlines with an xmlUrl become feed subscriptions; the
// titles of the enclosing outlines (and any category attribute) become tags; writing
// nests each feed in folder outlines named by its tags. Pure.
#pragma once

#include <cstddef>
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

// All or nothing: a document that is not OPML, or whose feeds with their folder tags would
// take more than max_opml_result_bytes, gives an error naming the line and no feeds.
opml_result parse_opml(std::string_view bytes);

inline constexpr std::size_t max_opml_result_bytes = std::size_t{128} << 20;

// An OPML 2.0 document listing the feeds in order: each one an outline (type="rss",
// text and title, xmlUrl) inside folder outlines named by its tags, outermost first,
// so parse_opml reads the same titles and tags back. Tags beyond max_opml_folder_depth
// go into the outline's category attribute instead.
std::string write_opml(const std::vector<opml_feed>& feeds, std::string_view title);

inline constexpr std::size_t max_opml_folder_depth = 32;

}  // namespace feedd::feeds
