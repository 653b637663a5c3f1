// `feedd cluster`: JSON Lines items → story clusters, through the daemon's clusterer and defaults
// (docs/interfaces.md). Signing runs on all cores; clustering is one sequential pass in
// `published` order, exactly as the daemon's streaming clusterer sees items, overlapped with
// the signing (items are parsed first, then signed in that order).
#include <algorithm>
#include <atomic>
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

    struct line_ref {
        std::string_view text;
        std::size_t number;
    };
    std::vector<line_ref> lines;
    std::size_t line_number = 0;
    for (std::size_t start = 0; start < bytes.size();) {
        auto end = bytes.find('\n', start);
        if (end == std::string::npos) end = bytes.size();
        ++line_number;
        std::string_view line(bytes.data() + start, end - start);
        start = end + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
        lines.push_back({line, line_number});
    }

    stories::signature_options sign_options;
    if (options.hashes) sign_options.hashes = *options.hashes;
    if (options.shingle_words) sign_options.shingle_words = *options.shingle_words;
    if (options.max_words) sign_options.max_words = *options.max_words;
    stories::cluster_options tuning;
    if (options.threshold) tuning.threshold = *options.threshold;
    if (options.containment) tuning.containment = *options.containment;
    if (options.title_support) tuning.title_support = *options.title_support;
    if (options.headline_threshold) tuning.headline_threshold = *options.headline_threshold;
    if (options.bands) tuning.bands = *options.bands;
    if (options.rows) tuning.rows = *options.rows;

    // Parsing, then signing (the expensive, independent parts) on every core, in chunks. Signing
    // goes in `published` order, so this thread clusters each chunk as soon as it is signed and
    // signs chunks itself when it would wait: the sequential clusterer runs beside the signing,
    // and its decisions are those of one pass in `published` order, as the daemon's.
    const std::size_t threads =
        lines.size() > 64 ? std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 16) : 1;
    constexpr std::size_t chunk = 32;
    const std::size_t chunks = (lines.size() + chunk - 1) / chunk;
    // Runs work(c) for every chunk c on every thread (this one too), then returns.
    const auto each_chunk = [&](const auto& work) {
        std::atomic<std::size_t> next{0};
        const auto loop = [&] {
            for (std::size_t c; (c = next.fetch_add(1)) < chunks;)
                work(c);
        };
        std::vector<std::thread> pool;
        for (std::size_t t = 1; t < threads; ++t)
            pool.emplace_back(loop);
        loop();
        for (auto& thread : pool)
            thread.join();
    };

    std::vector<input_item> items(lines.size());
    std::vector<std::optional<std::string>> problems(lines.size());
    each_chunk([&](std::size_t c) {
        json::parser parser;
        for (std::size_t i = c * chunk; i < std::min(lines.size(), (c + 1) * chunk); ++i)
            problems[i] = parse_line(parser, lines[i].text, items[i]);
    });
    for (std::size_t i = 0; i < lines.size(); ++i) {
        if (problems[i]) {
            err << "feedd cluster: " << input_name << ':' << lines[i].number << ": " << *problems[i]
                << '\n';
            return 1;
        }
    }

    // `published` order; an item without one keeps its input position (it takes the time of
    // the item before it).
    std::vector<std::int64_t> times(items.size());
    {
        std::int64_t last = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (items[i].published) last = *items[i].published;
            times[i] = last;
        }
    }
    std::vector<std::size_t> order(items.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return times[a] < times[b]; });

    std::vector<stories::signature> signatures(lines.size());
    std::vector<std::atomic<bool>> signed_chunks(chunks);
    std::atomic<std::size_t> next_chunk{0};
    // Signs the next unclaimed chunk of `order`; false when none is left.
    const auto sign_one = [&] {
        const std::size_t c = next_chunk.fetch_add(1);
        if (c >= chunks) return false;
        for (std::size_t k = c * chunk; k < std::min(order.size(), (c + 1) * chunk); ++k) {
            const auto& item = items[order[k]];
            signatures[order[k]] = stories::make_signature(item.title, item.text, sign_options);
        }
        signed_chunks[c].store(true, std::memory_order_release);
        return true;
    };
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) {
        pool.emplace_back([&] {
            while (sign_one()) {
            }
        });
    }
    std::vector<stories::cluster_decision> decisions(items.size());
    stories::clusterer clusterer(tuning);
    for (std::size_t c = 0; c < chunks; ++c) {
        while (!signed_chunks[c].load(std::memory_order_acquire)) {
            if (!sign_one()) std::this_thread::yield();
        }
        for (std::size_t k = c * chunk; k < std::min(order.size(), (c + 1) * chunk); ++k) {
            const std::size_t i = order[k];
            decisions[i] =
                clusterer.add(static_cast<stories::item_id>(i + 1), times[i], signatures[i]);
        }
    }
    for (auto& thread : pool)
        thread.join();

    std::string text;
    text.reserve(items.size() * 40);
    for (std::size_t i = 0; i < items.size(); ++i) {
        text += "{\"id\": ";
        text += json::serialize(json::string_view(items[i].id));
        text += ", \"cluster\": \"c";
        text += std::to_string(decisions[i].story);
        text += '"';
        if (options.explain) {
            const auto& d = decisions[i];
            text += ", \"similarity\": ";
            text += std::to_string(d.similarity);
            text += ", \"matched\": ";
            text += d.matched_item == 0
                        ? std::string("null")
                        : json::serialize(json::string_view(
                              items[static_cast<std::size_t>(d.matched_item - 1)].id));
            text += ", \"reason\": ";
            text += json::serialize(json::string_view(d.reason));
        }
        text += "}\n";
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
