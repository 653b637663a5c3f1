// Atom 1.0 and 0.3 extraction.
#include <algorithm>
#include <cctype>
#include <string>

#include "feeds/parse_common.hpp"
#include "feeds/parse_formats.hpp"
#include "feeds/parse_xml.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {
namespace {

// Atom elements are "atom:x" when the namespace is declared, plain "x" when a
// sloppy feed omits it.
struct atom_name {
    consteval atom_name(const char* local)  // NOLINT(google-explicit-constructor)
        : prefixed(xml::indexed_name::atom(local)), plain(local) {}
    xml::indexed_name prefixed;
    xml::indexed_name plain;
};

pugi::xml_node atom_child(const auto& parent, atom_name name) {
    if (auto node = xml::child(parent, name.prefixed)) {
        return node;
    }
    return xml::child(parent, name.plain);
}

xml::node_list atom_children(const xml::child_index& parent, atom_name name) {
    return parent.children(name.prefixed, name.plain);
}

xml::node_list atom_children(pugi::xml_node parent, atom_name name) {
    return atom_children(xml::child_index(parent), name);
}

std::optional<std::string> plain_of(pugi::xml_node node) {
    if (!node) {
        return std::nullopt;
    }
    return read_text_construct(node, text_parts::plain).plain;
}

// A link's href; Atom 0.3 feeds sometimes give the URL as the element's text.
std::optional<std::string> link_href(pugi::xml_node link) {
    if (auto href = xml::attribute(link, "href")) {
        return href;
    }
    if (std::string text = xml::trimmed_text(link); !text.empty()) {
        return text;
    }
    return std::nullopt;
}

// The alternate link: rel="alternate" or no rel, preferring text/html among several.
std::optional<std::string> alternate_link(const auto& parent, std::string_view url) {
    std::optional<std::string> first;
    for (auto link : atom_children(parent, "link")) {
        const std::string rel =
            ascii_lower(trim(xml::attribute_view(link, "rel").value_or("alternate")));
        auto href = link_href(link);
        if (rel != "alternate" || !href) {
            continue;
        }
        std::string resolved = xml::resolve(link, url, *href);
        const std::string type = ascii_lower(trim(xml::attribute_view(link, "type").value_or("")));
        if (type == "text/html" || type == "application/xhtml+xml") {
            return resolved;
        }
        if (!first) {
            first = std::move(resolved);
        }
    }
    return first;
}

std::optional<std::string> link_with_rel(const auto& parent, std::string_view wanted,
                                         std::string_view url) {
    for (auto link : atom_children(parent, "link")) {
        const std::string rel =
            ascii_lower(trim(xml::attribute_view(link, "rel").value_or("alternate")));
        if (auto href = link_href(link); rel == wanted && href) {
            return xml::resolve(link, url, *href);
        }
    }
    return std::nullopt;
}

person read_person(pugi::xml_node node, std::string_view url) {
    person p;
    const xml::child_index fields(node);  // up to eight questions: one pass over the children
    if (auto name = atom_child(fields, "name")) {
        p.name = collapse_whitespace(xml::text(name));
    } else if (!xml::has_element_children(node)) {
        if (std::string value = collapse_whitespace(xml::text(node)); !value.empty()) {
            p.name = value;
        }
    }
    if (auto email = atom_child(fields, "email")) {
        p.email = xml::trimmed_text(email);
    }
    auto uri = atom_child(fields, "uri");
    if (!uri) {
        uri = atom_child(fields, "url");
    }
    if (uri) {
        p.url = xml::resolve(uri, url, xml::text(uri));
    }
    return p;
}

std::optional<timestamp> first_date(const auto& parent, std::initializer_list<atom_name> names) {
    for (const auto name : names) {
        if (auto d = date_of(atom_child(parent, name))) {
            return d;
        }
    }
    return std::nullopt;
}

std::optional<std::int64_t> parse_length(const std::optional<std::string>& text) {
    if (!text) {
        return std::nullopt;
    }
    const auto value = trim(*text);
    if (value.empty() || value.size() > 18 ||
        !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    return std::stoll(std::string(value));
}

item read_entry(pugi::xml_node node, std::string_view url) {
    item it;
    const xml::child_index node_children(node);
    if (auto id = atom_child(node_children, "id")) {
        // An id is an IRI; a relative one is relative to the entry's base, as for links.
        std::string value = xml::trimmed_text(id);
        it.id = value.empty() ? value : xml::resolve(id, url, value);
    }
    it.title = plain_of(atom_child(node_children, "title"));
    if (!it.title) {
        it.title = optional_markup_text(xml::child(node_children, "dc:title"));
    }
    it.link = alternate_link(node_children, url);
    it.published = first_date(node_children, {"published", "issued", "created"});
    if (!it.published) {
        it.published = date_of(xml::child(node_children, "dcterms:issued"));
    }
    it.updated = first_date(node_children, {"updated", "modified"});
    if (!it.updated) {
        it.updated = date_of(xml::child(node_children, "dcterms:modified"));
    }
    apply_dc_date(it, date_of(xml::child(node_children, "dc:date")));
    for (auto author : atom_children(node_children, "author")) {
        it.authors.push_back(read_person(author, url));
    }
    std::string scratch;  // text_view's
    for (auto creator : xml::children(node_children, "dc:creator")) {
        if (auto p = parse_person_text(xml::text_view(creator, scratch)); p.name || p.email) {
            it.authors.push_back(std::move(p));
        }
    }
    if (auto summary = atom_child(node_children, "summary")) {
        it.summary = read_text_construct(summary, text_parts::plain).plain;
    } else if (auto description = xml::child(node_children, "dc:description")) {
        it.summary = markup_text(description);
    }
    if (auto content = atom_child(node_children, "content")) {
        it.content_html = read_text_construct(content, text_parts::html).html;
    }
    for (auto category : atom_children(node_children, "category")) {
        std::string term(trim(xml::attribute_view(category, "term").value_or("")));
        if (term.empty()) {
            term = std::string(trim(xml::attribute_view(category, "label").value_or("")));
        }
        if (term.empty()) {
            term = xml::trimmed_text(category);
        }
        if (!term.empty()) {
            it.categories.push_back(std::move(term));
        }
    }
    for (auto subject : xml::children(node_children, "dc:subject")) {
        if (std::string value = xml::trimmed_text(subject); !value.empty()) {
            it.categories.push_back(std::move(value));
        }
    }
    for (auto link : atom_children(node_children, "link")) {
        const std::string rel = ascii_lower(trim(xml::attribute_view(link, "rel").value_or("")));
        const auto href = xml::attribute_view(link, "href");
        if (rel != "enclosure" || !href) {
            continue;
        }
        enclosure e;
        e.url = xml::resolve(link, url, *href);
        e.type = xml::attribute(link, "type");
        e.length = parse_length(xml::attribute(link, "length"));
        it.enclosures.push_back(std::move(e));
    }
    return it;
}

}  // namespace

feed extract_atom(pugi::xml_node root, std::string_view url, const parse_limits& limits) {
    feed f;
    f.format = feed_format::atom;
    const auto version_attribute = xml::attribute(root, "version");
    const std::string ns = xml::attribute(root, "xmlns").value_or("");
    if (version_attribute && !trim(*version_attribute).empty()) {
        f.version = std::string(trim(*version_attribute));
    } else if (ns.find("purl.org/atom/ns") != std::string::npos) {
        f.version = "0.3";
    } else {
        f.version = "1.0";
    }
    f.title = plain_of(atom_child(root, "title"));
    f.link = alternate_link(root, url);
    f.feed_url = link_with_rel(root, "self", url);
    auto subtitle = atom_child(root, "subtitle");
    if (!subtitle) {
        subtitle = atom_child(root, "tagline");
    }
    f.description = plain_of(subtitle);
    if (auto lang = xml::attribute(root, "xml:lang"); lang && !trim(*lang).empty()) {
        f.language = std::string(trim(*lang));
        std::replace(f.language->begin(), f.language->end(), '_', '-');
    } else if (auto dc_language = xml::child(root, "dc:language")) {
        f.language = xml::trimmed_text(dc_language);
    }
    f.updated = first_date(root, {"updated", "modified"});
    if (!f.updated) {
        f.updated = date_of(xml::child(root, "dc:date"));
    }
    if (auto logo = atom_child(root, "logo")) {
        f.image = xml::resolve(logo, url, xml::text(logo));
    }
    for (auto entry = root.first_child(); entry; entry = entry.next_sibling()) {
        if (f.items.size() >= limits.max_items) {
            break;
        }
        const std::string_view name = entry.name();
        if (entry.type() == pugi::node_element && (name == "atom:entry" || name == "entry")) {
            f.items.push_back(read_entry(entry, url));
        }
    }
    return f;
}

}  // namespace feedd::feeds
