// The XML layer of the feed parser (internal): liberal loading with pugixml
// (HTML entities, bare '&', junk before the prolog, truncated documents, no DTD
// expansion), namespace canonicalisation and the text/markup/xml:base accessors
// the per-format extractors share.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/container/small_vector.hpp>
#include <pugixml.hpp>

#include "feeds/parse.hpp"

namespace feedd::feeds::xml {

// Loads a document of valid UTF-8 (what decode_document returns). Element and attribute names are
// rewritten to canonical prefixes for known namespaces ("atom:", "dc:", "content:", "media:",
// "rdf:", ...); RSS 0.9x/1.0/2.0 and XHTML elements lose their prefix. Returns "" on success, else
// "line L, column C: what".
std::string load(pugi::xml_document& doc, std::string_view utf8, const parse_limits& limits);

// As load(), but parses utf8 where it is instead of a copy: the tree points into utf8, which
// must outlive it, and whose text is changed. False when that did not give a whole tree within
// the caps (a syntax error, a truncated document, a cap broken): then utf8's text is gone, and
// load() on the document decoded afresh gives the partial tree or the error message.
bool load_in_place(pugi::xml_document& doc, std::string& utf8, const parse_limits& limits);

// Elements found by name: most lookups find none or one, which then need no allocation.
using node_list = boost::container::small_vector<pugi::xml_node, 4>;

// Every element name the extractors look up (canonical names, see load()).
inline constexpr std::string_view indexed_names[] = {"atom:author",
                                                     "atom:category",
                                                     "atom:content",
                                                     "atom:created",
                                                     "atom:email",
                                                     "atom:id",
                                                     "atom:issued",
                                                     "atom:link",
                                                     "atom:logo",
                                                     "atom:modified",
                                                     "atom:name",
                                                     "atom:published",
                                                     "atom:subtitle",
                                                     "atom:summary",
                                                     "atom:tagline",
                                                     "atom:title",
                                                     "atom:updated",
                                                     "atom:uri",
                                                     "atom:url",
                                                     "author",
                                                     "body",
                                                     "category",
                                                     "channel",
                                                     "content",
                                                     "content:encoded",
                                                     "created",
                                                     "day",
                                                     "dc:author",
                                                     "dc:creator",
                                                     "dc:date",
                                                     "dc:description",
                                                     "dc:identifier",
                                                     "dc:language",
                                                     "dc:subject",
                                                     "dc:title",
                                                     "dcterms:issued",
                                                     "dcterms:modified",
                                                     "description",
                                                     "email",
                                                     "enclosure",
                                                     "fullitem",
                                                     "guid",
                                                     "hour",
                                                     "id",
                                                     "image",
                                                     "issued",
                                                     "itunes:keywords",
                                                     "language",
                                                     "lastBuildDate",
                                                     "link",
                                                     "logo",
                                                     "media:content",
                                                     "media:group",
                                                     "modified",
                                                     "name",
                                                     "pubDate",
                                                     "published",
                                                     "skipDays",
                                                     "skipHours",
                                                     "subtitle",
                                                     "summary",
                                                     "sy:updateFrequency",
                                                     "sy:updatePeriod",
                                                     "tagline",
                                                     "title",
                                                     "ttl",
                                                     "updated",
                                                     "uri",
                                                     "url"};

// One of indexed_names, picked at compile time: a name missing there does not compile.
class indexed_name {
  public:
    // Implicit, so extractors write child(item, "title").
    consteval indexed_name(const char* name)
        : slot_(find(name)) {}  // NOLINT(google-explicit-constructor)

    // "atom:" + local.
    static consteval indexed_name atom(const char* local) {
        return indexed_name(find_atom(local), 0);
    }

    constexpr std::size_t slot() const { return slot_; }
    constexpr std::string_view view() const { return indexed_names[slot_]; }

  private:
    consteval indexed_name(std::size_t slot, int) : slot_(slot) {}

    static consteval std::size_t find(std::string_view name) {
        for (std::size_t k = 0; k < std::size(indexed_names); ++k) {
            if (indexed_names[k] == name) {
                return k;
            }
        }
        throw "element name missing from xml::indexed_names";
    }
    static consteval std::size_t find_atom(std::string_view local) {
        for (std::size_t k = 0; k < std::size(indexed_names); ++k) {
            if (indexed_names[k].starts_with("atom:") && indexed_names[k].substr(5) == local) {
                return k;
            }
        }
        throw "element name missing from xml::indexed_names";
    }

    std::size_t slot_;
};

// First child element with this canonical name, or a null node.
pugi::xml_node child(pugi::xml_node parent, indexed_name name);

// All child elements with this canonical name, in document order.
node_list children(pugi::xml_node parent, indexed_name name);

// An element's child elements by name, read in one pass over the children: the extractors
// ask each item for some thirty names, and a walk over the children per name cost more
// than all the rest of the extraction. Each child's name is looked up once in a small hash
// table of indexed_names, and the children of each such name are chained in document order:
// a question is then an array read. Valid while the tree is not renamed.
class child_index {
  public:
    explicit child_index(pugi::xml_node parent);

    // As child() and children() above.
    pugi::xml_node child(indexed_name name) const;
    node_list children(indexed_name name) const;
    // Children with either name, in document order.
    node_list children(indexed_name name, indexed_name other) const;

  private:
    static constexpr std::uint32_t none = 0xFFFFFFFFU;
    struct entry {
        pugi::xml_node node;
        std::uint32_t next_same_name;  // the next child with this name, or none
    };
    struct chain {
        std::uint32_t first = none;
        std::uint32_t last = none;
    };

    // Children with names in indexed_names, in document order; items rarely have more than 16.
    boost::container::small_vector<entry, 16> entries_;
    std::array<chain, std::size(indexed_names)> chains_{};
};

inline pugi::xml_node child(const child_index& parent, indexed_name name) {
    return parent.child(name);
}

inline node_list children(const child_index& parent, indexed_name name) {
    return parent.children(name);
}

// The attribute's value, or nullopt when the attribute is missing.
std::optional<std::string> attribute(pugi::xml_node node, std::string_view name);

// As attribute(), without a copy: valid while the tree is.
std::optional<std::string_view> attribute_view(pugi::xml_node node, std::string_view name);

// All text of an element and its descendants, XML-decoded.
std::string text(pugi::xml_node node);

// text(node) without a copy when the element holds one text or CDATA node (most do); else
// text(node) kept in `scratch`.
std::string_view text_view(pugi::xml_node node, std::string& scratch);

// text(node) without leading and trailing ASCII whitespace, copied once.
std::string trimmed_text(pugi::xml_node node);

// The element's content as markup: child elements re-serialised. Text directly
// inside the element is HTML source as given (RSS: escaped HTML) unless
// escape_text is set (inline XHTML, where text is text).
std::string inner_markup(pugi::xml_node node, bool escape_text = false);

// True when the element has child elements.
bool has_element_children(pugi::xml_node node);

// The base URL in force for this element (its own and its ancestors' xml:base
// resolved against document_url).
std::string base_of(pugi::xml_node node, std::string_view document_url);

// ref resolved against base_of(node, document_url), which an absolute ref (the common case)
// does not need.
std::string resolve(pugi::xml_node node, std::string_view document_url, std::string_view ref);

}  // namespace feedd::feeds::xml
