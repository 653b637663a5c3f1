// RSS 0.9x/2.0 and RSS 1.0/RDF extraction.
#include <charconv>
#include <chrono>
#include <string>
#include <system_error>

#include "feeds/parse_common.hpp"
#include "feeds/parse_formats.hpp"
#include "feeds/parse_xml.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {
namespace {

using xml::child;
using xml::children;

std::optional<std::string> first_markup_text(const auto& parent,
                                             std::initializer_list<xml::indexed_name> names) {
    for (const auto name : names) {
        if (auto node = child(parent, name)) {
            return markup_text(node);
        }
    }
    return std::nullopt;
}

std::optional<std::string> plain_child(const auto& parent, xml::indexed_name name) {
    if (auto node = child(parent, name)) {
        return xml::trimmed_text(node);
    }
    return std::nullopt;
}

// atom:link elements inside RSS: rel="self" is the feed URL; alternate a fallback link.
std::optional<std::string> atom_link(const auto& parent, std::string_view rel,
                                     std::string_view url) {
    for (auto link : children(parent, "atom:link")) {
        const std::string_view link_rel = xml::attribute_view(link, "rel").value_or("alternate");
        const auto href = xml::attribute_view(link, "href");
        if (link_rel == rel && href) {
            return xml::resolve(link, url, *href);
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_length(const std::optional<std::string>& text) {
    if (!text) {
        return std::nullopt;
    }
    const auto value = trim(*text);
    if (value.empty() || value.size() > 18) {
        return std::nullopt;
    }
    std::int64_t n = 0;
    for (const char c : value) {
        if (c < '0' || c > '9') {
            return std::nullopt;
        }
        n = n * 10 + (c - '0');
    }
    return n;
}

void add_enclosure(item& it, pugi::xml_node node, std::string_view url,
                   const char* length_attribute) {
    const auto href = xml::attribute_view(node, "url");
    if (!href || trim(*href).empty()) {
        return;
    }
    enclosure e;
    e.url = xml::resolve(node, url, *href);
    e.type = xml::attribute(node, "type");
    e.length = parse_length(xml::attribute(node, length_attribute));
    it.enclosures.push_back(std::move(e));
}

person atom_person(pugi::xml_node node) {
    person p;
    if (auto name = child(node, "atom:name")) {
        p.name = collapse_whitespace(xml::text(name));
    }
    if (auto email = child(node, "atom:email")) {
        p.email = xml::trimmed_text(email);
    }
    if (auto uri = child(node, "atom:uri")) {
        p.url = xml::trimmed_text(uri);
    }
    return p;
}

// The <link>: an explicit href attribute (Atom-style link without the
// namespace) is unambiguous and wins; otherwise the first link's text.
std::optional<std::string> rss_link(const auto& parent, std::string_view url) {
    const auto links = children(parent, "link");
    for (auto link : links) {
        if (auto href = xml::attribute_view(link, "href"); href && !trim(*href).empty()) {
            return xml::resolve(link, url, *href);
        }
    }
    if (links.empty()) {
        return std::nullopt;
    }
    return link_text(links.front(), url);
}

item extract_item(pugi::xml_node node, std::string_view url) {
    item it;
    const xml::child_index node_children(node);
    if (auto guid = child(node_children, "guid")) {
        it.id = xml::trimmed_text(guid);
    } else if (auto about = xml::attribute(node, "rdf:about")) {
        it.id = std::string(trim(*about));
    } else if (auto identifier = child(node_children, "dc:identifier")) {
        it.id = xml::trimmed_text(identifier);
    }
    it.title = first_markup_text(node_children, {"title", "dc:title"});
    it.link = rss_link(node_children, url);
    if (!it.link || it.link->empty()) {
        if (auto guid = child(node_children, "guid")) {
            const std::string_view permalink =
                xml::attribute_view(guid, "isPermaLink").value_or("true");
            const std::string value = xml::trimmed_text(guid);
            if (permalink != "false" && is_http_url(value)) {
                it.link = value;
            }
        }
    }
    if (!it.link) {
        it.link = atom_link(node_children, "alternate", url);
    }
    it.published = date_of(child(node_children, "pubDate"));
    if (!it.published) {
        it.published = date_of(child(node_children, "dcterms:issued"));
    }
    if (!it.published) {
        it.published = date_of(child(node_children, "atom:published"));
    }
    it.updated = date_of(child(node_children, "atom:updated"));
    if (!it.updated) {
        it.updated = date_of(child(node_children, "dcterms:modified"));
    }
    apply_dc_date(it, date_of(child(node_children, "dc:date")));

    std::string scratch;  // text_view's

    for (auto author : children(node_children, "author")) {
        if (auto p = parse_person_text(xml::text_view(author, scratch)); p.name || p.email) {
            it.authors.push_back(std::move(p));
        }
    }
    for (auto creator : children(node_children, "dc:author")) {
        if (auto p = parse_person_text(xml::text_view(creator, scratch)); p.name || p.email) {
            it.authors.push_back(std::move(p));
        }
    }
    for (auto creator : children(node_children, "dc:creator")) {
        if (auto p = parse_person_text(xml::text_view(creator, scratch)); p.name || p.email) {
            it.authors.push_back(std::move(p));
        }
    }
    for (auto author : children(node_children, "atom:author")) {
        it.authors.push_back(atom_person(author));
    }

    // A few feeds carry both <summary> and <description>: the longer one is the content.
    const auto summary_element = child(node_children, "summary");
    if (summary_element) {
        it.summary = markup_text(summary_element);
    } else {
        it.summary =
            first_markup_text(node_children, {"description", "dc:description", "atom:summary"});
    }
    if (auto encoded = child(node_children, "content:encoded")) {
        it.content_html = xml::inner_markup(encoded);
    } else if (auto body = child(node_children, "body")) {
        it.content_html = xml::inner_markup(body);
    } else if (auto fullitem = child(node_children, "fullitem")) {
        it.content_html = xml::inner_markup(fullitem);
    } else if (auto atom_content = child(node_children, "atom:content")) {
        it.content_html = read_text_construct(atom_content, text_parts::html).html;
    } else if (auto description = child(node_children, "description");
               description && summary_element) {
        it.content_html = xml::inner_markup(description);
    }

    for (auto category : children(node_children, "category")) {
        if (std::string value = xml::trimmed_text(category); !value.empty()) {
            it.categories.push_back(std::move(value));
        }
    }
    for (auto keywords : children(node_children, "itunes:keywords")) {
        const std::string text = xml::text(keywords);
        std::size_t start = 0;
        while (start <= text.size()) {
            auto comma = text.find(',', start);
            if (comma == std::string::npos) {
                comma = text.size();
            }
            if (std::string value(trim(std::string_view(text).substr(start, comma - start)));
                !value.empty()) {
                it.categories.push_back(std::move(value));
            }
            start = comma + 1;
        }
    }
    for (auto subject : children(node_children, "dc:subject")) {
        if (std::string value = xml::trimmed_text(subject); !value.empty()) {
            it.categories.push_back(std::move(value));
        }
    }
    for (auto category : children(node_children, "atom:category")) {
        if (std::string term(trim(xml::attribute_view(category, "term").value_or("")));
            !term.empty()) {
            it.categories.push_back(std::move(term));
        }
    }

    for (auto enc : children(node_children, "enclosure")) {
        add_enclosure(it, enc, url, "length");
    }
    // media:content fills in for feeds that carry their files only as Media RSS.
    if (it.enclosures.empty()) {
        for (auto media : children(node_children, "media:content")) {
            add_enclosure(it, media, url, "fileSize");
        }
        for (auto group : children(node_children, "media:group")) {
            for (auto media : children(group, "media:content")) {
                add_enclosure(it, media, url, "fileSize");
            }
        }
    }
    return it;
}

std::optional<std::string> rdf_version(pugi::xml_node root) {
    for (auto a = root.first_attribute(); a; a = a.next_attribute()) {
        const std::string_view value = a.value();
        if (value.find("my.netscape.com/rdf/simple/0.9") != std::string_view::npos) {
            return "0.90";
        }
    }
    return "1.0";
}

std::optional<std::string> image_url(pugi::xml_node image, std::string_view url) {
    if (!image) {
        return std::nullopt;
    }
    if (auto u = child(image, "url")) {
        return link_text(u, url);
    }
    if (auto resource = xml::attribute(image, "rdf:resource")) {
        return xml::resolve(image, url, *resource);
    }
    return std::nullopt;
}

// <ttl>, <skipHours>, <skipDays> and sy:updatePeriod/sy:updateFrequency; values that
// are not what the spec allows are dropped (they are hints, never errors).
void read_polling_hints(feed& f, pugi::xml_node channel) {
    if (const auto ttl = plain_child(channel, "ttl")) {
        int minutes = 0;
        const auto [end, ec] = std::from_chars(ttl->data(), ttl->data() + ttl->size(), minutes);
        if (ec == std::errc() && end == ttl->data() + ttl->size() && minutes > 0) {
            f.ttl = std::chrono::minutes(minutes);
        }
    }
    if (auto hours = child(channel, "skipHours")) {
        for (const auto node : children(hours, "hour")) {
            const auto text = xml::trimmed_text(node);
            int hour = -1;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), hour);
            // RSS 2.0 says 0-23; some feeds write 24 for midnight.
            if (ec == std::errc() && end == text.data() + text.size() && hour >= 0 && hour <= 24) {
                f.skip_hours.push_back(hour % 24);
            }
        }
    }
    if (auto days = child(channel, "skipDays")) {
        for (const auto node : children(days, "day")) {
            auto text = xml::trimmed_text(node);
            for (const char* name :
                 {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}) {
                if (ascii_lower(text) == ascii_lower(name)) f.skip_days.emplace_back(name);
            }
        }
    }
    f.update_period = plain_child(channel, "sy:updatePeriod");
    f.update_frequency = plain_child(channel, "sy:updateFrequency");
}

}  // namespace

feed extract_rss(pugi::xml_node root, std::string_view url, const parse_limits& limits) {
    feed f;
    const std::string_view root_name = root.name();
    const bool rdf = root_name == "rdf:RDF" || root_name == "RDF";
    f.format = rdf ? feed_format::rdf : feed_format::rss;
    pugi::xml_node channel = root_name == "channel" ? root : child(root, "channel");
    if (rdf) {
        f.version = rdf_version(root);
    } else if (auto version = xml::attribute(root, "version")) {
        std::string v(trim(*version));
        // "2.01", "2.1": there is only one RSS 2 specification.
        if (v.starts_with("2")) {
            v = "2.0";
        }
        if (!v.empty()) {
            f.version = v;
        }
    }

    f.title = first_markup_text(channel, {"title", "dc:title", "atom:title"});
    f.link = rss_link(channel, url);
    if (!f.link) {
        f.link = atom_link(channel, "alternate", url);
    }
    f.feed_url = atom_link(channel, "self", url);
    f.description = first_markup_text(channel, {"description", "dc:description", "atom:subtitle"});
    f.language = plain_child(channel, "language");
    if (!f.language) {
        f.language = plain_child(channel, "dc:language");
    }
    if (!f.language) {
        f.language = xml::attribute(channel, "xml:lang");
    }
    if (!f.language) {
        f.language = xml::attribute(root, "xml:lang");
    }
    f.updated = date_of(child(channel, "lastBuildDate"));
    if (!f.updated) {
        f.updated = date_of(child(channel, "pubDate"));
    }
    if (!f.updated) {
        f.updated = date_of(child(channel, "dc:date"));
    }
    if (!f.updated) {
        f.updated = date_of(child(channel, "dcterms:modified"));
    }
    if (!f.updated) {
        f.updated = date_of(child(channel, "atom:updated"));
    }
    read_polling_hints(f, channel);
    f.image = image_url(child(channel, "image"), url);
    if (!f.image && rdf) {
        f.image = image_url(child(root, "image"), url);
    }

    auto add_items = [&](pugi::xml_node parent) {
        for (auto node = parent.first_child(); node; node = node.next_sibling()) {
            if (f.items.size() >= limits.max_items) {
                return;
            }
            if (node.type() == pugi::node_element && std::string_view(node.name()) == "item") {
                f.items.push_back(extract_item(node, url));
            }
        }
    };
    if (channel) {
        add_items(channel);
    }
    if (channel != root) {
        add_items(root);
    }
    return f;
}

}  // namespace feedd::feeds
