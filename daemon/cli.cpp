#include "daemon/cli.hpp"

#include <unistd.h>

#include <iostream>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/commands.hpp"
#include "daemon/config.hpp"
#include "daemon/http_api.hpp"
#include "daemon/logging.hpp"
#include "daemon/service.hpp"

namespace feedd::daemon {
namespace {

// Options every store-backed command shares: where the config is, and an
// override for the database path.
struct store_args {
    std::string config_file;
    std::string db;

    void add_to(CLI::App& command, bool config_required) {
        auto* option = command.add_option("--config,-c", config_file, "configuration file (TOML)");
        if (config_required) option->required();
        command.add_option("--db", db, "database path (overrides [storage] path)");
    }

    // The database path: --db wins over the config's [storage] path.
    std::filesystem::path db_path() const {
        if (!db.empty()) return std::filesystem::absolute(db);
        if (config_file.empty())
            throw config_error("either --config FILE or --db PATH is required");
        return load_config(config_file).storage_path;
    }

    config load() const {
        auto cfg = load_config(config_file);
        if (!db.empty()) {
            cfg.storage_path = std::filesystem::absolute(db);
            cfg.from_command_line.storage_path = true;
        }
        return cfg;
    }
};

// --limit N and --all, which exclude each other; with neither, a listing prints the default
// page (cmd_query.cpp).
void add_listing_limit(CLI::App& command, listing_limit& limit, const std::string& what) {
    auto* count =
        command
            .add_option("--limit", limit.limit,
                        fmt::format("at most N {} (default {})", what, default_page_limit))
            ->check(CLI::PositiveNumber);
    command.add_flag("--all", limit.all, "every one of the " + what + ", however many")
        ->excludes(count);
}

std::optional<std::chrono::seconds> optional_duration(const std::string& text) {
    if (text.empty()) return std::nullopt;
    return parse_duration(text);
}

}  // namespace

int run_cli(int argc, char** argv) {
    CLI::App app{"feedd — follows news feeds, folds wire copies into stories, answers queries",
                 "feedd"};
    app.require_subcommand(1);
    app.set_version_flag("--version", "feedd " FEEDD_VERSION);
    std::string log_level = "info";
    app.add_option("--log-level", log_level, "trace, debug, info, warn, error")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}));

    store_args run_args;
    std::string listen;
    auto* run = app.add_subcommand("run", "run the daemon in the foreground");
    run_args.add_to(*run, true);
    run->add_option("--listen", listen, "serve HTTP on ADDR:PORT (overrides [http] listen)");

    store_args poll_args;
    bool once = false;
    auto* poll = app.add_subcommand("poll", "poll every feed once, store new items, exit");
    poll_args.add_to(*poll, true);
    poll->add_flag("--once", once, "poll each feed once and exit (required)")->required();

    parse_options parse_opts;
    auto* parse = app.add_subcommand("parse", "parse feed documents and print them as JSON");
    parse->add_option("files", parse_opts.files, "feed files, - for stdin")->required();
    parse->add_option("--url", parse_opts.url, "URL the document was fetched from");
    parse->add_option("--content-type", parse_opts.content_type, "HTTP Content-Type it came with");
    parse->add_flag("--quiet,-q", parse_opts.quiet, "print only errors");

    auto* query = app.add_subcommand("query", "query the local store");
    query->require_subcommand(1);
    store_args items_args;
    items_options items_opts;
    std::string items_since;
    std::string items_feed;
    auto* items = query->add_subcommand("items", "stored items, newest first");
    items_args.add_to(*items, false);
    items->add_option("--feed", items_feed, "only items of this feed (URL)");
    items->add_option("--since", items_since, "only items newer than DURATION (e.g. 24h, 7d)");
    add_listing_limit(*items, items_opts.limit, "items");
    items->add_flag("--json", items_opts.json, "JSON Lines, one object per item");

    store_args stories_args;
    stories_options stories_opts;
    std::string stories_since;
    auto* stories = query->add_subcommand("stories", "stories (wire copies folded), newest first");
    stories_args.add_to(*stories, false);
    stories->add_option("--since", stories_since,
                        "only stories with an item newer than DURATION (e.g. 24h, 7d)");
    stories
        ->add_option("--min-sources", stories_opts.min_sources,
                     "only stories reported by at least N outlets")
        ->check(CLI::PositiveNumber);
    add_listing_limit(*stories, stories_opts.limit, "stories");
    stories->add_flag("--json", stories_opts.json, "JSON Lines, one object per story");

    store_args story_args;
    story_options story_opts;
    auto* story = query->add_subcommand("story", "one story: its sources and items");
    story_args.add_to(*story, false);
    story->add_option("id", story_opts.id, "story id (see `feedd query stories`)")
        ->required()
        ->check(CLI::PositiveNumber);
    story->add_flag("--explain", story_opts.explain,
                    "each item's similarity to the story and why it joined");
    story->add_flag("--json", story_opts.json, "one JSON object");

    store_args search_args;
    search_options search_opts;
    std::string search_topic;
    auto* search = query->add_subcommand(
        "search", "items whose title or text match EXPR (the topic rule language)");
    search_args.add_to(*search, false);
    search
        ->add_option("expression", search_opts.expression,
                     R"(words, "phrases", AND, OR, NOT/-, ( ), title: text: feed: tag: )"
                     R"(source: category: (one that starts with '-' goes after --: -- "-sport x"))")
        ->required();
    search->add_option("--topic", search_topic, "only items that topic also matches");
    add_listing_limit(*search, search_opts.limit, "items");
    search->add_flag("--json", search_opts.json, "JSON Lines, one object per item");

    store_args topics_list_args;
    topics_list_options topics_list_opts;
    auto* topics_list = query->add_subcommand("topics", "topics with their story counts");
    topics_list_args.add_to(*topics_list, false);
    topics_list->add_flag("--json", topics_list_opts.json, "JSON Lines, one object per topic");

    store_args timeline_args;
    timeline_options timeline_opts;
    std::string timeline_since;
    auto* timeline = query->add_subcommand("timeline", "a topic's stories, newest entry first");
    timeline_args.add_to(*timeline, false);
    timeline->add_option("name", timeline_opts.topic, "topic name")->required();
    timeline->add_option("--since", timeline_since,
                         "only stories that entered within DURATION (e.g. 24h, 7d)");
    add_listing_limit(*timeline, timeline_opts.limit, "stories");
    timeline->add_flag("--json", timeline_opts.json, "JSON Lines, one object per story");

    auto* topics_cmd = app.add_subcommand("topics", "maintain topic timelines");
    topics_cmd->require_subcommand(1);
    store_args rebuild_args;
    topics_rebuild_options rebuild_opts;
    auto* rebuild = topics_cmd->add_subcommand(
        "rebuild", "re-evaluate stored items against the topics (after editing a rule)");
    rebuild_args.add_to(*rebuild, false);
    rebuild->add_option("name", rebuild_opts.name, "only this topic (default: all)");

    store_args feeds_args;
    feeds_options feeds_opts;
    auto* feeds_cmd = app.add_subcommand("feeds", "followed feeds and their fetch status");
    feeds_args.add_to(*feeds_cmd, false);
    feeds_cmd->add_flag("--json", feeds_opts.json, "JSON Lines, one object per feed");

    store_args prune_args;
    prune_command_options prune_opts;
    auto* prune_cmd = app.add_subcommand(
        "prune", "delete items older than [storage] keep, as the daemon does hourly");
    prune_args.add_to(*prune_cmd, true);
    prune_cmd->add_flag("--dry-run", prune_opts.dry_run, "only count what would be deleted");

    store_args digest_args;
    digest_options digest_opts;
    std::string digest_to;
    std::string digest_since;
    auto* digest_cmd =
        app.add_subcommand("digest", "send a topic's digest of stories not yet sent, now");
    digest_args.add_to(*digest_cmd, true);
    digest_cmd->add_option("--topic", digest_opts.topic, "the topic (its name)")->required();
    digest_cmd->add_option("--to", digest_to, "send to this address instead of the topic's");
    digest_cmd->add_flag("--dry-run", digest_opts.dry_run,
                         "print the RFC 5322 message; record and send nothing");
    digest_cmd->add_option("--since", digest_since,
                           "only stories that entered the timeline this recently, e.g. 1d");

    store_args digests_args;
    digests_options digests_opts;
    auto* digests_cmd = app.add_subcommand("digests", "digests sent and pending, newest first");
    digests_args.add_to(*digests_cmd, false);
    add_listing_limit(*digests_cmd, digests_opts.limit, "digests");
    digests_cmd->add_flag("--json", digests_opts.json, "JSON Lines, one object per digest");

    auto* opml = app.add_subcommand("opml", "OPML import/export of the subscriptions");
    opml->require_subcommand(1);
    std::string opml_config;
    std::string opml_out;
    auto* opml_export = opml->add_subcommand("export", "write the configured feeds as OPML 2.0");
    opml_export->add_option("--config,-c", opml_config, "configuration file (TOML)")->required();
    opml_export->add_option("--out,-o", opml_out, "output file (default: stdout)");

    discover_options discover_opts;
    std::string discover_ca;
    auto* discover =
        app.add_subcommand("discover", "list the feeds an HTML page advertises (FILE|URL|-)");
    discover->add_option("input", discover_opts.input, "HTML file, - for stdin, or http(s) URL")
        ->required();
    discover->add_option("--url", discover_opts.url, "the page's URL, for links in a file");
    discover->add_flag("--json", discover_opts.json, "JSON Lines, one object per feed");
    discover->add_option("--ca-file", discover_ca, "also trust this CA certificate (PEM)");
    cluster_command_options cluster_opts;
    auto* cluster = app.add_subcommand(
        "cluster", "group JSON Lines items into stories, as the daemon does (one line per item)");
    cluster->add_option("--in", cluster_opts.in, "JSON Lines items, - for stdin (default)");
    cluster->add_option("--out", cluster_opts.out, "where the clusters go, - for stdout (default)");
    cluster->add_flag("--explain", cluster_opts.explain, "add similarity, matched id and reason");
    cluster->add_option("--threshold", cluster_opts.threshold, "Jaccard that joins on its own");
    cluster->add_option("--containment", cluster_opts.containment, "containment that joins");
    cluster->add_option("--title-support", cluster_opts.title_support,
                        "title overlap that lets weaker text evidence join");
    cluster->add_option("--headline-threshold", cluster_opts.headline_threshold,
                        "Jaccard and title overlap that join two headline-only items");
    cluster->add_option("--bands", cluster_opts.bands, "LSH bands");
    cluster->add_option("--rows", cluster_opts.rows, "MinHash values per LSH band");
    cluster->add_option("--hashes", cluster_opts.hashes, "MinHash values per signature");
    cluster->add_option("--shingle-words", cluster_opts.shingle_words, "words per shingle");
    cluster->add_option("--max-words", cluster_opts.max_words, "text words signed, 0 for all");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // --help and --version end here with 0; a usage error is exit code 2, like a bad config.
        if (app.exit(e) == 0) return 0;
        // A rule that starts with '-' ("-sport": all but sport) reads as an unknown option.
        if (search->parsed()) {
            for (const auto& arg : search->remaining()) {
                if (arg.size() < 2 || arg.front() != '-' || arg == "--") continue;
                std::cerr << fmt::format(
                    "feedd query search: \"{0}\" was taken for an option; to search for text "
                    "that starts with '-', put it after --: feedd query search [OPTIONS] -- "
                    "\"{0}\"\n",
                    arg);
                break;
            }
        }
        return 2;
    }
    setup_logging(log_level, isatty(STDERR_FILENO) != 0);

    try {
        if (*parse) return parse_command(parse_opts, std::cout, std::cerr);
        if (*opml_export) {
            opml_export_options options{opml_config, std::nullopt};
            if (!opml_out.empty()) options.out_file = opml_out;
            return opml_export_command(options, std::cout, std::cerr);
        }
        if (*discover) {
            if (!discover_ca.empty()) discover_opts.extra_ca_file = discover_ca;
            return discover_command(discover_opts, std::cout, std::cerr);
        }
        if (*run) {
            auto cfg = run_args.load();
            if (!listen.empty()) override_listen(cfg, listen);
            return run_service(cfg, run_mode::daemon);
        }
        if (*cluster) return cluster_command(cluster_opts, std::cout, std::cerr);
        if (*poll) return run_service(poll_args.load(), run_mode::once);
        if (*items) {
            items_opts.db = items_args.db_path();
            if (!items_feed.empty()) items_opts.feed_url = feed_url_argument(items_feed);
            items_opts.since = optional_duration(items_since);
            return query_items_command(items_opts, std::cout, std::cerr);
        }
        if (*stories) {
            stories_opts.db = stories_args.db_path();
            stories_opts.since = optional_duration(stories_since);
            return query_stories_command(stories_opts, std::cout, std::cerr);
        }
        if (*story) {
            story_opts.db = story_args.db_path();
            return query_story_command(story_opts, std::cout, std::cerr);
        }
        if (*search) {
            search_opts.db = search_args.db_path();
            if (!search_topic.empty()) search_opts.topic = search_topic;
            return query_search_command(search_opts, std::cout, std::cerr);
        }
        if (*topics_list) {
            topics_list_opts.db = topics_list_args.db_path();
            return query_topics_command(topics_list_opts, std::cout, std::cerr);
        }
        if (*timeline) {
            timeline_opts.db = timeline_args.db_path();
            timeline_opts.since = optional_duration(timeline_since);
            return query_timeline_command(timeline_opts, std::cout, std::cerr);
        }
        if (*rebuild) {
            // With a config, its topics are synced first, so an edited rule is what gets rebuilt.
            if (!rebuild_args.config_file.empty()) {
                const auto cfg = rebuild_args.load();
                rebuild_opts.db = cfg.storage_path;
                rebuild_opts.topics = cfg.topics;
            } else {
                rebuild_opts.db = rebuild_args.db_path();
            }
            return topics_rebuild_command(rebuild_opts, std::cout, std::cerr);
        }
        if (*prune_cmd) {
            const auto cfg = prune_args.load();
            prune_opts.db = cfg.storage_path;
            prune_opts.keep = cfg.keep;
            return prune_command(prune_opts, std::cout);
        }
        if (*digest_cmd) {
            digest_opts.cfg = digest_args.load();
            if (!digest_to.empty()) digest_opts.to = digest_to;
            digest_opts.since = optional_duration(digest_since);
            return digest_command(digest_opts, std::cout, std::cerr);
        }
        if (*digests_cmd) {
            digests_opts.db = digests_args.db_path();
            return digests_command(digests_opts, std::cout, std::cerr);
        }
        if (*feeds_cmd) {
            feeds_opts.db = feeds_args.db_path();
            return feeds_command(feeds_opts, std::cout, std::cerr);
        }
    } catch (const config_error& e) {
        std::cerr << "feedd: " << e.what() << '\n';
        return 2;
    } catch (const std::exception& e) {
        std::cerr << "feedd: " << e.what() << '\n';
        return 1;
    }
    return 0;
}

}  // namespace feedd::daemon
