#include "feeds/parse.hpp"

#include <exception>
#include <initializer_list>
#include <optional>
#include <string>

#include <pugixml.hpp>

#include "feeds/charset.hpp"
#include "feeds/parse_formats.hpp"
#include "feeds/parse_xml.hpp"
#include "feeds/text.hpp"

namespace feedd::feeds {
namespace {

enum class document_kind { json, xml };

// JSON Feed starts with '{'; everything else is tried as XML.
document_kind detect_kind(std::string_view utf8) {
    const auto first = utf8.find_first_not_of(" \t\r\n");
    return first != std::string_view::npos && utf8[first] == '{' ? document_kind::json
                                                                 : document_kind::xml;
}

parse_result extract_xml_feed(const pugi::xml_document& doc, std::string_view url,
                              const parse_limits& limits) {
    const auto root = doc.document_element();
    const std::string_view name = root.name();
    if (name == "rss" || name == "channel" || name == "rdf:RDF" || name == "RDF") {
        return {extract_rss(root, url, limits), {}};
    }
    if (name == "atom:feed" || name == "feed") {
        return {extract_atom(root, url, limits), {}};
    }
    return {std::nullopt, "not a feed: the root element is <" + std::string(name) + ">"};
}

// Every text field leaves the parser without terminal controls, whichever way it came:
// repair() filters XML text, but CDATA sections, JSON strings and references to the C1
// characters windows-1252 leaves undefined go past it.
// The fields were collapsed and trimmed before: a dropped control can leave two spaces, or one
// at an end ("\x1b Breaking"), so a field it changed is collapsed (text) or trimmed (tokens:
// ids, URLs, types) again, and one left empty is absent, as an empty one always is.
void drop_controls_in(feed& f) {
    const auto text = [](std::optional<std::string>& field) {
        if (field && drop_control_characters(*field)) {
            *field = collapse_whitespace(*field);
            if (field->empty()) field.reset();
        }
    };
    const auto token = [](std::optional<std::string>& field) {
        if (field && drop_control_characters(*field)) {
            *field = std::string(trim(*field));
            if (field->empty()) field.reset();
        }
    };
    const auto words = [](std::string& field) {
        if (drop_control_characters(field)) field = collapse_whitespace(field);
    };
    text(f.title);
    text(f.description);
    for (auto* field : {&f.version, &f.link, &f.feed_url, &f.language, &f.image, &f.update_period,
                        &f.update_frequency}) {
        token(*field);
    }
    for (auto& day : f.skip_days)
        words(day);
    for (auto& it : f.items) {
        text(it.title);
        text(it.summary);
        token(it.id);
        token(it.link);
        // HTML source: whitespace in it means nothing yet.
        if (it.content_html) drop_control_characters(*it.content_html);
        for (auto& author : it.authors) {
            text(author.name);
            token(author.email);
            token(author.url);
        }
        for (auto& category : it.categories)
            words(category);
        std::erase(it.categories, std::string());
        for (auto& e : it.enclosures) {
            if (drop_control_characters(e.url)) e.url = std::string(trim(e.url));
            token(e.type);
        }
    }
}

parse_result parse_unguarded(std::string_view bytes, std::string_view base_url,
                             std::string_view content_type, const parse_limits& limits) {
    if (bytes.size() > limits.max_document_bytes) {
        return {std::nullopt,
                "document larger than " + std::to_string(limits.max_document_bytes) + " bytes"};
    }
    const std::string charset = charset_from_content_type(content_type);
    auto decoded = decode_document(bytes, charset);
    if (!decoded.utf8) {
        return {std::nullopt, std::move(decoded.error)};
    }
    const std::string url(trim(base_url));
    if (detect_kind(*decoded.utf8) == document_kind::json) {
        auto result = extract_json_feed(*decoded.utf8, url, limits);
        if (result.feed) {
            drop_controls_in(*result.feed);
        }
        return result;
    }
    // The tree points into the decoded text, which lives until the extraction is done.
    pugi::xml_document doc;
    if (!xml::load_in_place(doc, *decoded.utf8, limits)) {
        // Errors and partial trees come from the copying load(), on the text decoded afresh.
        decoded = decode_document(bytes, charset);
        if (std::string error = xml::load(doc, *decoded.utf8, limits); !error.empty()) {
            return {std::nullopt, std::move(error)};
        }
    }
    auto result = extract_xml_feed(doc, url, limits);
    if (result.feed) {
        drop_controls_in(*result.feed);
    }
    return result;
}

}  // namespace

parse_result parse(std::string_view bytes, std::string_view base_url, std::string_view content_type,
                   const parse_limits& limits) {
    // Bad input is an error value; an exception here (allocation failure, a library
    // bug) must not take down the caller's task either.
    try {
        return parse_unguarded(bytes, base_url, content_type, limits);
    } catch (const std::exception& e) {
        return {std::nullopt, std::string("internal error while parsing: ") + e.what()};
    }
}

}  // namespace feedd::feeds
