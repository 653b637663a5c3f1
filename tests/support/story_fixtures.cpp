#include "tests/support/story_fixtures.hpp"

#include <fmt/format.h>

namespace feedd::test {

namespace json = boost::json;

std::filesystem::path demo_feeds_dir() {
    const std::filesystem::path data_dir = FEEDD_TEST_DATA;
    return data_dir.parent_path().parent_path() / "examples/feeds";
}

std::vector<json::object> json_lines(const std::string& text) {
    std::vector<json::object> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const auto end = text.find('\n', start);
        out.push_back(json::parse(text.substr(start, end - start)).as_object());
        start = end == std::string::npos ? text.size() : end + 1;
    }
    return out;
}

std::vector<std::string> strings_of(const json::value& array) {
    std::vector<std::string> out;
    for (const auto& v : array.as_array())
        out.emplace_back(v.as_string());
    return out;
}

const json::object* story_with(const std::vector<json::object>& stories, std::string_view link) {
    for (const auto& s : stories) {
        for (const auto& item : s.at("items").as_array()) {
            const auto& l = item.at("link");
            if (l.is_string() && l.as_string() == link) return &s;
        }
    }
    return nullptr;
}

std::string empty_rss(const std::string& title) {
    return fmt::format(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{}</title>"
        "<link>https://example.org/</link><description>d</description></channel></rss>",
        title);
}

}  // namespace feedd::test
