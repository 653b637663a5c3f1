#include "daemon/http_api.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <map>
#include <ranges>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "daemon/config.hpp"
#include "daemon/http_gzip.hpp"
#include "daemon/web_render.hpp"
#include "feeds/dates.hpp"
#include "feeds/fetch_http_date.hpp"
#include "feeds/text.hpp"

namespace feedd::daemon {

namespace urls = boost::urls;

namespace {

// Thrown inside the handler for a bad request; turned into a JSON 4xx reply.
struct bad_request {
    int status;
    std::string message;
};

constexpr std::string_view json_type = "application/json; charset=utf-8";
constexpr std::string_view html_type = "text/html; charset=utf-8";
constexpr std::string_view html_policy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src http: https:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

http_reply ok(std::string_view type, std::string body) {
    http_reply r;
    r.content_type = std::string(type);
    r.body = std::move(body);
    return r;
}

http_reply html(std::string body) {
    auto r = ok(html_type, std::move(body));
    r.headers.emplace_back("Content-Security-Policy", std::string(html_policy));
    r.headers.emplace_back("Referrer-Policy", "no-referrer");
    return r;
}

bool is_slug(std::string_view name) {
    return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
    });
}

std::string topic_name(std::string_view name) {
    if (!is_slug(name)) {
        throw bad_request{400, fmt::format("\"{}\" is not a topic name; expected lowercase "
                                           "letters, digits and '-'",
                                           name)};
    }
    return std::string(name);
}

std::uint64_t fnv1a(std::string_view data) {
    std::uint64_t h = 14695981039346656037ull;
    for (const unsigned char c : data) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

// Query parameters: only the listed names are accepted, each at most once.
class query_params {
  public:
    query_params(const urls::url_view& url, std::initializer_list<std::string_view> allowed) {
        for (const auto& p : url.params()) {
            if (std::find(allowed.begin(), allowed.end(), p.key) == allowed.end()) {
                throw bad_request{
                    400, fmt::format("unknown query parameter \"{}\"{}", p.key,
                                     allowed.size() == 0 ? std::string("; this path takes none")
                                                         : fmt::format("; expected one of: {}",
                                                                       fmt::join(allowed, ", ")))};
            }
            if (values_.count(p.key) > 0)
                throw bad_request{400, fmt::format("query parameter \"{}\" given twice", p.key)};
            values_[p.key] = p.has_value ? p.value : std::string();
        }
    }

    std::optional<std::string> get(const std::string& name) const {
        const auto it = values_.find(name);
        if (it == values_.end()) return std::nullopt;
        return it->second;
    }

    int limit() const { return number("limit", default_page_limit, 1, max_page_limit); }

    int number(const std::string& name, int fallback, int min, int max) const {
        const auto text = get(name);
        if (!text) return fallback;
        int value = 0;
        const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
        if (ec != std::errc() || end != text->data() + text->size() || value < min || value > max) {
            throw bad_request{400, fmt::format("{}=\"{}\": expected a whole number from {} to {}",
                                               name, *text, min, max)};
        }
        return value;
    }

    // since= takes a duration back from now ("24h") or an RFC 3339 time.
    std::optional<web_time> since(web_time now) const {
        const auto text = get("since");
        if (!text) return std::nullopt;
        if (const auto t = feeds::parse_date(*text)) return *t;
        try {
            return now - parse_duration(*text);
        } catch (const std::exception&) {
            throw bad_request{400, fmt::format("since=\"{}\": expected a duration like \"24h\" "
                                               "or a time like \"2025-06-14T12:00:00Z\"",
                                               *text)};
        }
    }

  private:
    std::map<std::string, std::string, std::less<>> values_;
};

std::int64_t story_id(std::string_view text) {
    std::int64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
    if (ec != std::errc() || end != text.data() + text.size() || id <= 0)
        throw bad_request{
            400, fmt::format("\"{}\" is not a story id; expected a positive number", text)};
    return id;
}

topic_view find_topic(web_store& store, const std::string& name) {
    for (auto& t : store.topics())
        if (t.name == name) return t;
    throw bad_request{404, fmt::format("no topic \"{}\"", name)};
}

std::vector<story_view> timeline_of(web_store& store, const std::string& name,
                                    std::optional<web_time> since, int limit) {
    auto stories = store.timeline(name, since, limit);
    if (!stories) throw bad_request{404, fmt::format("no topic \"{}\"", name)};
    return std::move(*stories);
}

// Text we send compresses well; anything else (none today) would go as it is.
bool compressible(std::string_view content_type) {
    return content_type.starts_with("text/") || content_type.starts_with("application/json") ||
           content_type.starts_with("application/atom+xml") ||
           content_type.starts_with("application/feed+json");
}

bool takes_gzip(const http_request& request) {
    const auto accept = request.header("accept-encoding");
    return accept && accepts_gzip(*accept);
}

// 304 when the client's validators match; else adds them to the reply. The gzip and the
// plain body are two representations, so each has its own entity tag (RFC 9110 §8.8.3).
void conditional(const http_request& request, http_reply& reply,
                 std::optional<web_time> last_modified) {
    const bool gzipped = compressible(reply.content_type) && takes_gzip(request);
    const auto etag = fmt::format("\"{:016x}{}\"", fnv1a(reply.body), gzipped ? "-gzip" : "");
    reply.headers.emplace_back("ETag", etag);
    if (last_modified)
        reply.headers.emplace_back("Last-Modified", feeds::format_http_date(*last_modified));
    bool fresh = false;
    if (const auto inm = request.header("if-none-match")) {
        // A list of tags; weak ones match too (RFC 9110 §13.1.2 weak comparison).
        for (auto part : std::views::split(std::string_view(*inm), ',')) {
            auto tag = feeds::trim(std::string_view(part.begin(), part.end()));
            if (tag.starts_with("W/")) tag.remove_prefix(2);
            if (tag == etag || tag == "*") fresh = true;
        }
    } else if (const auto ims = request.header("if-modified-since"); ims && last_modified) {
        const auto since = feeds::parse_http_date(*ims);
        fresh = since && *last_modified <= *since;
    }
    if (fresh) {
        reply.status = 304;
        reply.body.clear();
    }
}

std::optional<web_time> newest_of(const topic_view& topic, const std::vector<story_view>& stories) {
    auto t = topic.updated;
    for (const auto& s : stories)
        if (!t || s.updated > *t) t = s.updated;
    return t;
}

http_reply route(const http_request& request, web_store& store, const metrics_registry* metrics,
                 web_time now) {
    const auto parsed = urls::parse_origin_form(request.target);
    if (!parsed) throw bad_request{400, "the request target is not a valid path"};
    const auto& url = *parsed;
    std::vector<std::string> segments;
    for (auto s : url.segments())
        segments.push_back(s);
    const auto n = segments.size();
    const auto at = [&](std::size_t i, std::string_view s) { return i < n && segments[i] == s; };

    if (n == 0 || (n == 1 && segments[0].empty())) {
        query_params q(url, {});
        std::vector<topic_stories> shown;
        auto topics = store.topics();
        std::sort(topics.begin(), topics.end(), [](const auto& a, const auto& b) {
            return a.updated.value_or(web_time{}) > b.updated.value_or(web_time{});
        });
        if (topics.size() > 30) topics.resize(30);  // the page stays small with many topics
        for (auto& t : topics) {
            auto latest =
                store.timeline(t.name, std::nullopt, 5).value_or(std::vector<story_view>{});
            shown.push_back({std::move(t), std::move(latest)});
        }
        return html(home_page(shown, store.stories(std::nullopt, 1, 20), now));
    }
    if (n == 1 && segments[0] == "healthz") {
        query_params q(url, {});
        return ok("text/plain; charset=utf-8", "ok\n");
    }
    if (n == 1 && segments[0] == "metrics" && metrics) {
        query_params q(url, {});
        return ok("text/plain; version=0.0.4; charset=utf-8", metrics->render());
    }
    if (at(0, "api")) {
        http_reply r;
        std::optional<web_time> modified;
        if (n == 2 && segments[1] == "feeds") {
            query_params q(url, {});
            r = ok(json_type, feeds_json(store.feeds()));
        } else if (n == 2 && segments[1] == "topics") {
            query_params q(url, {});
            r = ok(json_type, topics_json(store.topics()));
        } else if (n == 4 && segments[1] == "topics" && segments[3] == "timeline") {
            query_params q(url, {"since", "limit"});
            const auto name = topic_name(segments[2]);
            const auto since = q.since(now);
            const auto limit = q.limit();
            r = ok(json_type, stories_json(timeline_of(store, name, since, limit)));
        } else if (n == 2 && segments[1] == "stories") {
            query_params q(url, {"since", "limit", "min_sources"});
            const auto since = q.since(now);
            const auto limit = q.limit();
            const auto min_sources = q.number("min_sources", 1, 1, 1000);
            r = ok(json_type, stories_json(store.stories(since, min_sources, limit)));
        } else if (n == 3 && segments[1] == "stories") {
            query_params q(url, {});
            const auto story = store.story(story_id(segments[2]));
            if (!story) throw bad_request{404, fmt::format("no story {}", segments[2])};
            r = ok(json_type, story_json(*story));
            modified = story->updated;
        } else if (n == 2 && segments[1] == "search") {
            query_params q(url, {"q", "topic", "limit"});
            const auto expr = q.get("q");
            if (!expr || feeds::trim(*expr).empty())
                throw bad_request{400, "q= is missing; expected a search expression, e.g. q=iran"};
            auto topic = q.get("topic");
            if (topic) topic = topic_name(*topic);
            const auto limit = q.limit();
            try {
                const auto answer = store.search(*expr, topic, limit);
                r = ok(json_type, stories_json(answer.stories));
                if (answer.stopped_early) {
                    r.headers.emplace_back(
                        "X-Search-Incomplete",
                        fmt::format("stopped after {} items; older items may match too (add a "
                                    "word to the rule)",
                                    max_search_examined));
                }
            } catch (const search_error& e) {
                throw bad_request{400, fmt::format("q=\"{}\": {}", *expr, e.what())};
            }
        } else {
            throw bad_request{404, fmt::format("no API endpoint {}", url.path())};
        }
        r.headers.emplace_back("Cache-Control", "no-cache");
        conditional(request, r, modified);
        return r;
    }
    if (at(0, "topics") && n == 2) {
        query_params q(url, {});
        const auto& last = segments[1];
        for (const auto& [suffix, atom] : {std::pair{".atom", true}, std::pair{".json", false}}) {
            if (!last.ends_with(suffix)) continue;
            const auto name = topic_name(
                std::string_view(last).substr(0, last.size() - std::string_view(suffix).size()));
            const auto topic = find_topic(store, name);
            const auto stories = timeline_of(store, name, std::nullopt, default_page_limit);
            const auto self = fmt::format("/topics/{}", last);
            auto r =
                atom ? ok("application/atom+xml; charset=utf-8", topic_atom(topic, stories, self))
                     : ok("application/feed+json; charset=utf-8",
                          topic_json_feed(topic, stories, self));
            r.headers.emplace_back("Cache-Control", "no-cache");
            conditional(request, r, newest_of(topic, stories));
            return r;
        }
        const auto name = topic_name(last);
        const auto topic = find_topic(store, name);
        const auto stories = timeline_of(store, name, std::nullopt, default_page_limit);
        return html(topic_page(topic, stories, now));
    }
    throw bad_request{404, fmt::format("no such path {}", url.path())};
}

}  // namespace

std::optional<std::string> http_request::header(std::string_view name) const {
    for (const auto& [k, v] : headers)
        if (feeds::ascii_lower(k) == feeds::ascii_lower(name)) return v;
    return std::nullopt;
}

http_reply error_reply(int status, std::string_view message) {
    http_reply r;
    r.status = status;
    r.content_type = std::string(json_type);
    r.body = error_json(message) + "\n";
    return r;
}

bool authorised(const http_request& request, const std::optional<std::string>& token) {
    if (!token) return true;
    const auto value = request.header("authorization");
    if (!value) return false;
    constexpr std::string_view scheme = "bearer ";
    if (value->size() < scheme.size() ||
        feeds::ascii_lower(std::string_view(*value).substr(0, scheme.size())) != scheme)
        return false;
    const auto given = feeds::trim(std::string_view(*value).substr(scheme.size()));
    // Constant time over the expected token's length: timing reveals no prefix.
    unsigned char diff = given.size() == token->size() ? 0 : 1;
    for (std::size_t i = 0; i < token->size(); ++i) {
        const char g = i < given.size() ? given[i] : '\0';
        diff = static_cast<unsigned char>(diff | (g ^ (*token)[i]));
    }
    return diff == 0;
}

// gzip when the client takes it; Vary on every reply whose body could have been either.
void encode(const http_request& request, http_reply& reply) {
    if ((reply.status != 200 && reply.status != 304) || !compressible(reply.content_type)) return;
    reply.headers.emplace_back("Vary", "Accept-Encoding");
    if (reply.body.empty() || !takes_gzip(request)) return;
    reply.body = gzip(reply.body);
    reply.headers.emplace_back("Content-Encoding", "gzip");
}

http_reply handle_request(const http_request& request, web_store& store,
                          const metrics_registry* metrics, web_time now) {
    if (request.method != "GET" && request.method != "HEAD") {
        auto r = error_reply(
            405, fmt::format("method {} is not allowed; use GET or HEAD", request.method));
        r.headers.emplace_back("Allow", "GET, HEAD");
        return r;
    }
    try {
        auto reply = route(request, store, metrics, now);
        encode(request, reply);
        return reply;
    } catch (const bad_request& e) {
        return error_reply(e.status, e.message);
    } catch (const std::exception& e) {
        // A store failure (a locked or broken database) ends this request, not the server.
        spdlog::error("http target={} failed: {}", request.target, e.what());
        return error_reply(500, "internal error reading the store; see the daemon's log");
    }
}

}  // namespace feedd::daemon
