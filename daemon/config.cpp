#include "daemon/config.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <boost/url/parse.hpp>
#include <date/tz.h>
#include <boost/url/url.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <toml++/toml.h>

#include "daemon/schedule.hpp"
#include "feeds/opml.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"
#include "stories/topic_rule.hpp"

namespace feedd::daemon {

namespace fs = std::filesystem;
namespace urls = boost::urls;
using std::chrono::milliseconds;
using std::chrono::seconds;

namespace {

constexpr std::string_view duration_examples =
    R"(expected a duration like "90s", "15m", "2h", "7d" or "1h30m")";
constexpr std::string_view url_expectation =
    "expected an http(s) URL, a file:// URL or a local path";
// Anything longer is a typo (a missing unit letter, an extra zero), not a wish.
constexpr milliseconds max_duration = std::chrono::days(365);
// OPML files are local, but still input from outside: cap what we read.
constexpr std::size_t max_opml_bytes = 32 * 1024 * 1024;

using feeds::ascii_lower;
using feeds::trim;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Reads digits at the front of `text`; empty when there are none or they overflow.
std::optional<std::uint64_t> take_number(std::string_view& text) {
    std::uint64_t value = 0;
    std::size_t i = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
        const auto digit = static_cast<std::uint64_t>(text[i] - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    if (i == 0) return std::nullopt;
    text.remove_prefix(i);
    return value;
}

struct duration_result {
    milliseconds value{};
    std::string error;  // "what is wrong; what is expected", no position
};

// "1h30m", "90s", "500ms" (only when allow_ms): numbers with units, largest first.
duration_result parse_duration_text(std::string_view original, bool allow_ms) {
    struct unit {
        std::string_view name;
        milliseconds size;
    };
    static constexpr unit units[] = {
        {"d", std::chrono::days(1)},    {"h", std::chrono::hours(1)},   {"ms", milliseconds(1)},
        {"m", std::chrono::minutes(1)}, {"s", std::chrono::seconds(1)},
    };
    auto text = trim(original);
    if (text.empty()) return {{}, fmt::format("empty duration; {}", duration_examples)};
    milliseconds total{0};
    milliseconds previous_unit = milliseconds::max();
    while (!text.empty()) {
        const auto before = text;
        const auto number = take_number(text);
        if (!number) {
            if (before.empty() || !is_digit(before.front())) {
                return {{},
                        fmt::format(R"("{}": expected a whole number before each unit; {})",
                                    original, duration_examples)};
            }
            return {{}, fmt::format(R"("{}": number too large; {})", original, duration_examples)};
        }
        text = trim(text);  // "15 m" reads like "15m"
        const auto unit_end =
            std::find_if(text.begin(), text.end(), [](char c) { return is_digit(c) || c == ' '; });
        const std::string_view unit_name(text.begin(), unit_end);
        text = trim(std::string_view(unit_end, text.end()));
        if (unit_name.empty()) {
            if (before.size() == trim(original).size() && text.empty()) {
                return {{},
                        fmt::format(R"("{}" has no unit, so it is ambiguous; expected a unit, )"
                                    R"(like "{}m" or "{}s")",
                                    original, *number, *number)};
            }
            return {
                {},
                fmt::format(R"("{}": a number without a unit; {})", original, duration_examples)};
        }
        if (unit_name.front() == '.' || unit_name.front() == ',') {
            return {{},
                    fmt::format(R"("{}": fractions are not supported; expected whole )"
                                R"(numbers of smaller units, like "1h30m" or "90s")",
                                original)};
        }
        const auto* found = std::find_if(std::begin(units), std::end(units),
                                         [&](const unit& u) { return u.name == unit_name; });
        if (found == std::end(units)) {
            return {{},
                    fmt::format(R"("{}": unknown unit "{}"; {} (units: {}d, h, m, s))", original,
                                unit_name, duration_examples, allow_ms ? "ms, " : "")};
        }
        if (found->name == "ms" && !allow_ms) {
            return {{},
                    fmt::format(R"("{}": milliseconds are only allowed for timeouts; )"
                                R"(expected whole seconds or more, like "90s" or "15m")",
                                original)};
        }
        if (found->size >= previous_unit) {
            return {{},
                    fmt::format(R"("{}": units repeated or out of order; expected the )"
                                R"(largest unit first, like "1h30m")",
                                original)};
        }
        previous_unit = found->size;
        if (*number > static_cast<std::uint64_t>(max_duration / found->size)) {
            return {{}, fmt::format(R"("{}": too long; expected at most 365d)", original)};
        }
        total += found->size * static_cast<milliseconds::rep>(*number);
        if (total > max_duration) {
            return {{}, fmt::format(R"("{}": too long; expected at most 365d)", original)};
        }
    }
    return {total, {}};
}

struct size_result {
    std::size_t value = 0;
    std::string error;
};

// "16MiB", "512 KB", "100B": decimal (KB = 1000) and binary (KiB = 1024) units.
size_result parse_size_text(std::string_view original) {
    constexpr std::string_view expected =
        R"(expected a size like "16MiB" or "500KB" (units: B, KB, KiB, MB, MiB, GB, GiB))";
    auto text = trim(original);
    const auto number = take_number(text);
    if (!number) return {0, fmt::format(R"("{}": no number; {})", original, expected)};
    const auto unit = ascii_lower(trim(text));
    static const std::pair<std::string_view, std::uint64_t> units[] = {
        {"b", 1},
        {"kb", 1000},
        {"kib", 1024},
        {"mb", 1000 * 1000},
        {"mib", 1024 * 1024},
        {"gb", 1000 * 1000 * 1000},
        {"gib", std::uint64_t{1024} * 1024 * 1024},
    };
    if (unit.empty()) {
        return {0, fmt::format(R"("{}" has no unit; {}, or an integer number of bytes)", original,
                               expected)};
    }
    const auto* found = std::find_if(std::begin(units), std::end(units),
                                     [&](const auto& u) { return u.first == unit; });
    if (found == std::end(units)) {
        return {0, fmt::format(R"("{}": unknown unit "{}"; {})", original, trim(text), expected)};
    }
    if (*number == 0) return {0, fmt::format(R"("{}": zero bytes; {})", original, expected)};
    if (*number > std::numeric_limits<std::size_t>::max() / found->second) {
        return {0, fmt::format(R"("{}": too large; {})", original, expected)};
    }
    return {static_cast<std::size_t>(*number * found->second), {}};
}

// Levenshtein distance where swapping two neighbours also counts as one edit
// ("paht" is one typo away from "path"), so suggestions catch the usual slips.
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i)
        d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j)
        d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
            }
        }
    }
    return d[a.size()][b.size()];
}

std::string_view type_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::table:
            return "a table";
        case toml::node_type::array:
            return "an array";
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a float";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::date:
            return "a date";
        case toml::node_type::time:
            return "a time";
        case toml::node_type::date_time:
            return "a date-time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

std::size_t line_of(const toml::node& node) {
    return node.source().begin.line;
}

// An absolute path as a file:// URL, percent-encoded by Boost.URL.
std::string file_url(const fs::path& absolute) {
    urls::url url;
    url.set_scheme_id(urls::scheme::file);
    url.set_encoded_host("");  // "file://" + path: the form every reader understands
    url.set_path(absolute.lexically_normal().generic_string());
    return std::string(url.buffer());
}

bool has_scheme(std::string_view text) {
    const auto colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) return false;
    if (!std::isalpha(static_cast<unsigned char>(text[0]))) return false;
    return std::all_of(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(colon), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
    });
}

struct url_result {
    std::string url;
    std::string key;  // what duplicates are recognised by
    std::string error;
};

// http(s) URLs are validated and normalised (RFC 3986: case of scheme and host,
// percent-encoding, dot segments, empty path as "/"), so the same feed written two
// ways is one feed; file:// URLs and local paths become absolute file:// URLs,
// relative paths resolving against base_dir.
url_result normalise_feed_url(std::string_view raw, const fs::path& base_dir) {
    const auto text = trim(raw);
    if (text.empty()) return {{}, {}, fmt::format("empty URL; {}", url_expectation)};
    if (!has_scheme(text)) {
        const fs::path path(text);
        auto url = file_url(path.is_absolute() ? path : base_dir / path);
        return {url, url, {}};
    }
    // Non-ASCII text (an IRI: "/bücher", or a host "bücher.example") is percent-encoded as
    // UTF-8, as a browser sends a path; the host is then checked below. A fragment is parsed
    // here and dropped below for http(s), refused for files.
    const auto encoded = feeds::percent_encode_non_ascii(text);
    const auto parsed = urls::parse_uri(encoded);
    if (!parsed) {
        return {{},
                {},
                fmt::format(R"("{}" is not a valid URL ({}); {})", text, parsed.error().message(),
                            url_expectation)};
    }
    switch (parsed->scheme_id()) {
        case urls::scheme::http:
        case urls::scheme::https: {
            if (!parsed->has_authority() || parsed->host().empty()) {
                return {{},
                        {},
                        fmt::format(R"("{}" has no host; expected a URL like )"
                                    R"("https://example.org/feed")",
                                    text)};
            }
            // An internationalised host (IDN) needs IDNA (UTS #46) to become the name DNS
            // knows; Boost.URL 1.81 has none, and libcurl's (CURLU_PUNYCODE) is only in the
            // mail module, loaded for digests (docs/design.md).
            const std::string host = parsed->host();
            if (std::any_of(host.begin(), host.end(),
                            [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
                return {
                    {},
                    {},
                    fmt::format(R"("{}": host "{}" is not ASCII; write an internationalised )"
                                R"(host in its ASCII (punycode) form, e.g. )"
                                R"("xn--bcher-kva.example" for "bücher.example" (Debian's idn2 )"
                                R"(tool converts one: idn2 HOST))",
                                text, host)};
            }
            // Boost.URL accepts any run of digits and port_number() wraps some of them, so
            // the fetcher would connect to another port than the one written.
            if (parsed->has_port() && !parsed->port().empty() && !feeds::tcp_port(parsed->port())) {
                return {{},
                        {},
                        fmt::format(R"("{}": port {} is out of range; expected 1-65535)", text,
                                    std::string(parsed->port()))};
            }
            urls::url key(*parsed);
            // A fragment is never sent to the server (RFC 9110 §4.2.4): "feed.xml#top" is
            // feed.xml, and one feed, however it was copied.
            key.remove_fragment();
            key.normalize();
            // normalize() in Boost.URL 1.81 keeps ".." above the root (RFC 3986 5.2.4 drops it).
            feeds::drop_segments_above_root(key);
            // Host names are case-insensitive (RFC 3986 §6.2.2.1); Boost.URL 1.81's
            // normalize() leaves their case alone.
            if (key.host_type() == urls::host_type::name)
                key.set_encoded_host(ascii_lower(key.encoded_host()));
            if (key.path().empty()) key.set_path_absolute(true);
            return {std::string(key.buffer()), std::string(key.buffer()), {}};
        }
        case urls::scheme::file: {
            const auto host = parsed->host();
            if (parsed->has_authority() && !host.empty() && host != "localhost") {
                return {{},
                        {},
                        fmt::format(R"("{}" names a remote host; expected file:///absolute/path)",
                                    text)};
            }
            const std::string path = parsed->path();
            if (path.empty() || path.front() != '/') {
                return {{},
                        {},
                        fmt::format(R"("{}" has a relative path; expected file:///absolute/path )"
                                    R"(or a plain relative path without "file:")",
                                    text)};
            }
            if (parsed->has_query() || parsed->has_fragment()) {
                return {{},
                        {},
                        fmt::format(R"("{}" has a query or fragment; expected )"
                                    R"(file:///absolute/path (write '?' as %3F, '#' as %23))",
                                    text)};
            }
            auto url = file_url(fs::path(path));
            return {url, url, {}};
        }
        default:
            return {{},
                    {},
                    fmt::format(R"(unsupported URL scheme "{}" in "{}"; {})", parsed->scheme(),
                                text, url_expectation)};
    }
}

std::string without_feed_scheme(std::string_view url) {
    const auto text = trim(url);
    if (text.substr(0, 5) != "feed:") return std::string(text);
    const auto rest = text.substr(5);
    if (rest.substr(0, 2) == "//") return "http:" + std::string(rest);
    return std::string(rest);  // feed:https://example.org/rss
}

struct known_key {
    std::string_view name;
    std::string_view shown;  // how a suggestion prints it: "interval", [fetch], [[feed]]
};

constexpr known_key top_keys[] = {
    {"opml", R"("opml")"},    {"storage", "[storage]"}, {"poll", "[poll]"},
    {"fetch", "[fetch]"},     {"feed", "[[feed]]"},     {"http", "[http]"},
    {"stories", "[stories]"}, {"topic", "[[topic]]"},   {"smtp", "[smtp]"},
    {"mail", "[mail]"},
};
constexpr known_key smtp_keys[] = {
    {"url", R"("url")"},
    {"starttls", R"("starttls")"},
    {"username", R"("username")"},
    {"password_file", R"("password_file")"},
    {"from", R"("from")"},
    {"ca_file", R"("ca_file")"},
    {"connect_timeout", R"("connect_timeout")"},
    {"timeout", R"("timeout")"},
};
constexpr known_key mail_keys[] = {{"sendmail", R"("sendmail")"},
                                   {"sendmail_timeout", R"("sendmail_timeout")"},
                                   {"from", R"("from")"},
                                   {"retry", R"("retry")"}};
constexpr known_key digest_keys[] = {
    {"schedule", R"("schedule")"},       {"to", R"("to")"},
    {"timezone", R"("timezone")"},       {"min_sources", R"("min_sources")"},
    {"max_stories", R"("max_stories")"}, {"send_empty", R"("send_empty")"},
};
constexpr known_key http_keys[] = {
    {"listen", R"("listen")"},
    {"token_file", R"("token_file")"},
    {"request_timeout", R"("request_timeout")"},
    {"max_connections", R"("max_connections")"},
    {"rate_limit", R"("rate_limit")"},
};
constexpr known_key storage_keys[] = {{"path", R"("path")"}, {"keep", R"("keep")"}};
constexpr known_key poll_keys[] = {{"interval", R"("interval")"}};
constexpr known_key stories_keys[] = {{"window", R"("window")"}, {"threshold", R"("threshold")"}};
constexpr known_key fetch_keys[] = {
    {"connect_timeout", R"("connect_timeout")"},
    {"timeout", R"("timeout")"},
    {"max_body", R"("max_body")"},
    {"concurrency", R"("concurrency")"},
    {"per_host", R"("per_host")"},
    {"host_spacing", R"("host_spacing")"},
    {"user_agent", R"("user_agent")"},
    {"ca_file", R"("ca_file")"},
};
constexpr known_key topic_keys[] = {
    {"name", R"("name")"}, {"match", R"("match")"},   {"feeds", R"("feeds")"},
    {"tags", R"("tags")"}, {"digest", R"("digest")"},
};
constexpr known_key feed_keys[] = {
    {"url", R"("url")"},
    {"title", R"("title")"},
    {"tags", R"("tags")"},
    {"interval", R"("interval")"},
};

class loader {
  public:
    explicit loader(const fs::path& file)
        : shown_(file.string()),
          file_(fs::absolute(file).lexically_normal()),
          dir_(file_.parent_path()) {}

    config run() {
        const auto table = parse_document();
        check_keys(table, top_keys, "", "");

        config cfg;
        cfg.file = file_;
        cfg.storage_path = dir_ / "feedd.db";
        const toml::node* keep = nullptr;  // checked against stories.window below
        if (const auto* storage = section(table, "storage", storage_keys)) {
            if (const auto* node = storage->get("path")) {
                cfg.storage_path = resolve(get_path(*node, "storage.path"));
            }
            keep = storage->get("keep");
            if (keep) cfg.keep = get_keep(*keep);
        }
        if (const auto* poll = section(table, "poll", poll_keys)) {
            if (const auto* node = poll->get("interval")) {
                cfg.default_interval = get_interval(*node, "poll.interval");
            }
        }
        if (const auto* fetch = section(table, "fetch", fetch_keys)) read_fetch(*fetch, cfg.fetch);
        if (const auto* http = section(table, "http", http_keys)) read_http(*http, cfg.http);
        if (const auto* stories = section(table, "stories", stories_keys)) {
            read_stories(*stories, cfg.stories);
        }
        if (keep && cfg.keep && *cfg.keep < cfg.stories.window) {
            // Items inside the window are still clustered and kept anyway; a shorter keep
            // would promise a deletion that cannot happen.
            fail(*keep, "storage.keep",
                 fmt::format(R"({} is shorter than stories.window ({}); expected at least the )"
                             R"(window, or "forever")",
                             format_duration(*cfg.keep), format_duration(cfg.stories.window)));
        }
        if (const auto* feeds = table.get("feed")) read_feeds(*feeds, cfg);
        if (const auto* opml = table.get("opml")) read_opml_list(*opml, cfg);
        if (const auto* topics = table.get("topic")) read_topics(*topics, cfg);
        read_mail(table, cfg);
        return cfg;
    }

  private:
    [[noreturn]] void fail(std::size_t line, std::string_view key, std::string_view what) const {
        throw config_error(fmt::format("{}:{}: {}: {}", shown_, line, key, what));
    }
    [[noreturn]] void fail(const toml::node& node, std::string_view key,
                           std::string_view what) const {
        fail(line_of(node), key, what);
    }
    [[noreturn]] void wrong_type(const toml::node& node, std::string_view key,
                                 std::string_view expected) const {
        fail(node, key, fmt::format("got {}; expected {}", type_name(node), expected));
    }

    toml::table parse_document() const {
        std::error_code ec;
        if (fs::is_directory(file_, ec)) {
            throw config_error(fmt::format(
                "{}: cannot read config file {}: it is a directory; expected a TOML file", shown_,
                file_.string()));
        }
        std::ifstream in(file_, std::ios::binary);
        if (!in) {
            const auto reason = std::generic_category().message(errno);
            throw config_error(
                fmt::format("{}: cannot read config file {}: {}; expected a readable TOML file",
                            shown_, file_.string(), reason));
        }
        const std::string text{std::istreambuf_iterator<char>(in), {}};
        try {
            return toml::parse(text, std::string_view(shown_));
        } catch (const toml::parse_error& e) {
            throw config_error(fmt::format("{}:{}:{}: TOML syntax error: {}", shown_,
                                           e.source().begin.line, e.source().begin.column,
                                           e.description()));
        }
    }

    // Unknown keys are errors (a typo would otherwise silently become a default);
    // the nearest known key, if close, is suggested.
    void check_keys(const toml::table& table, std::span<const known_key> known,
                    std::string_view prefix, std::string_view where) const {
        // toml++ keeps keys sorted by name; report the first unknown one in file order.
        std::vector<std::pair<const toml::key*, const toml::node*>> entries;
        for (const auto& [k, v] : table)
            entries.emplace_back(&k, &v);
        std::stable_sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) {
            return a.first->source().begin.line < b.first->source().begin.line;
        });
        for (const auto& [k, v] : entries) {
            const auto name = k->str();
            const bool ok = std::any_of(known.begin(), known.end(),
                                        [&](const known_key& kk) { return kk.name == name; });
            if (ok) continue;
            const auto dotted =
                prefix.empty() ? std::string(name) : fmt::format("{}.{}", prefix, name);
            std::string what;
            if (v->is_array_of_tables()) {
                what = fmt::format("unknown section [[{}]]", dotted);
            } else if (v->is_table()) {
                what = fmt::format("unknown section [{}]", dotted);
            } else {
                what = fmt::format(R"(unknown key "{}")", name);
            }
            if (!where.empty()) what += fmt::format(" in {}", where);
            const known_key* best = nullptr;
            std::size_t best_distance = std::numeric_limits<std::size_t>::max();
            for (const auto& candidate : known) {
                const auto d = edit_distance(ascii_lower(name), candidate.name);
                if (d < best_distance) {
                    best = &candidate;
                    best_distance = d;
                }
            }
            const auto limit = std::clamp<std::size_t>(best ? best->name.size() / 3 : 0, 1, 2);
            if (best && best_distance <= limit) {
                what += fmt::format(" (did you mean {}?)", best->shown);
            } else {
                what += "; expected one of:";
                for (const auto& candidate : known)
                    what += fmt::format(" {}", candidate.shown);
            }
            fail(k->source().begin.line, dotted, what);
        }
    }

    // The [name] table with its keys checked, or nullptr when the file has none.
    const toml::table* section(const toml::table& table, std::string_view name,
                               std::span<const known_key> known) const {
        const auto* node = table.get(name);
        if (!node) return nullptr;
        const auto* sub = node->as_table();
        if (!sub) wrong_type(*node, name, fmt::format("a section [{}]", name));
        check_keys(*sub, known, name, fmt::format("[{}]", name));
        return sub;
    }

    std::string get_string(const toml::node& node, std::string_view key,
                           std::string_view expected) const {
        const auto* value = node.as_string();
        if (!value) wrong_type(node, key, expected);
        return value->get();
    }

    fs::path get_path(const toml::node& node, std::string_view key) const {
        const auto text = get_string(node, key, "a string holding a file path");
        if (trim(text).empty()) fail(node, key, "empty; expected a file path");
        return fs::path(text);
    }

    fs::path resolve(const fs::path& path) const {
        return (path.is_absolute() ? path : dir_ / path).lexically_normal();
    }

    std::int64_t get_integer(const toml::node& node, std::string_view key, std::int64_t min,
                             std::int64_t max) const {
        const auto expected = fmt::format("an integer from {} to {}", min, max);
        const auto* value = node.as_integer();
        if (!value) wrong_type(node, key, expected);
        if (value->get() < min || value->get() > max) {
            fail(node, key, fmt::format("{} is out of range; expected {}", value->get(), expected));
        }
        return value->get();
    }

    milliseconds get_duration(const toml::node& node, std::string_view key, bool allow_ms) const {
        if (const auto* number = node.as_integer()) {
            fail(node, key,
                 fmt::format(R"(the bare number {0} has no unit, so it is ambiguous; expected a )"
                             R"(string with a unit, like "{0}m" or "{0}s")",
                             number->get()));
        }
        const auto text = get_string(node, key, R"(a string like "15m")");
        const auto parsed = parse_duration_text(text, allow_ms);
        if (!parsed.error.empty()) fail(node, key, parsed.error);
        return parsed.value;
    }

    seconds get_interval(const toml::node& node, std::string_view key) const {
        const auto value = std::chrono::duration_cast<seconds>(get_duration(node, key, false));
        return std::max(value, min_interval);  // polling faster is rude to publishers
    }

    milliseconds get_timeout(const toml::node& node, std::string_view key) const {
        const auto value = get_duration(node, key, true);
        if (value <= milliseconds::zero()) {
            fail(node, key, R"(zero timeout; expected a positive duration like "10s")");
        }
        return value;
    }

    // "90d"; "forever", "0" or 0 keep everything.
    std::optional<seconds> get_keep(const toml::node& node) const {
        if (const auto* number = node.as_integer(); number && number->get() == 0) {
            return std::nullopt;
        }
        if (const auto* text = node.as_string()) {
            if (text->get() == "forever" || text->get() == "0") return std::nullopt;
        }
        const auto value =
            std::chrono::duration_cast<seconds>(get_duration(node, "storage.keep", false));
        // Under a day, retention would delete what a daily reader has not seen yet.
        if (value < std::chrono::days(1)) {
            fail(node, "storage.keep",
                 R"(shorter than 1d; expected a duration like "90d", or "forever")");
        }
        return value;
    }

    void read_stories(const toml::table& stories, stories_config& out) const {
        if (const auto* node = stories.get("window")) {
            const auto value =
                std::chrono::duration_cast<seconds>(get_duration(*node, "stories.window", false));
            // Copies of one wire story arrive within hours; under an hour the window
            // would split them, and a zero window would never fold anything.
            if (value < std::chrono::hours(1)) {
                fail(
                    *node, "stories.window",
                    R"(shorter than 1h; expected a duration like "7d" (copies arrive hours apart))");
            }
            out.window = value;
        }
        if (const auto* node = stories.get("threshold")) {
            const auto* number = node->as_floating_point();
            const auto expected = "a number between 0 and 1 like 0.3";
            if (!number) wrong_type(*node, "stories.threshold", expected);
            const double value = number->get();
            if (!(value > 0.0 && value <= 1.0)) {
                fail(*node, "stories.threshold",
                     fmt::format("{} is out of range; expected {}", value, expected));
            }
            out.threshold = value;
        }
    }

    void read_fetch(const toml::table& fetch, fetch_config& out) const {
        if (const auto* node = fetch.get("connect_timeout")) {
            out.connect_timeout = get_timeout(*node, "fetch.connect_timeout");
        }
        if (const auto* node = fetch.get("timeout")) {
            out.total_timeout = get_timeout(*node, "fetch.timeout");
        }
        if (const auto* node = fetch.get("max_body")) {
            if (const auto* number = node->as_integer()) {
                if (number->get() <= 0) {
                    fail(*node, "fetch.max_body",
                         fmt::format("{} bytes; expected a positive number of bytes or a size "
                                     R"(like "16MiB")",
                                     number->get()));
                }
                out.max_body_bytes = static_cast<std::size_t>(number->get());
            } else {
                const auto text =
                    get_string(*node, "fetch.max_body",
                               R"(an integer number of bytes or a string like "16MiB")");
                const auto parsed = parse_size_text(text);
                if (!parsed.error.empty()) fail(*node, "fetch.max_body", parsed.error);
                out.max_body_bytes = parsed.value;
            }
        }
        if (const auto* node = fetch.get("concurrency")) {
            out.max_concurrency =
                static_cast<int>(get_integer(*node, "fetch.concurrency", 1, 1024));
        }
        if (const auto* node = fetch.get("per_host")) {
            out.per_host_concurrency =
                static_cast<int>(get_integer(*node, "fetch.per_host", 1, 64));
        }
        if (const auto* node = fetch.get("host_spacing")) {
            out.host_spacing = get_duration(*node, "fetch.host_spacing", true);
        }
        if (const auto* node = fetch.get("user_agent")) {
            const auto text = get_string(*node, "fetch.user_agent", "a string");
            if (trim(text).empty())
                fail(*node, "fetch.user_agent",
                     "empty; expected a product name like \"feedd/0.1\"");
            // It goes into an HTTP header verbatim: a CR or LF would split the request.
            if (std::any_of(text.begin(), text.end(),
                            [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
                fail(*node, "fetch.user_agent",
                     "contains a control character; expected a single line of printable text");
            }
            out.user_agent = text;
        }
        if (const auto* node = fetch.get("ca_file")) {
            const auto path = resolve(get_path(*node, "fetch.ca_file"));
            std::error_code ec;
            if (!fs::is_regular_file(path, ec)) {
                fail(*node, "fetch.ca_file",
                     fmt::format("no such file {}; expected a PEM file of CA certificates",
                                 path.string()));
            }
            out.extra_ca_file = path;
        }
    }

    void read_http(const toml::table& http, http_config& out) const {
        if (const auto* node = http.get("listen")) {
            const auto text = get_string(*node, "http.listen", R"(a string like "127.0.0.1:8080")");
            if (const auto problem = check_listen_address(text); !problem.empty())
                fail(*node, "http.listen", problem);
            out.listen = text;
        }
        if (const auto* node = http.get("token_file")) {
            const auto path = resolve(get_path(*node, "http.token_file"));
            std::ifstream in(path, std::ios::binary);
            std::string token((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
            if (!in.is_open()) {
                fail(*node, "http.token_file",
                     fmt::format("cannot read {}; expected a file holding the API token",
                                 path.string()));
            }
            token = std::string(trim(token));
            if (token.size() < 16 || std::any_of(token.begin(), token.end(), [](unsigned char c) {
                    return c <= 0x20 || c >= 0x7f;
                })) {
                fail(*node, "http.token_file",
                     fmt::format("{} holds no usable token; expected one line of at least 16 "
                                 "printable characters without spaces",
                                 path.string()));
            }
            out.token = token;
            out.token_file = path;
        }
        if (const auto* node = http.get("request_timeout")) {
            out.request_timeout = get_timeout(*node, "http.request_timeout");
        }
        if (const auto* node = http.get("max_connections")) {
            out.max_connections =
                static_cast<int>(get_integer(*node, "http.max_connections", 1, 100000));
        }
        if (const auto* node = http.get("rate_limit")) {
            out.requests_per_second =
                static_cast<int>(get_integer(*node, "http.rate_limit", 1, 1000000));
        }
        if (out.listen && !out.token && !is_loopback_listen(*out.listen)) {
            fail(*http.get("listen"), "http.listen",
                 fmt::format("{} is not a loopback address and no token_file is set; set "
                             "[http] token_file so the API is not open to the network",
                             *out.listen));
        }
    }

    // Calls each(element, "KEY[N]", text) for every element of an array of strings; any
    // other shape is an error saying what was expected.
    template <typename Each>
    void for_each_string(const toml::node& node, std::string_view key, std::string_view expected,
                         Each&& each) const {
        const auto* array = node.as_array();
        if (!array) wrong_type(node, key, expected);
        std::size_t index = 0;
        for (const auto& element : *array) {
            ++index;
            const auto element_key = fmt::format("{}[{}]", key, index);
            const auto* value = element.as_string();
            if (!value) {
                fail(element, element_key,
                     fmt::format("got {}; expected {}", type_name(element), expected));
            }
            each(element, element_key, value->get());
        }
    }

    std::vector<std::string> get_tags(const toml::node& node, std::string_view key) const {
        std::vector<std::string> tags;
        for_each_string(node, key, R"(an array of strings, like ["world", "wire"])",
                        [&](const toml::node& element, const std::string& element_key,
                            const std::string& text) {
                            const auto tag = trim(text);
                            if (tag.empty()) {
                                fail(element, element_key,
                                     "empty tag; expected a non-empty string");
                            }
                            if (std::find(tags.begin(), tags.end(), tag) == tags.end())
                                tags.emplace_back(tag);
                        });
        return tags;
    }

    void read_feeds(const toml::node& node, config& cfg) {
        const auto* array = node.as_array();
        if (!array || (!array->empty() && !array->is_array_of_tables())) {
            wrong_type(node, "feed", "[[feed]] tables (an array of tables)");
        }
        std::size_t index = 0;
        for (const auto& element : *array) {
            ++index;
            const auto& table = *element.as_table();
            const auto key = fmt::format("feed[{}]", index);
            check_keys(table, feed_keys, key, "[[feed]]");
            const auto* url_node = table.get("url");
            if (!url_node) {
                fail(table, key + ".url",
                     R"(missing; expected url = "https://…" (an http(s) URL, a file:// URL or )"
                     R"(a local path))");
            }
            const auto url_key = key + ".url";
            const auto url_text =
                get_string(*url_node, url_key, R"(a string like "https://example.org/feed")");
            auto url = normalise_feed_url(url_text, dir_);
            if (!url.error.empty()) fail(*url_node, url_key, url.error);

            feed_config feed;
            feed.url = std::move(url.url);
            feed.interval = cfg.default_interval;
            if (const auto* title = table.get("title")) {
                auto text = get_string(*title, key + ".title", "a string");
                // Without the controls a terminal acts on, as feed and OPML titles are: `feedd
                // feeds` prints it (TOML's "\u001b" writes an escape as easily as a typo).
                feeds::drop_control_characters(text);
                if (!trim(text).empty()) feed.title = std::string(trim(text));
            }
            if (const auto* tags = table.get("tags")) feed.tags = get_tags(*tags, key + ".tags");
            if (const auto* interval = table.get("interval")) {
                feed.interval = get_interval(*interval, key + ".interval");
            }
            add_feed(cfg, std::move(url.key), std::move(feed));
        }
    }

    // After feeds and OPML: a topic's feed scope must name a followed feed.
    void read_topics(const toml::node& node, config& cfg) const {
        const auto* array = node.as_array();
        if (!array || (!array->empty() && !array->is_array_of_tables())) {
            wrong_type(node, "topic", "[[topic]] tables (an array of tables)");
        }
        std::size_t index = 0;
        for (const auto& element : *array) {
            ++index;
            const auto& table = *element.as_table();
            const auto key = fmt::format("topic[{}]", index);
            check_keys(table, topic_keys, key, "[[topic]]");
            topic_config topic;
            const auto* name = table.get("name");
            if (!name) {
                fail(table, key + ".name",
                     R"(missing; expected name = "a-slug" (lowercase letters, digits and -))");
            }
            topic.name = get_string(*name, key + ".name", R"(a string like "iran-talks")");
            if (topic.name.empty() ||
                !std::all_of(topic.name.begin(), topic.name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || is_digit(c) || c == '-';
                })) {
                fail(*name, key + ".name",
                     fmt::format(R"("{}" is not a slug; expected lowercase letters, digits and )"
                                 R"(-, like "iran-talks")",
                                 topic.name));
            }
            for (const auto& earlier : cfg.topics) {
                if (earlier.name == topic.name) {
                    fail(*name, key + ".name",
                         fmt::format(R"(topic "{}" is defined twice; expected unique names)",
                                     topic.name));
                }
            }
            const auto* match = table.get("match");
            if (!match) {
                fail(table, key + ".match",
                     fmt::format(R"(topic "{}": missing; expected match = "words OR "a phrase"")",
                                 topic.name));
            }
            topic.match = get_string(*match, key + ".match", R"(a string like "iran talks")");
            const auto parsed = stories::topic_rule::parse(topic.match);
            if (!parsed) {
                fail(*match, key + ".match",
                     fmt::format(R"(topic "{}": column {}: {})", topic.name, parsed.error.column,
                                 parsed.error.message));
            }
            if (const auto* feeds = table.get("feeds")) {
                topic.feeds = get_topic_feeds(*feeds, key + ".feeds", cfg);
            }
            if (const auto* tags = table.get("tags")) topic.tags = get_tags(*tags, key + ".tags");
            if (const auto* digest = table.get("digest")) {
                topic.digest = read_digest(*digest, key + ".digest", topic.name);
            }
            cfg.topics.push_back(std::move(topic));
        }
    }

    // A bare address (no display name): printable ASCII with one @ and no spaces or brackets;
    // it goes into SMTP commands and headers.
    std::string get_address(const toml::node& node, const std::string& key) const {
        const auto text = get_string(node, key, R"(an e-mail address like "news@example.org")");
        if (!is_bare_address(text)) {
            fail(node, key,
                 fmt::format(R"("{}" is not an e-mail address; expected one like )"
                             R"("news@example.org" (no display name, no spaces))",
                             text));
        }
        return text;
    }

    digest_config read_digest(const toml::node& node, const std::string& key,
                              const std::string& topic) const {
        const auto* table = node.as_table();
        if (!table) {
            wrong_type(node, key,
                       R"(a table like { schedule = "daily 07:00", to = ["me@example.org"] })");
        }
        check_keys(*table, digest_keys, key, fmt::format(R"(topic "{}" digest)", topic));
        digest_config out;
        const auto* schedule = table->get("schedule");
        if (!schedule) {
            fail(*table, key + ".schedule",
                 fmt::format(R"(topic "{}": missing; expected schedule = "daily 07:00", )"
                             R"("weekly mon 07:00" or "every 6h")",
                             topic));
        }
        out.schedule_text =
            get_string(*schedule, key + ".schedule", R"(a string like "daily 07:00")");
        try {
            out.schedule = parse_digest_schedule(out.schedule_text);
        } catch (const config_error& e) {
            fail(*schedule, key + ".schedule", fmt::format(R"(topic "{}": {})", topic, e.what()));
        }
        const auto* to = table->get("to");
        if (!to) {
            fail(*table, key + ".to",
                 fmt::format(R"(topic "{}": missing; expected to = ["you@example.org"])", topic));
        }
        for_each_string(
            *to, key + ".to", R"(an array of addresses, like ["you@example.org"])",
            [&](const toml::node& element, const std::string& element_key, const std::string&) {
                out.to.push_back(get_address(element, element_key));
            });
        if (out.to.empty()) {
            fail(*to, key + ".to",
                 fmt::format(R"(topic "{}": no recipients; expected at least one address)", topic));
        }
        if (const auto* zone = table->get("timezone")) {
            out.timezone =
                get_string(*zone, key + ".timezone", R"(an IANA zone name like "Europe/Berlin")");
            if (!is_known_time_zone(out.timezone)) {
                fail(*zone, key + ".timezone",
                     fmt::format(R"(topic "{}": unknown time zone "{}"; expected an IANA name )"
                                 R"(like "Europe/Berlin" or "UTC" (see /usr/share/zoneinfo))",
                                 topic, out.timezone));
            }
        }
        if (const auto* n = table->get("min_sources")) {
            out.min_sources = static_cast<int>(get_integer(*n, key + ".min_sources", 1, 1000));
        }
        if (const auto* n = table->get("max_stories")) {
            out.max_stories = static_cast<int>(get_integer(*n, key + ".max_stories", 1, 1000));
        }
        if (const auto* flag = table->get("send_empty")) {
            const auto* value = flag->as_boolean();
            if (!value) wrong_type(*flag, key + ".send_empty", "true or false");
            out.send_empty = value->get();
        }
        return out;
    }

    std::optional<std::string> read_secret_file(const toml::node& node, std::string_view key,
                                                const fs::path& path) const {
        std::ifstream in(path, std::ios::binary);
        if (!in.is_open()) return std::nullopt;
        const std::string text((std::istreambuf_iterator<char>(in)),
                               std::istreambuf_iterator<char>());
        const auto line = std::string(trim(text));
        if (line.empty() || line.find_first_of("\r\n") != std::string::npos) {
            fail(node, key,
                 fmt::format("{} holds no usable secret; expected one non-empty line",
                             path.string()));
        }
        return line;
    }

    smtp_config read_smtp(const toml::table& smtp, config& cfg) const {
        smtp_config out;
        const auto* url = smtp.get("url");
        if (!url) fail(smtp, "smtp.url", R"(missing; expected url = "smtp://host:587")");
        out.url = get_string(*url, "smtp.url", R"(a string like "smtp://mail.example.org:587")");
        const auto parsed = urls::parse_absolute_uri(out.url);
        if (!parsed || (parsed->scheme() != "smtp" && parsed->scheme() != "smtps") ||
            parsed->host().empty() || !parsed->encoded_path().empty() || parsed->has_query() ||
            parsed->has_userinfo()) {
            fail(*url, "smtp.url",
                 fmt::format(R"("{}" is not an SMTP server URL; expected "smtp://host[:port]" )"
                             R"(or "smtps://host[:port]" (credentials go in username and )"
                             R"(password_file))",
                             out.url));
        }
        if (const auto* node = smtp.get("starttls")) {
            const auto text =
                get_string(*node, "smtp.starttls", R"("required", "opportunistic" or "off")");
            if (text == "required") {
                out.starttls = starttls_mode::required;
            } else if (text == "opportunistic") {
                out.starttls = starttls_mode::opportunistic;
            } else if (text == "off") {
                out.starttls = starttls_mode::off;
            } else {
                fail(*node, "smtp.starttls",
                     fmt::format(R"("{}"; expected "required", "opportunistic" or "off")", text));
            }
        }
        if (const auto* node = smtp.get("username")) {
            out.username = get_string(*node, "smtp.username", "a string");
        }
        if (const auto* node = smtp.get("password_file")) {
            const auto path = resolve(get_path(*node, "smtp.password_file"));
            out.password = read_secret_file(*node, "smtp.password_file", path);
            if (!out.password) {
                fail(*node, "smtp.password_file",
                     fmt::format("cannot read {}; expected a file holding the SMTP password",
                                 path.string()));
            }
            if (!out.username) {
                fail(*node, "smtp.password_file",
                     "a password without smtp.username; expected username = \"...\" too");
            }
        }
        if (const auto* node = smtp.get("ca_file")) {
            out.ca_file = resolve(get_path(*node, "smtp.ca_file"));
            std::error_code ec;
            if (!fs::is_regular_file(*out.ca_file, ec)) {
                fail(*node, "smtp.ca_file",
                     fmt::format("no such file {}; expected a PEM file of CA certificates",
                                 out.ca_file->string()));
            }
        }
        if (const auto* node = smtp.get("connect_timeout")) {
            out.connect_timeout = get_timeout(*node, "smtp.connect_timeout");
        }
        if (const auto* node = smtp.get("timeout"))
            out.timeout = get_timeout(*node, "smtp.timeout");
        if (const auto* node = smtp.get("from")) cfg.mail.from = get_address(*node, "smtp.from");
        return out;
    }

    // [smtp] or [mail] sendmail; required (with a from address) once a topic has a digest.
    void read_mail(const toml::table& table, config& cfg) const {
        if (const auto* smtp = section(table, "smtp", smtp_keys))
            cfg.mail.smtp = read_smtp(*smtp, cfg);
        if (const auto* mail = section(table, "mail", mail_keys)) {
            if (const auto* node = mail->get("sendmail")) {
                if (cfg.mail.smtp) {
                    fail(*node, "mail.sendmail",
                         "both [smtp] and [mail] sendmail are set; expected one transport");
                }
                cfg.mail.sendmail = resolve(get_path(*node, "mail.sendmail"));
            }
            if (const auto* node = mail->get("sendmail_timeout"))
                cfg.mail.sendmail_timeout = get_timeout(*node, "mail.sendmail_timeout");
            if (const auto* node = mail->get("from"))
                cfg.mail.from = get_address(*node, "mail.from");
            if (const auto* node = mail->get("retry")) {
                cfg.mail.retry =
                    std::chrono::duration_cast<seconds>(get_timeout(*node, "mail.retry"));
                if (cfg.mail.retry < seconds(1)) {
                    fail(*node, "mail.retry", R"(under 1s; expected a duration like "30s")");
                }
            }
        }
        for (const auto& topic : cfg.topics) {
            if (!topic.digest) continue;
            if (!cfg.mail.smtp && !cfg.mail.sendmail) {
                throw config_error(fmt::format(
                    R"({}: topic "{}" has a digest but no transport is configured; expected an )"
                    R"([smtp] section (url, from) or [mail] sendmail = "/usr/sbin/sendmail")",
                    shown_, topic.name));
            }
            if (cfg.mail.from.empty()) {
                throw config_error(fmt::format(
                    R"({}: topic "{}" has a digest but no sender address; expected from = )"
                    R"("news@example.org" in [smtp] or [mail])",
                    shown_, topic.name));
            }
        }
    }

    std::vector<std::string> get_topic_feeds(const toml::node& node, const std::string& key,
                                             const config& cfg) const {
        std::vector<std::string> out;
        for_each_string(
            node, key, R"(an array of feed URLs or paths, like ["https://example.org/rss"])",
            [&](const toml::node& element, const std::string& element_key,
                const std::string& text) {
                auto url = normalise_feed_url(without_feed_scheme(text), dir_);
                if (!url.error.empty()) fail(element, element_key, url.error);
                const auto found = seen_.find(url.key);
                if (found == seen_.end()) {
                    fail(element, element_key,
                         fmt::format(R"("{}" is not a followed feed; expected the url of a )"
                                     R"([[feed]] or an OPML outline)",
                                     text));
                }
                out.push_back(cfg.feeds[found->second].url);
            });
        return out;
    }

    void read_opml_list(const toml::node& node, config& cfg) {
        for_each_string(
            node, "opml", R"(an array of strings, like ["subscriptions.opml"])",
            [&](const toml::node& element, const std::string& key, const std::string& text) {
                if (trim(text).empty())
                    fail(element, key, "empty; expected a path to an OPML file");
                read_opml(element, key, resolve(fs::path(text)), cfg);
            });
    }

    void read_opml(const toml::node& node, std::string_view key, const fs::path& path,
                   config& cfg) {
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            fail(node, key,
                 fmt::format("cannot read {}: it is a directory; expected an OPML file",
                             path.string()));
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            const auto reason = std::generic_category().message(errno);
            fail(node, key,
                 fmt::format("cannot read {}: {}; expected a readable OPML file", path.string(),
                             reason));
        }
        std::string bytes;
        bytes.resize(max_opml_bytes + 1);
        in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        bytes.resize(static_cast<std::size_t>(in.gcount()));
        if (bytes.size() > max_opml_bytes) {
            fail(node, key,
                 fmt::format("{} is larger than 32 MiB; expected a smaller OPML file",
                             path.string()));
        }
        const auto parsed = feeds::parse_opml(bytes);
        if (!parsed) fail(node, key, fmt::format("{}: {}", path.string(), parsed.error));
        for (const auto& outline : parsed.feeds) {
            // Relative xmlUrl values name files next to the OPML file, not the config.
            // feed:// (and feed:https://) is how some readers export plain web URLs.
            auto url = normalise_feed_url(without_feed_scheme(outline.url), path.parent_path());
            if (!url.error.empty()) {
                // One odd outline in an exported OPML file must not refuse the whole
                // configuration: skip it and say so.
                spdlog::warn("{}: {}: skipping outline \"{}\": {}", shown_, path.string(),
                             outline.title.value_or(outline.url), url.error);
                continue;
            }
            feed_config feed;
            feed.url = std::move(url.url);
            feed.title = outline.title;
            feed.tags = outline.tags;
            feed.interval = cfg.default_interval;
            add_feed(cfg, std::move(url.key), std::move(feed));
        }
    }

    // The same feed listed twice (config and OPML, or two OPML folders) is one
    // subscription: the first wins, later ones only contribute tags and a missing title.
    void add_feed(config& cfg, std::string key, feed_config feed) {
        const auto [it, inserted] = seen_.try_emplace(std::move(key), cfg.feeds.size());
        if (inserted) {
            cfg.feeds.push_back(std::move(feed));
            return;
        }
        auto& first = cfg.feeds[it->second];
        if (!first.title) first.title = std::move(feed.title);
        // A set per merged feed: an OPML file listing one URL thousands of times with other
        // tags made a search of the growing list for each tag quadratic.
        auto [known, fresh] = merged_tags_.try_emplace(it->second);
        if (fresh) known->second.insert(first.tags.begin(), first.tags.end());
        for (auto& tag : feed.tags) {
            if (known->second.insert(tag).second) first.tags.push_back(std::move(tag));
        }
    }

    std::string shown_;  // the path as the user gave it, for messages
    fs::path file_;
    fs::path dir_;
    std::unordered_map<std::string, std::size_t> seen_;  // feed url key -> index in cfg.feeds
    // index in cfg.feeds -> its tags, for feeds listed more than once
    std::unordered_map<std::size_t, std::unordered_set<std::string>> merged_tags_;
};

}  // namespace

bool is_bare_address(std::string_view text) {
    const auto at = text.find('@');
    const bool printable = std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != ',' && c != '"';
    });
    return printable && at != std::string_view::npos && at != 0 && at + 1 != text.size() &&
           text.find('@', at + 1) == std::string_view::npos;
}

config load_config(const std::filesystem::path& file) {
    return loader(file).run();
}

std::string feed_url_argument(std::string_view text) {
    auto url = normalise_feed_url(text, fs::current_path());
    if (!url.error.empty()) throw config_error(url.error);
    return url.url;
}

namespace {

// Splits "ADDR:PORT" / "[ADDR]:PORT"; false when the shape is wrong.
bool split_listen(std::string_view text, std::string& host, std::string_view& port) {
    if (!text.empty() && text.front() == '[') {
        const auto close = text.find(']');
        if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':')
            return false;
        host = std::string(text.substr(1, close - 1));
        port = text.substr(close + 2);
        return true;
    }
    const auto colon = text.rfind(':');
    if (colon == std::string_view::npos || text.find(':') != colon) return false;
    host = std::string(text.substr(0, colon));
    port = text.substr(colon + 1);
    return true;
}

}  // namespace

std::string check_listen_address(std::string_view text) {
    std::string host;
    std::string_view port;
    if (!split_listen(text, host, port)) {
        return fmt::format(
            R"("{}" is not ADDR:PORT; expected e.g. "127.0.0.1:8080" or "[::1]:8080")", text);
    }
    in6_addr v6{};
    in_addr v4{};
    const bool bracketed = !text.empty() && text.front() == '[';
    if (bracketed ? inet_pton(AF_INET6, host.c_str(), &v6) != 1
                  : inet_pton(AF_INET, host.c_str(), &v4) != 1) {
        return fmt::format(R"("{}" is not a literal IP address; expected e.g. "127.0.0.1" or )"
                           R"("[::1]" (host names are not resolved))",
                           host);
    }
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535) {
        return fmt::format(R"(port "{}" is not a number from 0 to 65535)", port);
    }
    return "";
}

bool is_loopback_listen(std::string_view text) {
    std::string host;
    std::string_view port;
    if (!split_listen(text, host, port)) return false;
    if (!text.empty() && text.front() == '[') return host == "::1";
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) != 1) return false;
    return (ntohl(v4.s_addr) >> 24) == 127;
}

void override_listen(config& cfg, std::string_view listen) {
    if (const auto problem = check_listen_address(listen); !problem.empty())
        throw config_error(fmt::format("--listen: {}", problem));
    if (!cfg.http.token && !is_loopback_listen(listen)) {
        throw config_error(
            fmt::format("--listen {}: not a loopback address and the configuration sets no [http] "
                        "token_file; add one so the API is not open to the network",
                        listen));
    }
    cfg.http.listen = std::string(listen);
    cfg.from_command_line.listen = true;
}

bool is_known_time_zone(const std::string& name) {
    try {
        static_cast<void>(date::locate_zone(name));
        return true;
    } catch (const std::runtime_error&) {
        return false;
    }
}

digest_schedule parse_digest_schedule(std::string_view text) {
    const auto expected = R"(expected "daily 07:00", "weekly mon 07:00" or "every 6h")";
    std::vector<std::string_view> words;
    for (auto rest = trim(text); !rest.empty(); rest = trim(rest)) {
        const auto end = std::min(rest.find(' '), rest.size());
        words.push_back(rest.substr(0, end));
        rest.remove_prefix(end);
    }
    const auto time_of_day = [&](std::string_view word) {
        unsigned hours = 0;
        unsigned minutes = 0;
        const auto colon = word.find(':');
        const auto h = word.substr(0, colon);
        const auto m =
            colon == std::string_view::npos ? std::string_view{} : word.substr(colon + 1);
        const auto hr = std::from_chars(h.data(), h.data() + h.size(), hours);
        const auto mr = std::from_chars(m.data(), m.data() + m.size(), minutes);
        if (h.empty() || h.size() > 2 || m.size() != 2 || hr.ptr != h.data() + h.size() ||
            mr.ptr != m.data() + m.size() || hours > 23 || minutes > 59) {
            throw config_error(fmt::format(
                R"("{}": "{}" is not a time of day; expected HH:MM like "07:00")", text, word));
        }
        return std::chrono::minutes(hours * 60 + minutes);
    };
    digest_schedule out;
    if (words.size() == 2 && words[0] == "daily") {
        out.type = digest_schedule::kind::daily;
        out.at = time_of_day(words[1]);
        return out;
    }
    if (words.size() == 3 && words[0] == "weekly") {
        static constexpr std::string_view days[] = {"sun", "mon", "tue", "wed",
                                                    "thu", "fri", "sat"};
        const auto day = ascii_lower(words[1]);
        const auto* found = std::find(std::begin(days), std::end(days), day.substr(0, 3));
        if (day.size() < 3 || found == std::end(days)) {
            throw config_error(fmt::format(
                R"("{}": "{}" is not a weekday; expected mon, tue, wed, thu, fri, sat or sun)",
                text, words[1]));
        }
        out.type = digest_schedule::kind::weekly;
        out.day = std::chrono::weekday(static_cast<unsigned>(found - std::begin(days)));
        out.at = time_of_day(words[2]);
        return out;
    }
    if (words.size() == 2 && words[0] == "every") {
        const auto parsed = parse_duration_text(words[1], false);
        if (!parsed.error.empty()) throw config_error(parsed.error);
        const auto every = std::chrono::duration_cast<seconds>(parsed.value);
        if (every < std::chrono::hours(1) || std::chrono::days(1) % every != seconds::zero()) {
            throw config_error(fmt::format(
                R"("{}": expected a period from 1h to 1d that divides a day, like "6h")", text));
        }
        out.type = digest_schedule::kind::every;
        out.every = every;
        return out;
    }
    throw config_error(fmt::format(R"("{}": {})", text, expected));
}

seconds parse_duration(std::string_view text) {
    const auto parsed = parse_duration_text(text, false);
    if (!parsed.error.empty()) throw config_error(parsed.error);
    return std::chrono::duration_cast<seconds>(parsed.value);
}

}  // namespace feedd::daemon
