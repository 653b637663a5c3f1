// The daemon's configuration: one TOML file (plus the OPML files it lists),
// read once and handed out as values. Errors name file:line, the key and what
// was expected, e.g. `demo.toml:12: unknown key "intervall" in [[feed]] (did you mean
// "interval"?)`.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "feeds/fetch_options.hpp"

namespace feedd::daemon {

struct config_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// [fetch]: what each fetch does (handed to the fetcher as is) and how many run at once.
struct fetch_config : feeds::fetch_options {
    int max_concurrency = 16;      // fetches in flight overall
    int per_host_concurrency = 2;  // fetches in flight per host
    // Minimum time between the starts of two fetches from one host (registrable
    // domain); unset: default_host_spacing, except loopback hosts (no spacing).
    std::optional<std::chrono::milliseconds> host_spacing;

    friend bool operator==(const fetch_config&, const fetch_config&) = default;
};

// [http]: the daemon's HTTP server (API, topic feeds, events, web page, metrics).
struct http_config {
    std::optional<std::string> listen;  // "ADDR:PORT"; none: no server
    std::optional<std::string> token;   // bearer token read from token_file
    std::optional<std::filesystem::path> token_file;
    // A request must arrive whole within this (slow clients are cut off).
    std::chrono::milliseconds request_timeout{10'000};
    int max_connections = 512;      // open connections overall
    int requests_per_second = 100;  // per client address, sustained (bursts of twice that)

    friend bool operator==(const http_config&, const http_config&) = default;
};

// [stories]: how items fold into stories.
struct stories_config {
    // A new item is compared with the items fetched up to this long before it;
    // older signatures are dropped from the index and the database.
    std::chrono::seconds window{std::chrono::days(7)};
    // Estimated Jaccard similarity that joins a story whose titles agree
    // (cluster_options::threshold); unset keeps the clusterer's default.
    std::optional<double> threshold;

    friend bool operator==(const stories_config&, const stories_config&) = default;
};

struct feed_config {
    // Normalised: http(s) URLs as given, local paths as absolute file:// URLs.
    std::string url;
    std::optional<std::string> title;
    std::vector<std::string> tags;
    std::chrono::seconds interval{std::chrono::minutes(15)};
};

// [smtp] or [mail]: how digests leave (issue 6). Exactly one transport when any topic has a
// digest.
enum class starttls_mode { required, opportunistic, off };
struct smtp_config {
    std::string url;                                   // smtp://host[:port] or smtps://host[:port]
    starttls_mode starttls = starttls_mode::required;  // smtp:// only
    std::optional<std::string> username;
    std::optional<std::string> password;           // read from password_file
    std::optional<std::filesystem::path> ca_file;  // trust this CA too (tests, private CAs)
    std::chrono::milliseconds connect_timeout{10'000};
    std::chrono::milliseconds timeout{60'000};  // the whole session
};
struct mail_config {
    std::optional<smtp_config> smtp;
    // [mail] sendmail: a sendmail-compatible program.
    std::optional<std::filesystem::path> sendmail;
    // [mail] sendmail_timeout: the program must read the message and exit within this, or it
    // is killed and the attempt fails.
    std::chrono::milliseconds sendmail_timeout{60'000};
    std::string from;  // [smtp] from or [mail] from
    // [mail] retry: the first back-off after a failed send (doubling, capped at 1h).
    std::chrono::seconds retry{30};
};

// A topic's digest = { schedule, to, timezone, min_sources, max_stories, send_empty }.
struct digest_schedule {
    enum class kind { daily, weekly, every };
    kind type = kind::daily;
    std::chrono::minutes at{7 * 60};                     // daily/weekly: local time of day
    std::chrono::weekday day{std::chrono::Monday};       // weekly
    std::chrono::seconds every{std::chrono::hours(24)};  // every: the period
};
struct digest_config {
    digest_schedule schedule;
    std::string schedule_text;  // as written, for status output
    std::vector<std::string> to;
    std::string timezone = "UTC";  // an IANA zone name, checked against the system tzdb
    int min_sources = 1;
    int max_stories = 50;
    bool send_empty = false;
};

// Whether the system time zone database (/usr/share/zoneinfo) knows this IANA name.
bool is_known_time_zone(const std::string& name);

// Parses "daily 07:00", "weekly mon 07:00" or "every 6h". Throws config_error (no position).
digest_schedule parse_digest_schedule(std::string_view text);

// [[topic]]: a named rule over items (stories/topic_rule.hpp). Scopes narrow it to some feeds.
struct topic_config {
    std::string name;                // a slug: [a-z0-9-]+, unique
    std::string match;               // the rule as written; load_config has checked it parses
    std::vector<std::string> feeds;  // normalised feed URLs; empty means every feed
    std::vector<std::string> tags;   // feeds carrying any of these tags; empty means every feed
    std::optional<digest_config> digest;
};

struct config {
    std::filesystem::path file;          // the config file itself (absolute)
    std::filesystem::path storage_path;  // absolute; relative paths resolve against file's folder
    // [storage] keep: items first seen longer ago than this are pruned (storage/retention.hpp);
    // none ("forever" or "0"): nothing is.
    std::optional<std::chrono::seconds> keep{std::chrono::days(90)};
    fetch_config fetch;
    http_config http;
    stories_config stories;
    std::chrono::seconds default_interval{std::chrono::minutes(15)};
    std::vector<feed_config>
        feeds;  // config [[feed]] tables, then OPML outlines; deduplicated by url
    std::vector<topic_config> topics;  // [[topic]] tables in file order
    mail_config mail;
    // Set by the command line's --db and --listen, which win over the file's values.
    struct {
        bool storage_path = false;
        bool listen = false;
    } from_command_line;
};

// Reads and validates a config file. Throws config_error.
config load_config(const std::filesystem::path& file);

// A bare e-mail address (no display name): printable ASCII with one @ inside and no spaces,
// brackets, commas or quotes. It goes into SMTP commands and headers as it is, so nothing else
// (a CR or LF least of all) may reach them.
bool is_bare_address(std::string_view text);

// Parses durations like "90s", "15m", "2h", "7d", "1h30m". Throws config_error
// (without a position) on a malformed value.
std::chrono::seconds parse_duration(std::string_view text);

// A feed URL as a user types it on the command line (--feed), normalised the way
// the configuration normalises it: local paths against the current folder.
std::string feed_url_argument(std::string_view text);

// Checks an HTTP listen address "IPv4:PORT" or "[IPv6]:PORT" (a literal address, never
// a name: resolving one at start-up could send DNS traffic). Returns "" when it is
// fine, else what is wrong and what is expected.
std::string check_listen_address(std::string_view text);
// True when the listen address is on 127.0.0.0/8 or ::1.
bool is_loopback_listen(std::string_view text);
// Applies `feedd run --listen`: validates it and that a token exists for a
// non-loopback address. Throws config_error.
void override_listen(config& cfg, std::string_view listen);

// Minimum polling interval: anything shorter is raised to this.
inline constexpr std::chrono::seconds min_interval{60};

inline constexpr std::chrono::milliseconds default_host_spacing{500};

}  // namespace feedd::daemon
