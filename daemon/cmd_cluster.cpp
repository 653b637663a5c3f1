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
#include <boost/json/basic_parser_impl.hpp>

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

// Boost.JSON's SAX parser, filling an input_item as the line is read: the four members go
// straight into its strings, everything else is validated and skipped (no DOM is built: that
// was 17 % of `feedd cluster`). A member given twice counts with its last value.
class item_handler {
  public:
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

    enum class kind : std::uint8_t { absent, null, string, other };
    enum field : int { id, title, text, published, none };

    void start(input_item& item) {
        item_ = &item;
        item.id.clear();
        item.title.clear();
        item.text.clear();
        published_.clear();
        kinds_.fill(kind::absent);
        object_ = open_ = false;
        depth_ = 0;
        field_ = none;
        key_.clear();
    }
    bool object() const { return object_; }
    kind of(field f) const { return kinds_[static_cast<std::size_t>(f)]; }
    const std::string& published_text() const { return published_; }

    bool on_document_begin(json::error_code&) { return true; }
    bool on_document_end(json::error_code&) { return true; }
    bool on_object_begin(json::error_code&) { return open(true); }
    bool on_object_end(std::size_t, json::error_code&) { return close(); }
    bool on_array_begin(json::error_code&) { return open(false); }
    bool on_array_end(std::size_t, json::error_code&) { return close(); }
    bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
        if (depth_ == 1) key_.append(s.data(), s.size());
        return true;
    }
    bool on_key(json::string_view s, std::size_t, json::error_code&) {
        if (depth_ != 1) return true;
        key_.append(s.data(), s.size());
        field_ = key_ == "id"          ? id
                 : key_ == "title"     ? title
                 : key_ == "text"      ? text
                 : key_ == "published" ? published
                                       : none;
        key_.clear();
        return true;
    }
    bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
        append(s);
        return true;
    }
    bool on_string(json::string_view s, std::size_t, json::error_code&) {
        append(s);
        if (depth_ == 1 && field_ != none) kinds_[static_cast<std::size_t>(field_)] = kind::string;
        open_ = false;
        return true;
    }
    bool on_number_part(json::string_view, json::error_code&) { return true; }
    bool on_int64(std::int64_t, json::string_view, json::error_code&) { return value(kind::other); }
    bool on_uint64(std::uint64_t, json::string_view, json::error_code&) {
        return value(kind::other);
    }
    bool on_double(double, json::string_view, json::error_code&) { return value(kind::other); }
    bool on_bool(bool, json::error_code&) { return value(kind::other); }
    bool on_null(json::error_code&) { return value(kind::null); }
    bool on_comment_part(json::string_view, json::error_code&) { return true; }
    bool on_comment(json::string_view, json::error_code&) { return true; }

  private:
    input_item* item_ = nullptr;
    std::string published_;
    std::array<kind, 4> kinds_{};
    bool object_ = false;
    bool open_ = false;  // inside a string value of a field, its first part seen
    int depth_ = 0;
    field field_ = none;
    std::string key_;

    std::string& target() {
        switch (field_) {
            case id:
                return item_->id;
            case title:
                return item_->title;
            case text:
                return item_->text;
            default:
                return published_;
        }
    }
    // An object or array starts: at the top, whether the line is an object.
    bool open(bool is_object) {
        if (depth_ == 0) object_ = is_object;
        value(kind::other);
        ++depth_;
        return true;
    }
    bool close() {
        --depth_;
        return true;
    }
    // A non-string value of a member: it replaces an earlier one.
    bool value(kind k) {
        if (depth_ == 1 && field_ != none) {
            kinds_[static_cast<std::size_t>(field_)] = k;
            target().clear();
        }
        return true;
    }
    void append(json::string_view s) {
        if (depth_ != 1 || field_ == none) return;
        if (!open_) target().clear();
        open_ = true;
        target().append(s.data(), s.size());
    }
};

using line_parser = json::basic_parser<item_handler>;

// One JSON Lines input line → item; an error message naming the problem otherwise.
std::optional<std::string> parse_line(line_parser& parser, std::string_view line,
                                      input_item& item) {
    parser.reset();
    auto& h = parser.handler();
    h.start(item);
    json::error_code ec;
    const std::size_t used = parser.write_some(false, line.data(), line.size(), ec);
    if (!ec && used < line.size()) ec = json::error::extra_data;
    if (ec) return "not JSON: " + ec.message();
    using kind = item_handler::kind;
    if (!h.object()) return std::string("not a JSON object");
    if (h.of(item_handler::id) != kind::string || item.id.empty()) {
        return std::string("\"id\" must be a non-empty string");
    }
    if (h.of(item_handler::title) == kind::other) return std::string("\"title\" is not a string");
    if (h.of(item_handler::text) == kind::other) return std::string("\"text\" is not a string");
    if (h.of(item_handler::published) == kind::other) {
        return std::string("\"published\" is not a string");
    }
    item.published.reset();
    if (const auto& published = h.published_text(); !published.empty()) {
        const auto when = feeds::parse_date(published);
        if (!when) return "\"published\" is not a date: \"" + published + "\"";
        item.published = when->time_since_epoch().count();
    }
    return std::nullopt;
}

// Runs f on threads - 1 new threads besides the caller's; they are joined when the returned
// vector is destroyed.
template <class F>
std::vector<std::jthread> start_helpers(std::size_t threads, const F& f) {
    std::vector<std::jthread> helpers;
    for (std::size_t t = 1; t < threads; ++t)
        helpers.emplace_back(f);
    return helpers;
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
        const auto helpers = start_helpers(threads, loop);
        loop();
    };

    std::vector<input_item> items(lines.size());
    std::vector<std::optional<std::string>> problems(lines.size());
    each_chunk([&](std::size_t c) {
        line_parser parser{json::parse_options{}};
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
    auto signers = start_helpers(threads, [&] {
        while (sign_one()) {
        }
    });
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
    signers.clear();  // joins them: every chunk was signed, so they are done

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
