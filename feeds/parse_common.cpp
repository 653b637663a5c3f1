#include "feeds/parse_common.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>

#include "feeds/charset.hpp"
#include "feeds/dates.hpp"
#include "feeds/parse_xml.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {
namespace {

std::string decode_base64(std::string_view in) {
    std::string out;
    std::uint32_t buffer = 0;
    int bits = 0;
    for (const char c : in) {
        int value = -1;
        if (c >= 'A' && c <= 'Z') {
            value = c - 'A';
        } else if (c >= 'a' && c <= 'z') {
            value = c - 'a' + 26;
        } else if (c >= '0' && c <= '9') {
            value = c - '0' + 52;
        } else if (c == '+' || c == '-') {
            value = 62;
        } else if (c == '/' || c == '_') {
            value = 63;
        } else if (c == '=') {
            break;
        } else {
            continue;  // whitespace and line breaks
        }
        buffer = (buffer << 6) | static_cast<std::uint32_t>(value);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((buffer >> bits) & 0xFFU));
        }
    }
    return out;
}

// Base64 content carries raw bytes in no declared encoding: bytes that are not
// UTF-8 are read as windows-1252, as decode_document does for mislabelled documents.
std::string utf8_or_windows1252(std::string bytes) {
    if (is_valid_utf8(bytes)) {
        return bytes;
    }
    std::string out;
    for (const char c : bytes) {
        append_utf8(out, windows1252_code_point(static_cast<unsigned char>(c)));
    }
    return out;
}

}  // namespace

text_construct read_text_construct(pugi::xml_node node, text_parts parts) {
    const std::string type = ascii_lower(trim(xml::attribute_view(node, "type").value_or("")));
    const std::string mode = ascii_lower(trim(xml::attribute_view(node, "mode").value_or("")));
    const bool text_type = type.empty() || type == "text" || type == "text/plain";
    const bool html_type = type == "html" || type.find("html") != std::string::npos;
    const bool xml_type = type == "xhtml" || type.ends_with("xml");
    const bool has_children = xml::has_element_children(node);
    // Converting a whole content body to text nobody reads was a third of the work.
    auto as_text = [parts](const std::string& value) {
        return text_construct{parts == text_parts::plain ? std::string() : escape_html(value),
                              std::string(trim(value))};
    };
    auto as_html = [parts](std::string value) {
        std::string plain = parts == text_parts::html ? std::string() : html_to_text(value);
        return text_construct{std::move(value), std::move(plain)};
    };
    // Atom 1.0: any other media type is base64; Atom 0.3 says so with mode.
    if (mode == "base64" || (!text_type && !html_type && !xml_type && !type.starts_with("text/"))) {
        std::string decoded = utf8_or_windows1252(decode_base64(xml::text(node)));
        return html_type ? as_html(std::move(decoded)) : as_text(decoded);
    }
    if (mode == "escaped") {
        return as_html(has_children ? xml::inner_markup(node) : xml::text(node));
    }
    if (xml_type || has_children) {
        // Atom 1.0 xhtml wraps the content in one <div> that is not part of it.
        pugi::xml_node content = node;
        std::size_t elements = 0;
        pugi::xml_node only;
        bool other_text = false;
        for (auto c = node.first_child(); c; c = c.next_sibling()) {
            if (c.type() == pugi::node_element) {
                ++elements;
                only = c;
            } else if (!trim(c.value()).empty()) {
                other_text = true;
            }
        }
        if (elements == 1 && !other_text && std::string_view(only.name()) == "div") {
            content = only;
        }
        return as_html(xml::inner_markup(content, true));
    }
    // Most titles and summaries are one text node, read without a copy when only their plain
    // text is wanted.
    if (parts == text_parts::plain) {
        std::string scratch;  // text_view's
        const std::string_view value = xml::text_view(node, scratch);
        return {std::string(), html_type ? html_to_text(value) : std::string(trim(value))};
    }
    if (html_type) {
        return as_html(xml::text(node));
    }
    return as_text(xml::text(node));
}

person parse_person_text(std::string_view text) {
    person p;
    // Most names and addresses hold no reference: no copy to decode them.
    const std::string value = collapse_whitespace(
        text.find('&') == std::string_view::npos ? text : std::string_view(decode_entities(text)));
    if (value.empty()) {
        return p;
    }
    const auto at = value.find('@');
    const auto open_paren = value.find('(');
    const auto open_angle = value.find('<');
    if (at != std::string::npos && open_paren != std::string::npos && value.back() == ')' &&
        at < open_paren) {
        p.email = std::string(trim(std::string_view(value).substr(0, open_paren)));
        p.name = std::string(
            trim(std::string_view(value).substr(open_paren + 1, value.size() - open_paren - 2)));
    } else if (at != std::string::npos && open_paren != std::string::npos && value.back() == ')' &&
               at > open_paren) {
        p.name = std::string(trim(std::string_view(value).substr(0, open_paren)));
        p.email = std::string(
            trim(std::string_view(value).substr(open_paren + 1, value.size() - open_paren - 2)));
        if (p.name->empty()) {
            p.name.reset();
        }
    } else if (at != std::string::npos && open_angle != std::string::npos && value.back() == '>' &&
               at > open_angle) {
        p.name = std::string(trim(std::string_view(value).substr(0, open_angle)));
        p.email = std::string(
            trim(std::string_view(value).substr(open_angle + 1, value.size() - open_angle - 2)));
        if (p.name->empty()) {
            p.name.reset();
        }
    } else if (at != std::string::npos && value.find(' ') == std::string::npos) {
        p.email = value;
    } else {
        p.name = value;
    }
    if (p.email && p.email->rfind("mailto:", 0) == 0) {
        p.email->erase(0, 7);
    }
    return p;
}

void apply_dc_date(item& it, std::optional<timestamp> dc_date) {
    if (!dc_date) {
        return;
    }
    if (!it.published) {
        it.published = dc_date;
    }
    if (!it.updated) {
        it.updated = dc_date;
    }
}

std::string markup_text(pugi::xml_node node) {
    // Most fields are one text or CDATA node, which is their markup as it is.
    const auto only = node.first_child();
    if (only && !only.next_sibling() &&
        (only.type() == pugi::node_pcdata || only.type() == pugi::node_cdata)) {
        return html_to_text(only.value());
    }
    return html_to_text(xml::inner_markup(node));
}

std::optional<std::string> optional_markup_text(pugi::xml_node node) {
    if (!node) {
        return std::nullopt;
    }
    return markup_text(node);
}

std::optional<std::string> link_text(pugi::xml_node node, std::string_view document_url) {
    if (!node) {
        return std::nullopt;
    }
    std::string scratch;  // text_view's
    const std::string_view given = trim(xml::text_view(node, scratch));
    if (given.empty()) {
        return std::string();
    }
    return xml::resolve(node, document_url, given);
}

std::optional<timestamp> date_of(pugi::xml_node node) {
    if (!node) {
        return std::nullopt;
    }
    std::string scratch;
    return parse_date(xml::text_view(node, scratch));
}

}  // namespace feedd::feeds
