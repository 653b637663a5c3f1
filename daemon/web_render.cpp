#include "daemon/web_render.hpp"

#include <algorithm>

#include <boost/json.hpp>
#include <fmt/chrono.h>
#include <fmt/format.h>

#include "feeds/model.hpp"
#include "feeds/text.hpp"
#include "daemon/story_json.hpp"
#include "feeds/urls.hpp"

namespace feedd::daemon {

namespace json = boost::json;
using feeds::escape_html;

namespace {

json::value optional_text(const std::optional<std::string>& text) {
    return text ? json::value(*text) : json::value(nullptr);
}

json::value optional_time(const std::optional<web_time>& t) {
    return t ? json::value(feeds::format_rfc3339(*t)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& values) {
    json::array out;
    for (const auto& v : values)
        out.emplace_back(v);
    return out;
}

json::object story_object(const story_view& s) {
    json::object o;
    o["id"] = s.id;
    o["title"] = s.title;
    o["link"] = optional_text(s.link);
    o["summary"] = optional_text(s.summary);
    o["first_seen"] = feeds::format_rfc3339(s.first_seen);
    o["updated"] = feeds::format_rfc3339(s.updated);
    o["sources"] = strings(s.sources);
    json::array items;
    for (const auto& it : s.items) {
        json::object i;
        i["feed"] = it.feed;
        i["source"] = it.source;
        i["title"] = optional_text(it.title);
        i["link"] = optional_text(it.link);
        i["published"] = optional_time(it.published);
        i["first_seen"] = feeds::format_rfc3339(it.first_seen);
        items.push_back(std::move(i));
    }
    o["items"] = std::move(items);
    return o;
}

// A link from a feed is only ever an href when it is http(s): a javascript: link
// in a <link> element must not become clickable.
std::optional<std::string> safe_link(const std::optional<std::string>& link) {
    if (link && feeds::is_http_url(*link)) return link;
    return std::nullopt;
}

// Pages stay light when a wire story has hundreds of outlets: a card names a few and
// lists a few copies; the story's JSON (/api/stories/ID) has them all.
constexpr std::size_t shown_sources = 6;
constexpr std::size_t shown_items = 8;

std::string sources_sentence(const std::vector<std::string>& sources) {
    std::string out;
    const auto shown = std::min(sources.size(), shown_sources);
    for (std::size_t i = 0; i < shown; ++i) {
        if (i > 0) out += i + 1 == sources.size() ? " and " : ", ";
        out += sources[i];
    }
    if (shown < sources.size()) out += fmt::format(" and {} more", sources.size() - shown);
    return out;
}

// The HTML an Atom/JSON Feed entry carries: which outlets reported the story.
std::string entry_content(const story_view& s) {
    std::string out;
    if (s.summary) out += "<p>" + escape_html(*s.summary) + "</p>";
    out += fmt::format("<p>Reported by {} source{}:</p><ul>", s.sources.size(),
                       s.sources.size() == 1 ? "" : "s");
    for (const auto& it : s.items) {
        out += "<li>";
        const auto link = safe_link(it.link);
        if (link) out += fmt::format("<a href=\"{}\">", escape_html(*link));
        out += escape_html(it.source);
        if (link) out += "</a>";
        if (it.title) out += ": " + escape_html(*it.title);
        out +=
            fmt::format(" ({})</li>", feeds::format_rfc3339(it.published.value_or(it.first_seen)));
    }
    return out + "</ul>";
}

std::string entry_id(std::int64_t story_id) {
    return fmt::format("tag:feedd.invalid,2025:story/{}", story_id);
}

web_time newest(const topic_view& topic, const std::vector<story_view>& stories) {
    web_time t = topic.updated.value_or(web_time{});
    for (const auto& s : stories)
        t = std::max(t, s.updated);
    return t;
}

std::string relative_time(web_time t, web_time now) {
    const auto age = now - t;
    if (age < std::chrono::minutes(1)) return "just now";
    if (age < std::chrono::hours(1))
        return fmt::format("{} min ago",
                           std::chrono::duration_cast<std::chrono::minutes>(age).count());
    if (age < std::chrono::hours(24))
        return fmt::format("{} h ago", std::chrono::duration_cast<std::chrono::hours>(age).count());
    if (age < std::chrono::days(7))
        return fmt::format("{} d ago", std::chrono::duration_cast<std::chrono::days>(age).count());
    return fmt::format("{:%d %b %Y}", t);
}

std::string time_tag(web_time t, web_time now) {
    return fmt::format("<time datetime=\"{}\" title=\"{:%Y-%m-%d %H:%M} UTC\">{}</time>",
                       feeds::format_rfc3339(t), t, relative_time(t, now));
}

constexpr std::string_view page_css = R"(
:root{color-scheme:light dark;--fg:#1d2430;--muted:#5c6675;--line:#e3e7ee;--bg:#f6f7f9;--card:#fff;--accent:#0b5cad}
@media (prefers-color-scheme:dark){:root{--fg:#e6e9ef;--muted:#9aa4b2;--line:#2c333d;--bg:#14171c;--card:#1c2027;--accent:#7fb4ff}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header.top{background:var(--card);border-bottom:1px solid var(--line)}
header.top div,main{max-width:50rem;margin:0 auto;padding:0 1rem}
header.top div{display:flex;align-items:baseline;gap:1rem;padding:.8rem 1rem}
header.top a.brand{font-weight:700;font-size:1.15rem;color:var(--fg);text-decoration:none}
header.top span{color:var(--muted);font-size:.9rem}
a{color:var(--accent);text-decoration:none}a:hover{text-decoration:underline}
h1{font-size:1.6rem;margin:1.4rem 0 .2rem}
h2{font-size:1.25rem;margin:1.8rem 0 .6rem;display:flex;align-items:baseline;gap:.6rem;flex-wrap:wrap}
h2 small,.meta,.feeds{color:var(--muted);font-size:.85rem;font-weight:400}
.story{background:var(--card);border:1px solid var(--line);border-radius:10px;padding:.8rem 1rem;margin:.6rem 0}
.story h3{font-size:1.05rem;margin:0 0 .25rem;line-height:1.35}
.story .meta{margin:0}
.badge{display:inline-block;background:var(--accent);color:var(--card);border-radius:999px;padding:0 .5rem;font-size:.75rem;font-weight:600;margin-right:.3rem}
.sources{list-style:none;margin:.5rem 0 0;padding:0;border-top:1px solid var(--line)}
.sources li{padding:.3rem 0;border-bottom:1px dashed var(--line);font-size:.9rem}
.sources li:last-child{border-bottom:0}
.sources .src{font-weight:600;margin-right:.4rem}
.sources time{color:var(--muted);font-size:.8rem;margin-left:.4rem;white-space:nowrap}
.summary{font-size:.92rem;margin:.4rem 0 0;overflow-wrap:anywhere}
.summary img{max-width:100%;height:auto}
.empty{color:var(--muted);padding:1rem 0}
footer{color:var(--muted);font-size:.8rem;text-align:center;padding:2rem 1rem}
)";

std::string page(std::string_view title, std::string_view head_extra, std::string_view body) {
    return fmt::format(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
        "<title>{}</title>{}<style>{}</style></head><body>"
        "<header class=\"top\"><div><a class=\"brand\" href=\"/\">feedd</a>"
        "<span>topics, folded into stories</span></div></header>"
        "<main>{}</main><footer>Served by feedd · <a href=\"/api/topics\">API</a></footer>"
        "</body></html>\n",
        escape_html(title), head_extra, page_css, body);
}

// A card: title, outlets, the teaser, and the copies with their times and links. A topic's
// own page lists the copies even of a one-outlet story (all_copies).
void append_story_card(std::string& out, const story_view& s, web_time now, bool all_copies) {
    out += fmt::format("<article class=\"story\" id=\"story-{}\"><h3>", s.id);
    const auto link = safe_link(s.link);
    if (link) out += fmt::format("<a href=\"{}\" rel=\"noopener noreferrer\">", escape_html(*link));
    out += escape_html(s.title.empty() ? std::string("(untitled)") : s.title);
    if (link) out += "</a>";
    out += "</h3><p class=\"meta\">";
    out += fmt::format("<span class=\"badge\">{} source{}</span>", s.sources.size(),
                       s.sources.size() == 1 ? "" : "s");
    out += escape_html(sources_sentence(s.sources));
    out += " · first seen " + time_tag(s.first_seen, now) + "</p>";
    // Plain text, escaped: no feed markup reaches the page.
    if (s.summary) out += "<p class=\"summary\">" + escape_html(*s.summary) + "</p>";
    if (s.items.size() > 1 || all_copies) {
        out += "<ul class=\"sources\">";
        for (std::size_t i = 0; i < std::min(s.items.size(), shown_items); ++i) {
            const auto& it = s.items[i];
            out += "<li><span class=\"src\">" + escape_html(it.source) + "</span>";
            const auto item_link = safe_link(it.link);
            const auto title = it.title.value_or(item_link.value_or("(untitled)"));
            if (item_link) {
                out += fmt::format("<a href=\"{}\" rel=\"noopener noreferrer\">{}</a>",
                                   escape_html(*item_link), escape_html(title));
            } else {
                out += escape_html(title);
            }
            out += time_tag(it.published.value_or(it.first_seen), now) + "</li>";
        }
        if (s.items.size() > shown_items) {
            out += fmt::format(
                "<li class=\"more\"><a href=\"/api/stories/{}\">{} more "
                "cop{}</a></li>",
                s.id, s.items.size() - shown_items,
                s.items.size() - shown_items == 1 ? "y" : "ies");
        }
        out += "</ul>";
    }
    out += "</article>";
}

}  // namespace

std::string error_json(std::string_view message) {
    json::object o;
    o["error"] = message;
    return json::serialize(o);
}

std::string feeds_json(const std::vector<storage::feed_row>& feeds) {
    json::array out;
    for (const auto& f : feeds)
        out.push_back(feed_to_json(f));
    return json::serialize(out);
}

std::string topics_json(const std::vector<topic_view>& topics) {
    json::array out;
    for (const auto& t : topics) {
        json::object o;
        o["name"] = t.name;
        o["stories"] = t.stories;
        o["updated"] = optional_time(t.updated);
        o["timeline"] = fmt::format("/api/topics/{}/timeline", t.name);
        o["atom"] = fmt::format("/topics/{}.atom", t.name);
        o["json_feed"] = fmt::format("/topics/{}.json", t.name);
        out.push_back(std::move(o));
    }
    return json::serialize(out);
}

std::string stories_json(const std::vector<story_view>& stories) {
    json::array out;
    for (const auto& s : stories)
        out.push_back(story_object(s));
    return json::serialize(out);
}

std::string story_json(const story_view& story) {
    return json::serialize(story_object(story));
}

std::string topic_atom(const topic_view& topic, const std::vector<story_view>& stories,
                       std::string_view self_path) {
    std::string out =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
    out += fmt::format("<id>tag:feedd.invalid,2025:topic/{}</id>\n", escape_html(topic.name));
    out += fmt::format("<title>{} · feedd</title>\n", escape_html(topic.name));
    out += fmt::format("<updated>{}</updated>\n", feeds::format_rfc3339(newest(topic, stories)));
    out += fmt::format("<link rel=\"self\" type=\"application/atom+xml\" href=\"{}\"/>\n",
                       escape_html(self_path));
    out += fmt::format("<link rel=\"alternate\" type=\"text/html\" href=\"/topics/{}\"/>\n",
                       escape_html(topic.name));
    out += "<author><name>feedd</name></author>\n<generator>feedd</generator>\n";
    for (const auto& s : stories) {
        out += "<entry>\n";
        out += fmt::format("<id>{}</id>\n", entry_id(s.id));
        out += fmt::format("<title>{}</title>\n",
                           escape_html(s.title.empty() ? std::string("(untitled)") : s.title));
        if (const auto link = safe_link(s.link))
            out += fmt::format("<link rel=\"alternate\" href=\"{}\"/>\n", escape_html(*link));
        out += fmt::format("<published>{}</published>\n<updated>{}</updated>\n",
                           feeds::format_rfc3339(s.first_seen), feeds::format_rfc3339(s.updated));
        if (s.summary) out += fmt::format("<summary>{}</summary>\n", escape_html(*s.summary));
        for (const auto& source : s.sources)
            out += fmt::format("<category term=\"{}\" label=\"source\"/>\n", escape_html(source));
        out += fmt::format("<content type=\"html\">{}</content>\n", escape_html(entry_content(s)));
        out += "</entry>\n";
    }
    return out + "</feed>\n";
}

std::string topic_json_feed(const topic_view& topic, const std::vector<story_view>& stories,
                            std::string_view self_path) {
    json::object feed;
    feed["version"] = "https://jsonfeed.org/version/1.1";
    feed["title"] = topic.name + " · feedd";
    feed["home_page_url"] = "/topics/" + topic.name;
    feed["feed_url"] = self_path;
    feed["authors"] = json::array{json::object{{"name", "feedd"}}};
    json::array items;
    for (const auto& s : stories) {
        json::object i;
        i["id"] = entry_id(s.id);
        if (const auto link = safe_link(s.link)) i["url"] = *link;
        i["title"] = s.title.empty() ? std::string("(untitled)") : s.title;
        i["content_html"] = entry_content(s);
        if (s.summary) i["summary"] = *s.summary;
        i["date_published"] = feeds::format_rfc3339(s.first_seen);
        i["date_modified"] = feeds::format_rfc3339(s.updated);
        i["tags"] = strings(s.sources);
        items.push_back(std::move(i));
    }
    feed["items"] = std::move(items);
    return json::serialize(feed);
}

std::string home_page(const std::vector<topic_stories>& topics,
                      const std::vector<story_view>& latest, web_time now) {
    std::string body = "<h1>Topics</h1>";
    if (topics.empty()) {
        body +=
            "<p class=\"empty\">No topics yet. Add <code>[[topic]]</code> tables to the "
            "configuration and reload feedd.</p>";
    }
    for (const auto& t : topics) {
        const auto name = escape_html(t.topic.name);
        body += fmt::format(
            "<section class=\"topic\"><h2><a href=\"/topics/{0}\">{0}</a><small>{1} "
            "stor{2}{3}</small><small class=\"feeds\"><a href=\"/topics/{0}.atom\">Atom</a> · "
            "<a href=\"/topics/{0}.json\">JSON Feed</a></small></h2>",
            name, t.topic.stories, t.topic.stories == 1 ? "y" : "ies",
            t.topic.updated ? " · updated " + time_tag(*t.topic.updated, now) : std::string());
        if (t.latest.empty()) body += "<p class=\"empty\">Nothing yet.</p>";
        for (const auto& s : t.latest)
            append_story_card(body, s, now, false);
        body += "</section>";
    }
    if (!latest.empty()) {
        body += "<section class=\"latest\"><h2>Latest stories</h2>";
        for (const auto& s : latest)
            append_story_card(body, s, now, false);
        body += "</section>";
    }
    return page("feedd", "", body);
}

std::string topic_page(const topic_view& topic, const std::vector<story_view>& stories,
                       web_time now) {
    const auto name = escape_html(topic.name);
    const auto head = fmt::format(
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"{0}\" "
        "href=\"/topics/{0}.atom\"><link rel=\"alternate\" type=\"application/feed+json\" "
        "title=\"{0}\" href=\"/topics/{0}.json\">",
        name);
    std::string body = fmt::format(
        "<h1>{0}</h1><p class=\"meta\">{1} stor{2} · <a href=\"/topics/{0}.atom\">Atom</a> · "
        "<a href=\"/topics/{0}.json\">JSON Feed</a> · <a "
        "href=\"/api/topics/{0}/timeline\">JSON</a></p>",
        name, topic.stories, topic.stories == 1 ? "y" : "ies");
    if (stories.empty()) body += "<p class=\"empty\">No stories in this topic yet.</p>";
    for (const auto& s : stories)
        append_story_card(body, s, now, true);
    return page(topic.name + " · feedd", head, body);
}

}  // namespace feedd::daemon
