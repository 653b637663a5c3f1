// Text helpers shared by the feed extractors: HTML entity decoding, HTML → plain
// text (docs/interfaces.md "Plain text" rule), whitespace collapsing, escaping.
// Pure; all input and output is UTF-8.
#pragma once

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::feeds {

// Appends the UTF-8 encoding of a code point; invalid ones become U+FFFD.
void append_utf8(std::string& out, char32_t code_point);

// The code point of an HTML 4 named entity ("nbsp" → U+00A0), or nullopt.
std::optional<char32_t> html_entity(std::string_view name);

// Decodes character references and HTML named entities; unknown ones stay as given.
std::string decode_entities(std::string_view html);

// Removes the control characters a terminal acts on, so a feed cannot send escape
// sequences to whatever prints its text: C0 but tab, LF and CR, and DEL are dropped (as
// the XML repair drops C0); C1 (U+0080–U+009F) becomes its windows-1252 character, as in
// decode_document, and is dropped where windows-1252 has none. Input is UTF-8.
// Returns whether it dropped or replaced anything.
bool drop_control_characters(std::string& text);

// Collapses runs of whitespace (including U+00A0) to one space and trims.
std::string collapse_whitespace(std::string_view text);

// ASCII character classes: <cctype>'s in the C locale (feedd never sets another), without a
// library call per byte on the parser's hot paths.
inline bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
inline bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}
inline bool is_ascii_xdigit(char c) {
    return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
inline bool is_ascii_alnum(char c) {
    return is_ascii_alpha(c) || is_ascii_digit(c);
}
inline char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// Equal but for ASCII case (namespace URIs, OPML attribute names, XML declarations).
inline bool ascii_iequals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

// Removes leading and trailing ASCII whitespace.
std::string_view trim(std::string_view text);

// ASCII lower-case, without the C locale: element names, schemes, charset, month and
// zone names are ASCII, and std::tolower's locale lookup is measurable on hot paths.
std::string ascii_lower(std::string_view text);

// HTML → plain text: tags removed, entities decoded, block elements separate
// words, whitespace collapsed, trimmed.
std::string html_to_text(std::string_view html);

// A teaser of plain text: whitespace collapsed, and when longer than max_bytes cut at the
// last space within them (or at a character boundary when there is none) with "…" added,
// so the result is at most max_bytes + 3 bytes of valid UTF-8.
std::string teaser(std::string_view text, std::size_t max_bytes);

// Appends text with &, <, > (and " when escape_quotes) as character entities.
void append_html_escaped(std::string& out, std::string_view text, bool escape_quotes);
// Escapes &, <, > and " so text can be embedded in HTML.
std::string escape_html(std::string_view text);

}  // namespace feedd::feeds
