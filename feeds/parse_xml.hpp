// The XML layer of the feed parser (internal): liberal loading with pugixml
// (HTML entities, bare '&', junk before the prolog, truncated documents, no DTD
// expansion), namespace canonicalisation and the text/markup/xml:base accessors
// the per-format extractors share.
#pragma once

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

// First child element with this canonical name, or a null node.
pugi::xml_node child(pugi::xml_node parent, std::string_view name);

// All child elements with this canonical name, in document order.
node_list children(pugi::xml_node parent, std::string_view name);

// An element's child elements by name, read in one pass over the children: the extractors
// ask each item for some thirty names, and a walk over the children per name cost more
// than all the rest of the extraction. Valid while the tree is not renamed.
class child_index {
  public:
    explicit child_index(pugi::xml_node parent);

    // As child() and children() above.
    pugi::xml_node child(std::string_view name) const;
    node_list children(std::string_view name) const;
    // Children with either name, in document order.
    node_list children(std::string_view name, std::string_view other) const;

  private:
    struct entry {
        std::string_view name;
        pugi::xml_node node;
    };
    // In document order; items rarely have more than 16 children, which then need no allocation.
    boost::container::small_vector<entry, 16> entries_;
};

inline pugi::xml_node child(const child_index& parent, std::string_view name) {
    return parent.child(name);
}

inline node_list children(const child_index& parent, std::string_view name) {
    return parent.children(name);
}

// The attribute's value, or nullopt when the attribute is missing.
std::optional<std::string> attribute(pugi::xml_node node, std::string_view name);

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
