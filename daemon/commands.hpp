// The one-shot commands behind the CLI (parse, query items/stories/story, feeds, opml export,
// discover, cluster). Each takes plain values, writes to the given streams and returns the exit
// code.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/listing_limit.hpp"
#include "storage/database.hpp"

namespace feedd::daemon {

struct parse_options {
    std::vector<std::string> files;  // "-" is stdin
    std::string url;
    std::string content_type;
    bool quiet = false;  // parse everything, print only errors
};
int parse_command(const parse_options& options, std::ostream& out, std::ostream& err);

struct items_options {
    std::filesystem::path db;
    std::optional<std::string> feed_url;
    std::optional<std::chrono::seconds> since;
    listing_limit limit;
    bool json = false;
};
int query_items_command(const items_options& options, std::ostream& out, std::ostream& err);

struct stories_options {
    std::filesystem::path db;
    std::optional<std::chrono::seconds> since;  // stories with a member this recent
    int min_sources = 1;
    listing_limit limit;
    bool json = false;
};
int query_stories_command(const stories_options& options, std::ostream& out, std::ostream& err);

struct story_options {
    std::filesystem::path db;
    std::int64_t id = 0;
    bool explain = false;  // each member's similarity and why it joined
    bool json = false;
};
int query_story_command(const story_options& options, std::ostream& out, std::ostream& err);

struct feeds_options {
    std::filesystem::path db;
    bool json = false;
};
int feeds_command(const feeds_options& options, std::ostream& out, std::ostream& err);

struct opml_export_options {
    std::filesystem::path config_file;
    std::optional<std::filesystem::path> out_file;  // stdout when unset
};
// Writes the configured feeds (config [[feed]] tables and OPML imports) as OPML 2.0.
int opml_export_command(const opml_export_options& options, std::ostream& out, std::ostream& err);

struct discover_options {
    std::string input;  // a file, "-" for stdin, or an http(s) URL to fetch
    std::string url;    // the page's URL for a file (base for relative links)
    bool json = false;  // JSON Lines instead of tab-separated lines
    std::optional<std::filesystem::path> extra_ca_file;  // tests: trust this CA too
};
// Lists the feeds an HTML page advertises, or says that the input is itself a feed.
int discover_command(const discover_options& options, std::ostream& out, std::ostream& err);
struct cluster_command_options {
    std::string in;        // JSON Lines items; "" or "-" is stdin
    std::string out;       // one {"id","cluster"} line per item; "" or "-" is stdout
    bool explain = false;  // add each item's similarity, matched item and reason
    // Tuning knobs; unset means the daemon's defaults (stories/clusterer.hpp, signature.hpp).
    std::optional<double> threshold, containment, title_support, headline_threshold;
    std::optional<int> bands, rows, hashes, shingle_words, max_words;
};
int cluster_command(const cluster_command_options& options, std::ostream& out, std::ostream& err);

// Topics: query search/topics/timeline (cmd_query.cpp) and topics rebuild (cmd_topics.cpp).
struct search_options {
    std::filesystem::path db;
    std::string expression;            // the topic rule language
    std::optional<std::string> topic;  // within this topic's rule and scopes
    listing_limit limit;
    bool json = false;
};
int query_search_command(const search_options& options, std::ostream& out, std::ostream& err);

struct topics_list_options {
    std::filesystem::path db;
    bool json = false;
};
int query_topics_command(const topics_list_options& options, std::ostream& out, std::ostream& err);

struct timeline_options {
    std::filesystem::path db;
    std::string topic;
    std::optional<std::chrono::seconds> since;  // entries added this recently
    listing_limit limit;
    bool json = false;
};
int query_timeline_command(const timeline_options& options, std::ostream& out, std::ostream& err);

struct topics_rebuild_options {
    std::filesystem::path db;
    // The configuration's topics, synced into the store first; nullopt with --db alone
    // (the stored topics are rebuilt as they are).
    std::optional<std::vector<topic_config>> topics;
    std::string name;  // empty: every active topic
};
int topics_rebuild_command(const topics_rebuild_options& options, std::ostream& out,
                           std::ostream& err);

// An existing database (cmd_query.cpp); a missing one throws std::runtime_error with a hint
// instead of SQLite's message.
storage::database open_store(const std::filesystem::path& db,
                             storage::open_mode mode = storage::open_mode::read_only);

// Retention from the command line (cmd_prune.cpp).
struct prune_command_options {
    std::filesystem::path db;
    std::optional<std::chrono::seconds> keep;  // [storage] keep; none: nothing to prune
    bool dry_run = false;                      // count what would go, change nothing
};
int prune_command(const prune_command_options& options, std::ostream& out);

// Topic digests (cmd_digest.cpp): build and send one now; list what was sent and is pending.
struct digest_options {
    config cfg;
    std::string topic;
    std::optional<std::string> to;              // overrides the topic's recipients
    bool dry_run = false;                       // print the message, record and send nothing
    std::optional<std::chrono::seconds> since;  // only stories that entered the timeline since
};
int digest_command(const digest_options& options, std::ostream& out, std::ostream& err);

struct digests_options {
    std::filesystem::path db;
    listing_limit limit;
    bool json = false;
};
int digests_command(const digests_options& options, std::ostream& out, std::ostream& err);

}  // namespace feedd::daemon
