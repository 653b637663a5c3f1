#include "feeds/parse_json.hpp"

#include <boost/json.hpp>

namespace feedd::feeds {
namespace json = boost::json;

namespace {

json::value optional_string(const std::optional<std::string>& value) {
    return value ? json::value(*value) : json::value(nullptr);
}

json::value optional_date(const std::optional<timestamp>& value) {
    return value ? json::value(format_rfc3339(*value)) : json::value(nullptr);
}

json::object item_object(const item& it) {
    json::array authors;
    for (const auto& p : it.authors) {
        authors.push_back(json::object{{"name", optional_string(p.name)},
                                       {"email", optional_string(p.email)},
                                       {"url", optional_string(p.url)}});
    }
    json::array categories;
    for (const auto& c : it.categories) {
        categories.emplace_back(c);
    }
    json::array enclosures;
    for (const auto& e : it.enclosures) {
        enclosures.push_back(
            json::object{{"url", e.url},
                         {"type", optional_string(e.type)},
                         {"length", e.length ? json::value(*e.length) : json::value(nullptr)}});
    }
    return json::object{{"id", optional_string(it.id)},
                        {"title", optional_string(it.title)},
                        {"link", optional_string(it.link)},
                        {"published", optional_date(it.published)},
                        {"updated", optional_date(it.updated)},
                        {"authors", std::move(authors)},
                        {"summary", optional_string(it.summary)},
                        {"content_html", optional_string(it.content_html)},
                        {"categories", std::move(categories)},
                        {"enclosures", std::move(enclosures)}};
}

}  // namespace

std::string to_json(const feed& f) {
    json::array items;
    for (const auto& it : f.items) {
        items.push_back(item_object(it));
    }
    const json::object out{
        {"format", to_string(f.format)},           {"version", optional_string(f.version)},
        {"title", optional_string(f.title)},       {"link", optional_string(f.link)},
        {"feed_url", optional_string(f.feed_url)}, {"description", optional_string(f.description)},
        {"language", optional_string(f.language)}, {"updated", optional_date(f.updated)},
        {"image", optional_string(f.image)},       {"items", std::move(items)}};
    return json::serialize(out);
}

}  // namespace feedd::feeds
