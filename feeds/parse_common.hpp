// Field rules shared by the feed extractors (internal): person parsing, the
// dc:date fallback, link choice. Keeps each extractor to "which element holds what".
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "feeds/model.hpp"

namespace feedd::feeds {

// An RSS author/managingEditor value: "jdoe@example.com (John Doe)",
// "John Doe <jdoe@example.com>", a bare address or a bare name.
person parse_person_text(std::string_view text);

// dc:date fills whichever of published/updated is still empty (both when neither is set).
void apply_dc_date(item& it, std::optional<timestamp> dc_date);

// Plain text of an element whose content is markup (RSS fields).
std::string markup_text(pugi::xml_node node);

// Plain text of an element when present, else nullopt.
std::optional<std::string> optional_markup_text(pugi::xml_node node);

// Trimmed, resolved link text of an element when present.
std::optional<std::string> link_text(pugi::xml_node node, std::string_view document_url);

struct text_construct {
    std::string html;   // HTML source
    std::string plain;  // plain text
};

// Which parts of a text construct the caller reads (the others are left empty).
enum class text_parts { both, html, plain };

// An Atom text construct (title, subtitle, summary, content), honouring type
// (text, html, xhtml, MIME types, base64) and the Atom 0.3 mode attribute.
text_construct read_text_construct(pugi::xml_node node, text_parts parts = text_parts::both);

// The date in an element's text, or nullopt when missing or unreadable.
std::optional<timestamp> date_of(pugi::xml_node node);

}  // namespace feedd::feeds
