#include "feeds/discover.hpp"

#include <algorithm>
#include <utility>

#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {
namespace {

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

struct html_tag {
    std::string name;  // lower-cased
    bool closing = false;
    std::vector<std::pair<std::string, std::string>> attributes;  // lower-cased name, decoded value

    std::optional<std::string> attribute(std::string_view wanted) const {
        // HTML: the first of duplicate attributes wins.
        for (const auto& [key, value] : attributes) {
            if (key == wanted) {
                return value;
            }
        }
        return std::nullopt;
    }
};

// Reads the tag whose '<' is at html[pos] the way HTML's tokenizer does (names up to
// whitespace, '/' or '>'; values quoted with " or ', or unquoted up to whitespace or
// '>'). Returns the position after its '>' (the end of input for an unclosed tag).
std::size_t read_tag(std::string_view html, std::size_t pos, html_tag& tag) {
    const std::size_t n = html.size();
    std::size_t i = pos + 1;
    if (i < n && html[i] == '/') {
        tag.closing = true;
        ++i;
    }
    const std::size_t name_start = i;
    while (i < n && !is_space(html[i]) && html[i] != '/' && html[i] != '>') {
        ++i;
    }
    tag.name = ascii_lower(html.substr(name_start, i - name_start));
    while (i < n) {
        while (i < n && (is_space(html[i]) || html[i] == '/')) {
            ++i;
        }
        if (i >= n) {
            break;
        }
        if (html[i] == '>') {
            return i + 1;
        }
        // An attribute name may start with '=' (HTML treats it as part of the name).
        const std::size_t key_start = i;
        ++i;
        while (i < n && !is_space(html[i]) && html[i] != '/' && html[i] != '>' && html[i] != '=') {
            ++i;
        }
        std::string key = ascii_lower(html.substr(key_start, i - key_start));
        std::size_t j = i;
        while (j < n && is_space(html[j])) {
            ++j;
        }
        std::string value;
        if (j < n && html[j] == '=') {
            ++j;
            while (j < n && is_space(html[j])) {
                ++j;
            }
            if (j < n && (html[j] == '"' || html[j] == '\'')) {
                const char quote = html[j];
                const auto close = html.find(quote, j + 1);
                const std::size_t stop = close == std::string_view::npos ? n : close;
                value = decode_entities(html.substr(j + 1, stop - j - 1));
                i = stop == n ? n : stop + 1;
            } else {
                const std::size_t value_start = j;
                while (j < n && !is_space(html[j]) && html[j] != '>') {
                    ++j;
                }
                value = decode_entities(html.substr(value_start, j - value_start));
                i = j;
            }
        }
        tag.attributes.emplace_back(std::move(key), std::move(value));
    }
    return n;
}

// Position of "</name" (any case) at or after pos, or the end of input.
std::size_t find_end_tag(std::string_view html, std::size_t pos, std::string_view name) {
    const std::string closing = "</" + std::string(name);
    for (auto lt = html.find("</", pos); lt != std::string_view::npos;
         lt = html.find("</", lt + 2)) {
        if (ascii_lower(html.substr(lt, closing.size())) == closing) {
            const std::size_t after = lt + closing.size();
            if (after >= html.size() || is_space(html[after]) || html[after] == '>' ||
                html[after] == '/') {
                return lt;
            }
        }
    }
    return html.size();
}

bool has_token(std::string_view list, std::string_view wanted) {
    std::size_t i = 0;
    while (i < list.size()) {
        while (i < list.size() && is_space(list[i])) {
            ++i;
        }
        const std::size_t start = i;
        while (i < list.size() && !is_space(list[i])) {
            ++i;
        }
        if (i > start && ascii_lower(list.substr(start, i - start)) == wanted) {
            return true;
        }
    }
    return false;
}

}  // namespace

std::string html_meta_charset(std::string_view html) {
    // HTML's prescan looks at the first 1024 bytes; pages that put the tag later exist.
    html = html.substr(0, 4096);
    for (auto pos = html.find('<'); pos != std::string_view::npos; pos = html.find('<', pos)) {
        if (html.substr(pos, 4) == "<!--") {
            const auto end = html.find("-->", pos + 4);
            pos = end == std::string_view::npos ? html.size() : end + 3;
            continue;
        }
        if (pos + 1 >= html.size() || !is_alpha(html[pos + 1])) {
            ++pos;
            continue;
        }
        html_tag tag;
        pos = read_tag(html, pos, tag);
        if (tag.name != "meta") {
            continue;
        }
        if (auto charset = tag.attribute("charset")) {
            return ascii_lower(trim(*charset));
        }
        const auto equiv = tag.attribute("http-equiv");
        const auto content = tag.attribute("content");
        if (equiv && content && ascii_lower(trim(*equiv)) == "content-type") {
            const std::string lowered = ascii_lower(*content);
            if (const auto at = lowered.find("charset="); at != std::string::npos) {
                std::string value = lowered.substr(at + 8);
                value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
                value.erase(std::remove(value.begin(), value.end(), '\''), value.end());
                return std::string(trim(value.substr(0, value.find(';'))));
            }
        }
    }
    return {};
}

bool is_feed_type(std::string_view type) {
    std::string media = ascii_lower(trim(type.substr(0, type.find(';'))));
    media.erase(std::remove_if(media.begin(), media.end(), is_space), media.end());
    return media.ends_with("/rss+xml") || media.ends_with("/atom+xml") ||
           media.ends_with(".atom+xml") || media.ends_with("-atom+xml") ||
           media.ends_with(".rss+xml") || media.ends_with("-rss+xml") ||
           media == "application/rdf+xml" || media == "application/feed+json" ||
           media == "application/json";
}

std::vector<discovered_feed> discover_feeds(std::string_view html, std::string_view page_url) {
    std::vector<discovered_feed> found;
    std::optional<std::string> base;
    std::size_t pos = 0;
    const std::size_t n = html.size();
    while ((pos = html.find('<', pos)) != std::string_view::npos) {
        if (html.substr(pos, 4) == "<!--") {
            const auto end = html.find("-->", pos + 4);
            pos = end == std::string_view::npos ? n : end + 3;
            continue;
        }
        if (pos + 1 < n && (html[pos + 1] == '!' || html[pos + 1] == '?')) {
            const auto end = html.find('>', pos + 2);
            pos = end == std::string_view::npos ? n : end + 1;
            continue;
        }
        const bool starts_tag =
            pos + 1 < n && (is_alpha(html[pos + 1]) ||
                            (html[pos + 1] == '/' && pos + 2 < n && is_alpha(html[pos + 2])));
        if (!starts_tag) {
            ++pos;  // "a < b" in text
            continue;
        }
        html_tag tag;
        pos = read_tag(html, pos, tag);
        if (tag.closing) {
            continue;
        }
        // Raw text: a "<link" inside a script or a title is not a link.
        if (tag.name == "script" || tag.name == "style" || tag.name == "textarea" ||
            tag.name == "title" || tag.name == "xmp" || tag.name == "iframe" ||
            tag.name == "noembed" || tag.name == "noframes" || tag.name == "plaintext") {
            pos = tag.name == "plaintext" ? n : find_end_tag(html, pos, tag.name);
            continue;
        }
        if (tag.name == "base" && !base) {
            // Only the first <base href> counts, and it applies to the whole document.
            if (auto href = tag.attribute("href")) {
                base = resolve_url(page_url, *href);
            }
            continue;
        }
        if (tag.name != "link") {
            continue;
        }
        const auto href = tag.attribute("href");
        if (!href || trim(*href).empty()) {
            continue;
        }
        const std::string rel = tag.attribute("rel").value_or("");
        const auto type = tag.attribute("type");
        const bool feed_type = type && is_feed_type(*type);
        const bool wanted = (has_token(rel, "alternate") && feed_type) ||
                            (has_token(rel, "feed") && (!type || feed_type));
        if (!wanted) {
            continue;
        }
        discovered_feed feed;
        feed.url = std::string(trim(*href));
        if (type) {
            feed.type = ascii_lower(trim(*type));
        }
        if (auto title = tag.attribute("title")) {
            feed.title = collapse_whitespace(*title);
        }
        found.push_back(std::move(feed));
    }
    const std::string base_url = base.value_or(std::string(page_url));
    std::vector<discovered_feed> unique;
    for (auto& feed : found) {
        feed.url = resolve_url(base_url, feed.url);
        const bool seen = std::any_of(unique.begin(), unique.end(),
                                      [&](const discovered_feed& f) { return f.url == feed.url; });
        if (!seen) {
            unique.push_back(std::move(feed));
        }
    }
    return unique;
}

}  // namespace feedd::feeds
