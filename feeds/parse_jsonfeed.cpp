// JSON Feed 1.0/1.1 extraction (Boost.JSON).
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

#include <boost/json.hpp>

#include "feeds/dates.hpp"
#include "feeds/parse_formats.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {
namespace json = boost::json;

namespace {

std::optional<std::string> string_field(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (const auto* s = value->if_string()) {
        return std::string(*s);
    }
    return std::nullopt;
}

// Ids should be strings, but some feeds use numbers; keep their text.
std::optional<std::string> id_field(const json::object& object) {
    const auto* value = object.if_contains("id");
    if (value != nullptr && (value->is_int64() || value->is_uint64())) {
        return json::serialize(*value);
    }
    return string_field(object, "id");
}

std::optional<std::string> url_field(const json::object& object, std::string_view key,
                                     std::string_view base) {
    auto value = string_field(object, key);
    if (!value) {
        return std::nullopt;
    }
    if (trim(*value).empty()) {
        return std::string();
    }
    return resolve_url(base, *value);
}

std::optional<timestamp> date_field(const json::object& object, std::string_view key) {
    if (auto text = string_field(object, key)) {
        return parse_date(*text);
    }
    return std::nullopt;
}

person read_author(const json::object& object, std::string_view base) {
    person p;
    p.name = string_field(object, "name");
    p.url = url_field(object, "url", base);
    return p;
}

std::vector<person> read_authors(const json::object& object, std::string_view base) {
    std::vector<person> out;
    if (const auto* authors = object.if_contains("authors");
        authors != nullptr && authors->is_array()) {
        for (const auto& a : authors->get_array()) {
            if (a.is_object()) {
                out.push_back(read_author(a.get_object(), base));
            }
        }
    } else if (const auto* author = object.if_contains("author");
               author != nullptr && author->is_object()) {
        out.push_back(read_author(author->get_object(), base));
    }
    return out;
}

// A size in bytes: a non-negative whole number within int64 (1e3 counts, 1e300 does not:
// casting a double past the range is undefined and gave INT64_MIN); absent otherwise.
std::optional<std::int64_t> byte_count(const json::value& value) {
    // to_number fails on anything it cannot convert exactly: fractions, values past int64,
    // strings.
    boost::system::error_code ec;
    const auto n = value.to_number<std::int64_t>(ec);
    if (ec || n < 0) return std::nullopt;
    return n;
}

item read_item(const json::object& object, std::string_view base) {
    item it;
    if (auto id = id_field(object)) {
        it.id = std::string(trim(*id));
    }
    it.title = string_field(object, "title");
    if (it.title) {
        it.title = std::string(trim(*it.title));
    }
    it.link = url_field(object, "url", base);
    if (!it.link) {
        it.link = url_field(object, "external_url", base);
    }
    it.published = date_field(object, "date_published");
    it.updated = date_field(object, "date_modified");
    it.authors = read_authors(object, base);
    if (auto summary = string_field(object, "summary")) {
        it.summary = collapse_whitespace(*summary);
    }
    if (auto html = string_field(object, "content_html")) {
        it.content_html = std::move(html);
    } else if (auto text = string_field(object, "content_text")) {
        it.content_html = escape_html(*text);
    }
    if (const auto* tags = object.if_contains("tags"); tags != nullptr && tags->is_array()) {
        for (const auto& tag : tags->get_array()) {
            if (const auto* s = tag.if_string(); s != nullptr && !trim(*s).empty()) {
                it.categories.emplace_back(trim(*s));
            }
        }
    }
    if (const auto* attachments = object.if_contains("attachments");
        attachments != nullptr && attachments->is_array()) {
        for (const auto& a : attachments->get_array()) {
            if (!a.is_object()) {
                continue;
            }
            const auto& attachment = a.get_object();
            auto url = url_field(attachment, "url", base);
            if (!url || url->empty()) {
                continue;
            }
            enclosure e;
            e.url = std::move(*url);
            e.type = string_field(attachment, "mime_type");
            if (const auto* size = attachment.if_contains("size_in_bytes")) {
                e.length = byte_count(*size);
            }
            it.enclosures.push_back(std::move(e));
        }
    }
    return it;
}

// The four hex digits of a \u escape.
std::optional<unsigned> hex4(std::string_view s) {
    unsigned v = 0;
    if (s.size() < 4) return std::nullopt;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + 4, v, 16);
    if (ec != std::errc{} || end != s.data() + 4) return std::nullopt;
    return v;
}

// Boost.JSON (1.81) fails a whole document on a \u escape of a surrogate without its pair
// (a syntax error when text follows a leading one), and one such title would cost every item
// of the feed. A UTF-16 decoder reads a lone surrogate as U+FFFD (as the UTF-16 charset path
// does), so the escape is rewritten to \uFFFD inside strings; everything else is copied as it
// is. nullopt: there was none, so the document's error is another.
std::optional<std::string> replace_lone_surrogate_escapes(std::string_view json_text) {
    bool replaced = false;
    std::string out;
    out.reserve(json_text.size());
    bool in_string = false;
    for (std::size_t i = 0; i < json_text.size();) {
        const char c = json_text[i];
        if (c == '"') in_string = !in_string;
        if (!in_string || c != '\\' || i + 1 >= json_text.size()) {
            out += c;
            ++i;
            continue;
        }
        const auto code = json_text[i + 1] == 'u' ? hex4(json_text.substr(i + 2)) : std::nullopt;
        if (!code || *code < 0xD800 || *code > 0xDFFF) {
            out.append(json_text.substr(i, 2));  // any other escape, \" and \\ included
            i += 2;
            continue;
        }
        const auto next = json_text.substr(i + 6);
        const auto low =
            next.size() >= 6 && next.substr(0, 2) == "\\u" ? hex4(next.substr(2)) : std::nullopt;
        if (*code <= 0xDBFF && low && *low >= 0xDC00 && *low <= 0xDFFF) {
            out.append(json_text.substr(i, 12));  // a proper pair
            i += 12;
        } else {
            out += "\\uFFFD";
            i += 6;
            replaced = true;
        }
    }
    if (!replaced) return std::nullopt;
    return out;
}

}  // namespace

parse_result extract_json_feed(std::string_view utf8, std::string_view url,
                               const parse_limits& limits) {
    json::parse_options options;
    options.max_depth = limits.max_depth;
    options.allow_invalid_utf8 = true;
    options.allow_trailing_commas = true;
    boost::system::error_code ec;
    json::stream_parser parser({}, options);
    std::size_t used = parser.write(utf8.data(), utf8.size(), ec);
    if (!ec) {
        parser.finish(ec);
    }
    std::optional<std::string> repaired;
    if (ec && (repaired = replace_lone_surrogate_escapes(utf8))) {
        utf8 = *repaired;
        ec.clear();
        parser.reset();
        used = parser.write(utf8.data(), utf8.size(), ec);
        if (!ec) {
            parser.finish(ec);
        }
    }
    if (ec) {
        const auto before = utf8.substr(0, std::min(used, utf8.size()));
        const auto line = 1 + std::count(before.begin(), before.end(), '\n');
        const auto last_newline = before.rfind('\n');
        const auto column =
            before.size() - (last_newline == std::string_view::npos ? 0 : last_newline + 1) + 1;
        return {std::nullopt, "line " + std::to_string(line) + ", column " +
                                  std::to_string(column) + ": JSON: " + ec.message()};
    }
    json::value doc = parser.release();
    if (!doc.is_object()) {
        return {std::nullopt, "not a feed: the JSON document is not an object"};
    }
    const auto& object = doc.get_object();
    const auto version_url = string_field(object, "version");
    const auto* items_value = object.if_contains("items");
    if (!version_url && (items_value == nullptr || !items_value->is_array())) {
        return {std::nullopt, "not a feed: JSON without a version or items"};
    }
    feed f;
    f.format = feed_format::json;
    // "https://jsonfeed.org/version/1.1", or a bare "1.1" in sloppy feeds.
    if (version_url) {
        std::string number = version_url->substr(version_url->rfind('/') + 1);
        f.version = number.find('.') == std::string::npos ? number + ".0" : number;
    }
    f.title = string_field(object, "title");
    if (f.title) {
        f.title = std::string(trim(*f.title));
    }
    f.link = url_field(object, "home_page_url", url);
    f.feed_url = url_field(object, "feed_url", url);
    f.description = string_field(object, "description");
    if (f.description) {
        f.description = collapse_whitespace(*f.description);
    }
    f.language = string_field(object, "language");
    f.image = url_field(object, "icon", url);
    if (const auto* items = object.if_contains("items"); items != nullptr && items->is_array()) {
        for (const auto& value : items->get_array()) {
            if (f.items.size() >= limits.max_items) {
                return {std::nullopt, "items[" + std::to_string(f.items.size()) + "]: more than " +
                                          std::to_string(limits.max_items) + " items"};
            }
            if (value.is_object()) {
                f.items.push_back(read_item(value.get_object(), url));
            }
        }
    }
    // JSON Feed has no feed-level date: the newest item date stands in for it.
    for (const auto& it : f.items) {
        for (const auto& d : {it.updated, it.published}) {
            if (d && (!f.updated || *d > *f.updated)) {
                f.updated = d;
            }
        }
    }
    return {std::move(f), {}};
}

}  // namespace feedd::feeds
