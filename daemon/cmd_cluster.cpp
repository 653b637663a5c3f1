// `feedd cluster`: JSON Lines items → story clusters, through the daemon's clusterer and defaults
// (docs/interfaces.md). Signing runs on all cores; clustering is one sequential pass in
// `published` order, exactly as the daemon's streaming clusterer sees items.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <numeric>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>

#include "daemon/commands.hpp"
#include "feeds/dates.hpp"
#include "stories/clusterer.hpp"
#include "stories/signature.hpp"

namespace feedd::daemon {
namespace {

namespace json = boost::json;

struct input_item {
    std::string id;
    std::string title;
    std::string text;
    std::optional<std::int64_t> published;
};

bool read_all(const std::string& file, std::string& bytes, std::ostream& err) {
    if (file.empty() || file == "-") {
        bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        return true;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        err << "feedd cluster: cannot open " << file << ": " << std::strerror(errno) << '\n';
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    bytes = std::move(text).str();
    return true;
}

// A string member, "" when absent or null; false when present with another type.
bool string_field(const json::object& object, std::string_view key, std::string& out) {
    const auto* value = object.if_contains(key);
    if (value == nullptr || value->is_null()) {
        out.clear();
        return true;
    }
    if (!value->is_string()) return false;
    out.assign(value->get_string().data(), value->get_string().size());
    return true;
}

// One JSON Lines input line → item; an error message naming the problem otherwise.
std::optional<std::string> parse_line(json::parser& parser, std::string_view line,
                                      input_item& item) {
    parser.reset();
    json::error_code ec;
    parser.write(line.data(), line.size(), ec);
    if (ec) return "not JSON: " + ec.message();
    const json::value value = parser.release();
    if (!value.is_object()) return std::string("not a JSON object");
    const auto& object = value.get_object();
    const auto* id = object.if_contains("id");
    if (id == nullptr || !id->is_string() || id->get_string().empty()) {
        return std::string("\"id\" must be a non-empty string");
    }
    item.id.assign(id->get_string().data(), id->get_string().size());
    if (!string_field(object, "title", item.title)) return std::string("\"title\" is not a string");
    if (!string_field(object, "text", item.text)) return std::string("\"text\" is not a string");
    std::string published;
    if (!string_field(object, "published", published)) {
        return std::string("\"published\" is not a string");
    }
    item.published.reset();
    if (!published.empty()) {
        const auto when = feeds::parse_date(published);
        if (!when) return "\"published\" is not a date: \"" + published + "\"";
        item.published = when->time_since_epoch().count();
    }
    return std::nullopt;
}

}  // namespace

int cluster_command(const cluster_command_options& options, std::ostream& out, std::ostream& err) {
    std::string bytes;
    if (!read_all(options.in, bytes, err)) return 1;
    const std::string input_name = options.in.empty() || options.in == "-" ? "<stdin>" : options.in;

    std::vector<input_item> items;
    json::parser parser;
    std::size_t line_number = 0;
    std::size_t start = 0;
    while (start < bytes.size()) {
        auto end = bytes.find('\n', start);
        if (end == std::string::npos) end = bytes.size();
        ++line_number;
        std::string_view line(bytes.data() + start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        input_item item;
        if (auto problem = parse_line(parser, line, item)) {
            err << "feedd cluster: " << input_name << ':' << line_number << ": " << *problem
                << '\n';
            return 1;
        }
        items.push_back(std::move(item));
    }

    // Signatures on every core: the expensive, independent part.
    std::vector<stories::signature> signatures(items.size());
    const std::size_t threads = std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 16);
    const auto sign_range = [&](std::size_t first) {
        for (std::size_t i = first; i < items.size(); i += threads) {
            signatures[i] = stories::make_signature(items[i].title, items[i].text);
        }
    };
    if (threads > 1 && items.size() > 64) {
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < threads; ++t)
            pool.emplace_back(sign_range, t);
        sign_range(0);
        for (auto& thread : pool)
            thread.join();
    } else {
        for (std::size_t i = 0; i < items.size(); ++i) {
            signatures[i] = stories::make_signature(items[i].title, items[i].text);
        }
    }

    // `published` order; an item without one keeps its input position (it takes the time of
    // the item before it).
    std::vector<std::int64_t> times(items.size());
    std::int64_t last = 0;
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (items[i].published) last = *items[i].published;
        times[i] = last;
    }
    std::vector<std::size_t> order(items.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });

    stories::clusterer clusterer;
    std::vector<stories::story_id> story(items.size());
    for (const std::size_t i : order) {
        story[i] =
            clusterer.add(static_cast<stories::item_id>(i + 1), times[i], signatures[i]).story;
    }

    std::string text;
    text.reserve(items.size() * 40);
    for (std::size_t i = 0; i < items.size(); ++i) {
        text += "{\"id\": ";
        text += json::serialize(json::string_view(items[i].id));
        text += ", \"cluster\": \"c";
        text += std::to_string(story[i]);
        text += "\"}\n";
    }
    if (options.out.empty() || options.out == "-") {
        out << text;
        out.flush();
        return out ? 0 : 1;
    }
    std::ofstream file(options.out, std::ios::binary | std::ios::trunc);
    file << text;
    file.close();
    if (!file) {
        err << "feedd cluster: cannot write " << options.out << ": " << std::strerror(errno)
            << '\n';
        return 1;
    }
    return 0;
}

}  // namespace feedd::daemon
