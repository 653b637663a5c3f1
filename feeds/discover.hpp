// Feed discovery: the feeds an HTML page advertises with <link rel="alternate"
// type="application/rss+xml|atom+xml|feed+json|..."> (and rel="feed"), resolved
// against the page URL and its <base href>. Pure: bytes in, values out.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::feeds {

struct discovered_feed {
    std::string url;                   // absolute when the page URL or <base> allows it
    std::optional<std::string> type;   // the link's type attribute, lower-cased
    std::optional<std::string> title;  // the link's title attribute
};

// The advertised feeds of an HTML document, in document order, without duplicates.
// Tolerant of HTML as found: any attribute order or quoting, upper-case names,
// entities in values; comments, <script>, <style>, <textarea> and <title> are skipped.
std::vector<discovered_feed> discover_feeds(std::string_view html, std::string_view page_url);

// The charset a page declares in <meta charset> or <meta http-equiv="Content-Type"
// content="...; charset=...">, lower-cased; "" when it declares none.
std::string html_meta_charset(std::string_view html);

// True for a link type that names a feed format.
bool is_feed_type(std::string_view type);

}  // namespace feedd::feeds
