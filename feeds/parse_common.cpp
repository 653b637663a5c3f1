#include "feeds/parse_common.hpp"

#include "feeds/dates.hpp"
#include "feeds/parse_xml.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {

person parse_person_text(std::string_view text) {
    person p;
    const std::string value = collapse_whitespace(decode_entities(text));
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
    const std::string given(trim(xml::text(node)));
    if (given.empty()) {
        return given;
    }
    return resolve_url(xml::base_of(node, document_url), given);
}

std::optional<timestamp> date_of(pugi::xml_node node) {
    if (!node) {
        return std::nullopt;
    }
    return parse_date(xml::text(node));
}

}  // namespace feedd::feeds
