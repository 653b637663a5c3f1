#include "storage/search.hpp"

#include <algorithm>
#include <functional>
#include <memory>

#include <SQLiteCpp/Statement.h>
#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>

#include "storage/database_access.hpp"
#include "storage/migrations.hpp"
#include "storage/topics.hpp"
#include "stories/fold.hpp"

namespace feedd::storage {
namespace json = boost::json;

namespace {

using stories::rule_field;
using stories::rule_node;

// An FTS5 string: double quotes doubled, so the text is always one string token.
std::string fts_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

// The index keeps which items hold each word, not where (migration 8: detail=none), so a
// term becomes all its words, in any column: a necessary condition, which is all the matcher
// needs (it checks the order of a phrase and the field of title: and text: terms).
std::string fts_term(const rule_node& term) {
    std::string out;
    for (std::size_t i = 0; i < term.words.size(); ++i) {
        if (i > 0) out += " AND ";
        out += fts_string(term.words[i]);
        if (term.prefix && i + 1 == term.words.size()) out += " *";
    }
    return out;
}

// A necessary condition as FTS5 text, "" meaning "no constraint" (true).
std::string necessary(const rule_node& node) {
    switch (node.type) {
        case rule_node::kind::term:
            switch (node.field) {
                case rule_field::any:
                case rule_field::title:
                case rule_field::text:
                    return fts_term(node);
                default:
                    return {};  // not indexed: the matcher decides
            }
        case rule_node::kind::all_of: {
            std::vector<std::string> parts;
            for (const auto& child : node.children) {
                auto part = necessary(child);
                if (!part.empty()) parts.push_back("(" + part + ")");
            }
            std::string out;
            for (const auto& part : parts)
                out += (out.empty() ? "" : " AND ") + part;
            return out;
        }
        case rule_node::kind::any_of: {
            std::string out;
            for (const auto& child : node.children) {
                auto part = necessary(child);
                if (part.empty()) return {};  // one unconstrained branch frees the whole OR
                out += (out.empty() ? "(" : " OR (") + part + ")";
            }
            return out;
        }
        case rule_node::kind::negation:
            // FTS5 has no unary NOT; leaving it out only widens the candidates.
            return {};
    }
    return {};
}

std::vector<std::string> strings_from_json(const std::string& text) {
    return json::value_to<std::vector<std::string>>(json::parse(text));
}

}  // namespace

std::string fts_query(const stories::rule_node& root) {
    return necessary(root);
}

// items_fts keeps which items hold each word and nothing more (migration 8: detail=none,
// columnsize=0), so a word's second occurrence in a column adds nothing to the index. Each run
// between spaces is kept once, in order of first appearance: FTS5's tokenizer splits runs
// further but never joins two, so the set of indexed words and hence the index are the same as
// for the whole text, while the writer tokenizes and hashes ~45 % fewer words (docs/design.md).
// Rows written with repeats no longer match what 'delete' and 'integrity-check' recompute, so
// migration 9 rebuilds the index once. fold_words_once folds and drops the repeats in one pass.
indexed_text fold_for_index(const std::optional<std::string>& title,
                            const std::optional<std::string>& summary,
                            const std::optional<std::string>& content_html) {
    // Views: neither the title nor a summary that is the whole text is copied first.
    std::string storage;
    return {stories::fold_words_once(title ? std::string_view(*title) : std::string_view()),
            stories::fold_words_once(stories::item_plain_text(summary, content_html, storage))};
}

std::string source_name(const std::optional<std::string>& feed_title, std::string_view feed_url) {
    if (feed_title && !feed_title->empty()) return *feed_title;
    const auto url = boost::urls::parse_uri(feed_url);
    if (url && url->has_authority() && !url->host().empty()) return std::string(url->host());
    return std::string(feed_url);
}

search_response search(const database& db, const search_request& request) {
    search_response response;
    auto parsed = stories::topic_rule::parse(request.expression);
    if (!parsed) {
        response.error = fmt::format("column {}: {}", parsed.error.column, parsed.error.message);
        response.error_column = parsed.error.column;
        return response;
    }
    const auto& rule = *parsed.rule;

    std::optional<topic_row> topic;
    std::optional<stories::topic_rule> topic_rule;
    if (request.topic) {
        topic = find_topic(db, *request.topic);
        if (!topic) {
            response.error = fmt::format(R"(no topic named "{}"; `feedd query topics` lists them)",
                                         *request.topic);
            return response;
        }
        auto topic_parsed = stories::topic_rule::parse(topic->match);
        if (!topic_parsed) {
            response.error = fmt::format(R"(topic "{}" has a rule that does not parse: {})",
                                         topic->name, topic_parsed.error.message);
            return response;
        }
        topic_rule = std::move(topic_parsed.rule);
    }
    if (request.limit <= 0) return response;

    std::string match = fts_query(rule.root());
    if (topic_rule) {
        const auto topic_match = fts_query(topic_rule->root());
        if (!topic_match.empty()) {
            match = match.empty() ? topic_match : "(" + match + ") AND (" + topic_match + ")";
        }
    }

    // Candidates in display order, ids only: sorting whole rows (content and all) of a common
    // word's thousands of matches is what made this slow; rows are read one by one below, and
    // only until `limit` of them pass the matcher.
    // Searches are rare next to ingest; preparing per call keeps the read path simple.
    auto& conn = database_access::connection(db);
    // A common word matches thousands of items: then walking items_newest in display order
    // and stopping once `limit` pass reads a few thousand index entries, where sorting the
    // matches reads every matching row first (290 ms against 2 ms for "iran" on a 100k-item
    // store). A rare word is cheaper the other way round: its few rows, sorted.
    constexpr int common_matches = 500;
    bool common = false;
    if (!match.empty()) {
        SQLite::Statement probe(conn, R"sql(
SELECT count(*) FROM (SELECT rowid FROM items_fts WHERE items_fts MATCH ?1 LIMIT ?2)
)sql");
        probe.bind(1, match);
        probe.bind(2, common_matches);
        probe.executeStep();
        // The index is missing while a first import runs (database::defer_time_indexes).
        common = probe.getColumn(0).getInt() >= common_matches && has_index(conn, "items_newest");
    }
    std::string sql = common ? "SELECT i.id FROM items i INDEXED BY items_newest\n"
                             : "SELECT i.id FROM items i\n";
    sql += "WHERE (:since IS NULL OR coalesce(i.published, i.first_seen) >= :since)\n";
    if (!match.empty())
        sql += "  AND i.id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH :q)\n";
    sql += "ORDER BY coalesce(i.published, i.first_seen) DESC, i.id DESC";

    SQLite::Statement candidates(conn, sql);
    SQLite::Statement row(conn, "SELECT " + std::string(database_access::item_columns) +
                                    ", f.tags" + database_access::item_from + "WHERE i.id = ?1");
    if (request.since) {
        candidates.bind(":since",
                        static_cast<std::int64_t>(request.since->time_since_epoch().count()));
    }
    if (!match.empty()) candidates.bind(":q", match);
    std::size_t examined = 0;
    while (response.items.size() < static_cast<std::size_t>(request.limit) &&
           candidates.executeStep()) {
        // Another candidate past the bound: what it would have said is unknown.
        if (request.max_examined != 0 && examined == request.max_examined) {
            response.stopped_early = true;
            break;
        }
        ++examined;
        row.reset();
        row.bind(1, candidates.getColumn(0).getInt64());
        if (!row.executeStep()) continue;
        auto item = database_access::read_item(row);
        const auto feed_tags =
            strings_from_json(row.getColumn(database_access::item_column_count).getString());
        if (topic && !feed_in_scope(topic->feeds, topic->tags, item.feed_url, feed_tags)) continue;
        const auto text = stories::item_plain_text(item.summary, item.content_html);
        const auto source = source_name(item.feed_title, item.feed_url);
        const stories::prepared_item view(
            stories::item_view{item.title.value_or(""), text, item.feed_title.value_or(""),
                               item.feed_url, feed_tags, source, item.categories});
        if (!rule.matches(view)) continue;
        if (topic_rule && !topic_rule->matches(view)) continue;
        response.items.push_back(std::move(item));
    }
    return response;
}

}  // namespace feedd::storage
