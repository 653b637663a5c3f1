#pragma once
// What the end-to-end story and topic tests share: the bundled demo's wire story and
// readers for the JSON Lines that `feedd query stories|timeline --json` prints.
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

namespace feedd::test {

// examples/feeds: the Reuters/Yahoo/USA Today copies of one wire story, and Axios's own piece.
std::filesystem::path demo_feeds_dir();

inline constexpr const char* reuters_putin =
    "https://www.reuters.com/world/europe/"
    "putin-speaks-trump-condemns-israels-strikes-iran-kremlin-says-2025-06-14/";

// One JSON object per line of text.
std::vector<boost::json::object> json_lines(const std::string& text);

// A JSON array of strings as strings.
std::vector<std::string> strings_of(const boost::json::value& array);

// The story object holding the item with this link, or null.
const boost::json::object* story_with(const std::vector<boost::json::object>& stories,
                                      std::string_view link);

// An RSS 2.0 channel with this title and no items.
std::string empty_rss(const std::string& title);

}  // namespace feedd::test
