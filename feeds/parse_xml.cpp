#include "feeds/parse_xml.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

#include "feeds/byte_scan.hpp"
#include "feeds/charset.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds::xml {
namespace {

// The document is UTF-8 before parsing, but pugixml writes a character reference
// to a surrogate (&#xD800;) as its 3 bytes (repair() drops such references only
// where its lexer sees them), and the values of a tree cut short by a syntax error
// can hold a split sequence. Ill-formed sequences become U+FFFD.
void make_valid_utf8(auto&& set, const char* value) {
    const std::string_view text(value);
    if (!is_valid_utf8(text)) set(to_valid_utf8(text).c_str());
}

struct known_namespace {
    std::string_view uri;
    std::string_view prefix;  // canonical; "" = no prefix
};

// Namespace URIs compared without a trailing '/' or '#'.
constexpr known_namespace known_namespaces[] = {
    {"http://www.w3.org/2005/Atom", "atom"},
    {"http://purl.org/atom/ns", "atom"},
    {"http://purl.org/rss/1.0", ""},
    {"http://my.netscape.com/rdf/simple/0.9", ""},
    {"http://backend.userland.com/rss2", ""},
    {"http://blogs.law.harvard.edu/tech/rss", ""},
    {"http://backend.userland.com/rss", ""},
    {"http://www.w3.org/1999/xhtml", ""},
    {"http://www.w3.org/1999/02/22-rdf-syntax-ns", "rdf"},
    {"http://purl.org/dc/elements/1.1", "dc"},
    {"http://purl.org/dc/terms", "dcterms"},
    {"http://purl.org/rss/1.0/modules/content", "content"},
    {"http://purl.org/rss/1.0/modules/syndication", "sy"},
    {"http://search.yahoo.com/mrss", "media"},
    {"http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes"},
    {"http://www.w3.org/XML/1998/namespace", "xml"},
    {"http://purl.org/rss/1.0/modules/image", "image"},
};

std::string_view strip_uri(std::string_view uri) {
    while (!uri.empty() && (uri.back() == '/' || uri.back() == '#')) {
        uri.remove_suffix(1);
    }
    return uri;
}

std::optional<std::string_view> canonical_prefix(std::string_view uri) {
    const std::string_view stripped = strip_uri(uri);
    for (const auto& ns : known_namespaces) {
        if (ascii_iequals(ns.uri, stripped)) {
            return ns.prefix;
        }
    }
    // Userland published its RSS namespace in several versions (rss2, rss2.1, ...).
    constexpr std::string_view userland = "http://backend.userland.com/rss";
    if (ascii_iequals(stripped.substr(0, userland.size()), userland)) {
        return std::string_view{};
    }
    return std::nullopt;
}

struct binding {
    binding(std::string p, std::string u, std::size_t d)
        : prefix(std::move(p)), uri(std::move(u)), depth(d), canonical(canonical_prefix(uri)) {}
    std::string prefix;
    std::string uri;
    std::size_t depth;
    std::optional<std::string_view> canonical;  // canonical_prefix(uri), looked up once
};

// Canonical name for prefix:local given the bindings in scope: `name` itself when it stays
// as it is (most names), else a view of `buffer`, which holds the new name.
std::string_view canonical_name(std::string_view name, const std::vector<binding>& scope,
                                bool is_attribute, std::string& buffer) {
    const auto colon = name.find(':');
    const std::string_view prefix =
        colon == std::string_view::npos ? std::string_view{} : name.substr(0, colon);
    const std::string_view local = colon == std::string_view::npos ? name : name.substr(colon + 1);
    if (prefix == "xml" || prefix == "xmlns" || (is_attribute && prefix.empty())) {
        return name;
    }
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
        if (it->prefix == prefix) {
            if (it->uri.empty()) {
                return local;
            }
            if (const auto& canonical = it->canonical) {
                if (canonical->empty()) {
                    return local;
                }
                buffer.clear();  // (assign() here trips g++ 12's -Wrestrict)
                buffer.append(*canonical).append(1, ':').append(local);
                return buffer;
            }
            // An unknown namespace keeps its URI so it never collides with a known one.
            buffer.clear();
            buffer.append(1, '{').append(it->uri).append(1, '}').append(local);
            return buffer;
        }
    }
    // Undeclared prefix: keep it, so "dc:date" without xmlns:dc still reads as
    // Dublin Core (the canonical prefixes are the conventional ones).
    return prefix.empty() ? local : name;
}

// A root <feed> or <rss> in a namespace we don't know (drafts such as "purl.org/echo")
// is still that format: read its default namespace as the format's own.
void adopt_unknown_root_namespace(pugi::xml_node root, std::vector<binding>& scope) {
    const std::string_view name = root.name();
    if (name.find(':') != std::string_view::npos) {
        return;
    }
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
        if (it->prefix.empty()) {
            if (!it->uri.empty() && !it->canonical) {
                if (name == "feed") {
                    it->uri = "http://www.w3.org/2005/Atom";
                } else if (name == "rss" || name == "channel") {
                    it->uri = "";
                }
                it->canonical = canonical_prefix(it->uri);
            }
            return;
        }
    }
}

// A cap the document broke: what, and the offset (in the loaded buffer) of the
// element that broke it, or -1.
struct cap_violation {
    std::string problem;
    std::ptrdiff_t offset = -1;
};

// Rewrites element and attribute names to canonical ones; iterative so deep
// documents can't exhaust the stack. Stops at the first element over the depth
// cap, or the first item/entry (at feed or channel level) over the item cap.
// check_utf8: replace ill-formed UTF-8 in values (see make_valid_utf8).
std::optional<cap_violation> canonicalise(pugi::xml_node root, const parse_limits& limits,
                                          bool check_utf8) {
    std::vector<binding> scope;
    // Bindings of the default namespace in scope: with none, an unprefixed element name is
    // canonical as it is (canonical_name returns it), and most RSS documents bind none.
    std::size_t default_bindings = 0;
    std::vector<std::pair<pugi::xml_node, std::size_t>> stack;
    std::string buffer;  // canonical_name's
    stack.emplace_back(root, 1);
    std::size_t items = 0;
    while (!stack.empty()) {
        auto [node, depth] = stack.back();
        stack.pop_back();
        // Checked before the node is renamed: offset_debug() needs the original name.
        if (depth > limits.max_depth) {
            return cap_violation{
                "nesting deeper than " + std::to_string(limits.max_depth) + " elements",
                node.offset_debug()};
        }
        while (!scope.empty() && scope.back().depth >= depth) {
            default_bindings -= scope.back().prefix.empty() ? 1 : 0;
            scope.pop_back();
        }
        for (auto attr = check_utf8 ? node.first_attribute() : pugi::xml_attribute(); attr;
             attr = attr.next_attribute()) {
            make_valid_utf8([&](const char* v) { attr.set_value(v); }, attr.value());
        }
        // The element's own declarations are in scope for its own name and attributes.
        bool prefixed_attributes = false;
        for (auto attr = node.first_attribute(); attr; attr = attr.next_attribute()) {
            const std::string_view name = attr.name();
            if (name.rfind("xmlns", 0) != 0) {
                prefixed_attributes =
                    prefixed_attributes || name.find(':') != std::string_view::npos;
            } else if (name.size() == 5) {
                scope.emplace_back("", attr.value(), depth);
                ++default_bindings;
            } else if (name[5] == ':') {
                scope.emplace_back(std::string(name.substr(6)), attr.value(), depth);
                default_bindings += scope.back().prefix.empty() ? 1 : 0;  // "xmlns:"
            }
        }
        if (depth == 1) {
            adopt_unknown_root_namespace(node, scope);
        }
        const std::string_view old_name = node.name();
        const std::string_view element_name =
            default_bindings == 0 && old_name.find(':') == std::string_view::npos
                ? old_name
                : canonical_name(old_name, scope, false, buffer);
        // rss/channel/item, rdf:RDF/item, feed/entry: depth 2 or 3.
        if (depth <= 3 &&
            (element_name == "item" || element_name == "atom:entry" || element_name == "entry") &&
            ++items > limits.max_items) {
            return cap_violation{"more than " + std::to_string(limits.max_items) + " items",
                                 node.offset_debug()};
        }
        // set_name allocates: only when the name changes (it may be a view of buffer, which the
        // attributes below reuse, so rename the element first).
        if (element_name.data() != old_name.data() || element_name.size() != old_name.size()) {
            if (element_name.data() == buffer.data()) {
                node.set_name(buffer.c_str());
            } else {
                node.set_name(std::string(element_name).c_str());
            }
        }
        for (auto attr = prefixed_attributes ? node.first_attribute() : pugi::xml_attribute(); attr;
             attr = attr.next_attribute()) {
            const std::string_view name = attr.name();
            if (name.find(':') != std::string_view::npos && name.rfind("xmlns", 0) != 0) {
                if (const auto canonical = canonical_name(name, scope, true, buffer);
                    canonical.data() != name.data() || canonical.size() != name.size()) {
                    attr.set_name(std::string(canonical).c_str());
                }
            }
        }
        // Push children in reverse so they are visited in order (scope pops rely on it).
        for (auto c = node.last_child(); c; c = c.previous_sibling()) {
            if (c.type() == pugi::node_element) {
                stack.emplace_back(c, depth + 1);
            } else if (check_utf8) {
                make_valid_utf8([&](const char* v) { c.set_value(v); }, c.value());
            }
        }
    }
    return std::nullopt;
}

bool is_name_start(char c) {
    return is_ascii_alpha(c) || c == '_' || c == ':';
}

// For an HTML void element start tag at in[pos] that isn't self-closed (<br>,
// <img src="x">), the position of its '>'; otherwise 0.
std::size_t void_element_end(std::string_view in, std::size_t pos) {
    static constexpr std::string_view voids[] = {"br", "hr", "img"};
    if (pos + 1 < in.size() && ascii_lower(in[pos + 1]) != 'b' && ascii_lower(in[pos + 1]) != 'h' &&
        ascii_lower(in[pos + 1]) != 'i') {
        return 0;  // the common case: no void element starts with this letter
    }
    for (const auto name : voids) {
        if (pos + 1 + name.size() >= in.size()) {
            continue;
        }
        const char after = in[pos + 1 + name.size()];
        if (!ascii_iequals(in.substr(pos + 1, name.size()), name) ||
            !(after == '>' || after == ' ' || after == '\t' || after == '\n' || after == '\r')) {
            continue;
        }
        char quote = 0;
        for (std::size_t k = pos + 1 + name.size(); k < in.size(); ++k) {
            const char ch = in[k];
            if (quote != 0) {
                quote = ch == quote ? 0 : quote;
            } else if (ch == '"' || ch == '\'') {
                quote = ch;
            } else if (ch == '<') {
                return 0;
            } else if (ch == '>') {
                // Already well-formed: self-closed, or closed right after (<br></br>).
                std::string next(in.substr(k + 1, name.size() + 2));
                std::transform(next.begin(), next.end(), next.begin(), [](char c2) {
                    return static_cast<char>(std::tolower(static_cast<unsigned char>(c2)));
                });
                return in[k - 1] == '/' || next == "</" + std::string(name) ? 0 : k;
            }
        }
        return 0;
    }
    return 0;
}

// Whether pugixml could decode a character reference in the text to something that is
// not UTF-8 (a surrogate, a value past U+10FFFF or one that overflows).
bool has_unsafe_reference(std::string_view text) {
    for (auto at = text.find("&#"); at != std::string_view::npos; at = text.find("&#", at + 2)) {
        std::size_t j = at + 2;
        const bool hex = j < text.size() && (text[j] == 'x' || text[j] == 'X');
        j += hex ? 1 : 0;
        const std::size_t start = j;
        while (j < text.size() && (hex ? is_ascii_xdigit(text[j]) : is_ascii_digit(text[j]))) {
            ++j;
        }
        unsigned long value = 0;
        std::from_chars(text.data() + start, text.data() + j, value, hex ? 16 : 10);
        if (j - start > 8 || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
            return true;
        }
    }
    return false;
}

// The repaired document, built lazily: the input is only copied once something in it
// changes, and most documents need no change at all.
class repaired_text {
  public:
    explicit repaired_text(std::string_view in) : in_(in) {}

    // in[from, to) becomes `with`; positions are in the input, in increasing order.
    void replace(std::size_t from, std::size_t to, std::string_view with) {
        if (!changed_) {
            out_.reserve(in_.size() + in_.size() / 16);
            changed_ = true;
        }
        out_.append(in_.substr(kept_, from - kept_));
        out_.append(with);
        kept_ = to;
    }

    // nullopt when the input needs no change.
    std::optional<std::string> finish() && {
        if (!changed_) {
            return std::nullopt;
        }
        out_.append(in_.substr(kept_));
        return std::move(out_);
    }

  private:
    std::string_view in_;
    std::string out_;
    std::size_t kept_ = 0;  // in_[0, kept_) is in out_ already
    bool changed_ = false;
};

// What repair() made of a document.
struct repair_result {
    std::optional<std::string> text;  // nullopt: the input as it is
    // A CDATA section, comment or PI that repair() passed over holds a character
    // reference to no valid character: if pugixml reads that part differently ("<!--"
    // inside an attribute value), the reference reaches the tree unchecked.
    bool unsafe_references = false;
};

// Makes common HTML-isms well-formed: HTML named entities become character
// references, a bare '&' becomes &amp;. CDATA, comments and PIs are left alone.
// The DOCTYPE is dropped so nothing it declares is ever expanded.
repair_result repair(std::string_view in) {
    repaired_text out(in);
    repair_result result;
    std::size_t i = 0;
    const std::size_t n = in.size();
    while (i < n) {
        const char c = in[i];
        if (c != '<' && c != '&') {
            // Text up to the next '<' or '&' needs no repair but dropping control characters.
            const std::size_t j = scan::find_markup_or_control(in, i);
            if (j < n && scan::is_xml_control(in[j])) {
                out.replace(j, j + 1, {});
                i = j + 1;
            } else {
                i = j;
            }
            continue;
        }
        if (c == '<') {
            auto skip_to = [&](std::string_view terminator, std::size_t from) {
                const auto end = in.find(terminator, from);
                const auto stop = end == std::string_view::npos ? n : end + terminator.size();
                if (!result.unsafe_references) {
                    result.unsafe_references = has_unsafe_reference(in.substr(i, stop - i));
                }
                i = stop;
            };
            const char next = i + 1 < n ? in[i + 1] : '\0';
            if (next == '!' && in.substr(i, 9) == "<![CDATA[") {
                skip_to("]]>", i + 9);
                continue;
            }
            if (next == '!' && in.substr(i, 4) == "<!--") {
                skip_to("-->", i + 4);
                continue;
            }
            if (next == '?') {
                skip_to("?>", i + 2);
                continue;
            }
            if (next == '!' && (in.substr(i, 9) == "<!DOCTYPE" || in.substr(i, 9) == "<!doctype")) {
                // Skip to the matching '>' outside the internal subset.
                std::size_t j = i + 9;
                int brackets = 0;
                while (j < n && (in[j] != '>' || brackets > 0)) {
                    if (in[j] == '[') {
                        ++brackets;
                    } else if (in[j] == ']') {
                        --brackets;
                    }
                    ++j;
                }
                const std::size_t stop = j < n ? j + 1 : n;
                out.replace(i, stop, {});
                i = stop;
                continue;
            }
            // A '<' that can't start markup ("a < b") is text a sloppy feed forgot to escape.
            if (i + 1 >= n || !(is_name_start(next) || next == '/' || next == '!' ||
                                static_cast<unsigned char>(next) >= 0x80)) {
                out.replace(i, i + 1, "&lt;");
                ++i;
                continue;
            }
            // Unescaped HTML in a description often has void elements (<br>, <img ...>)
            // that XML would see as never closed: close them on the spot.
            if (const std::size_t end = void_element_end(in, i); end != 0) {
                out.replace(end, end + 1, "/>");
                i = end + 1;
                continue;
            }
            ++i;
            continue;
        }
        // c == '&'
        std::size_t j = i + 1;
        if (j < n && in[j] == '#') {
            ++j;
            const bool hex = j < n && (in[j] == 'x' || in[j] == 'X');
            if (hex) {
                ++j;
            }
            const std::size_t start = j;
            while (j < n && (hex ? is_ascii_xdigit(in[j]) : is_ascii_digit(in[j]))) {
                ++j;
            }
            if (j > start && j < n && in[j] == ';') {
                // Keep valid references, but drop ones XML forbids (e.g. &#0;).
                const std::string digits(in.substr(start, j - start));
                unsigned long value =
                    digits.size() > 8 ? 0x110000UL : std::stoul(digits, nullptr, hex ? 16 : 10);
                // References to 0x80–0x9F mean windows-1252 characters in practice.
                if (value >= 0x80 && value < 0xA0) {
                    value = windows1252_code_point(static_cast<unsigned char>(value));
                    out.replace(i, j + 1, "&#" + std::to_string(value) + ";");
                } else if (!(value == 0x9 || value == 0xA || value == 0xD ||
                             (value >= 0x20 && value <= 0x10FFFF &&
                              !(value >= 0xD800 && value <= 0xDFFF)))) {
                    out.replace(i, j + 1, "&#xFFFD;");
                }
                i = j + 1;
                continue;
            }
            out.replace(i, i + 1, "&amp;");
            ++i;
            continue;
        }
        if (j < n && is_name_start(in[j])) {
            while (j < n &&
                   (is_ascii_alnum(in[j]) || in[j] == '_' || in[j] == '-' || in[j] == '.')) {
                ++j;
            }
            if (j < n && in[j] == ';') {
                const std::string_view name = in.substr(i + 1, j - i - 1);
                if (name == "amp" || name == "lt" || name == "gt" || name == "quot" ||
                    name == "apos") {
                    i = j + 1;
                    continue;
                }
                if (const auto cp = html_entity(name)) {
                    out.replace(i, j + 1,
                                "&#" + std::to_string(static_cast<unsigned long>(*cp)) + ";");
                    i = j + 1;
                    continue;
                }
            }
        }
        out.replace(i, i + 1, "&amp;");
        ++i;
    }
    result.text = std::move(out).finish();
    return result;
}

// Where an item (or entry) that was still open at offset starts: the '<' of the last
// item start tag before offset when no end tag of an item follows it; nullopt when the
// parser stopped outside an item. Prefixes don't matter ("rss:item", "atom:entry").
std::optional<std::size_t> unfinished_item_start(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    auto is_item = [](std::string_view name) {
        const auto colon = name.find(':');
        const auto local = colon == std::string_view::npos ? name : name.substr(colon + 1);
        return local == "item" || local == "entry";
    };
    auto name_at = [&](std::size_t from) {
        std::size_t end = from;
        while (end < offset && text[end] != '>' && text[end] != '/' && text[end] != ' ' &&
               text[end] != '\t' && text[end] != '\r' && text[end] != '\n') {
            ++end;
        }
        return text.substr(from, end - from);
    };
    for (auto lt = text.rfind('<', offset); lt != std::string_view::npos;
         lt = lt == 0 ? std::string_view::npos : text.rfind('<', lt - 1)) {
        if (lt + 1 < offset && text[lt + 1] == '/') {
            if (is_item(name_at(lt + 2))) {
                return std::nullopt;  // the last item before the error was closed
            }
            continue;
        }
        if (is_item(name_at(lt + 1))) {
            const auto gt = text.find('>', lt);
            const bool self_closed =
                gt != std::string_view::npos && gt < offset && gt > lt && text[gt - 1] == '/';
            return self_closed ? std::nullopt : std::optional<std::size_t>(lt);
        }
    }
    return std::nullopt;
}

std::pair<std::size_t, std::size_t> line_column(std::string_view text, std::size_t offset) {
    offset = std::min(offset, text.size());
    std::size_t line = 1;
    std::size_t column = 1;
    for (std::size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

void serialise(std::string& out, pugi::xml_node node, bool escape_text) {
    for (auto c = node.first_child(); c; c = c.next_sibling()) {
        switch (c.type()) {
            case pugi::node_pcdata:
                if (escape_text) {
                    append_html_escaped(out, c.value(), false);
                } else {
                    out += c.value();
                }
                break;
            case pugi::node_cdata:
                if (escape_text) {
                    append_html_escaped(out, c.value(), false);
                } else {
                    out += c.value();
                }
                break;
            case pugi::node_element: {
                const std::string_view name = c.name();
                out += '<';
                out += name;
                for (auto a = c.first_attribute(); a; a = a.next_attribute()) {
                    const std::string_view attr_name = a.name();
                    if (attr_name == "xmlns" || attr_name.rfind("xmlns:", 0) == 0) {
                        continue;
                    }
                    out += ' ';
                    out += attr_name;
                    out += "=\"";
                    append_html_escaped(out, a.value(), true);
                    out += '"';
                }
                if (!c.first_child()) {
                    out += " />";
                    break;
                }
                out += '>';
                serialise(out, c, true);
                out += "</";
                out += name;
                out += '>';
                break;
            }
            default:
                break;
        }
    }
}

}  // namespace

namespace {

constexpr unsigned parse_options = pugi::parse_default | pugi::parse_ws_pcdata;

// Where the XML starts: junk before the prolog or root (whitespace, stray bytes) is skipped to
// the first '<'; npos when there is none.
std::size_t xml_start(std::string_view utf8) {
    std::size_t start = utf8.find('<');
    if (start == std::string_view::npos) {
        return start;
    }
    const auto decl = utf8.find("<?xml");
    if (decl != std::string_view::npos && decl > start && decl < 1024 &&
        utf8.substr(start, decl - start).find_first_not_of(" \t\r\n") == std::string_view::npos) {
        start = decl;
    }
    return start;
}

}  // namespace

bool load_in_place(pugi::xml_document& doc, std::string& utf8, const parse_limits& limits) {
    const std::size_t start = xml_start(utf8);
    if (start == std::string_view::npos) {
        return false;
    }
    repair_result repair_outcome = repair(std::string_view(utf8).substr(start));
    char* text = utf8.data() + start;
    std::size_t size = utf8.size() - start;
    if (repair_outcome.text) {
        utf8 = std::move(*repair_outcome.text);
        text = utf8.data();
        size = utf8.size();
    }
    // pugixml parses a buffer it may write to as it would parse its own copy (a well-formed
    // document gives the same tree); an error needs the text as it was, so load() reads it.
    const auto result = doc.load_buffer_inplace(text, size, parse_options, pugi::encoding_utf8);
    const auto root = doc.document_element();
    return result && root && !canonicalise(root, limits, repair_outcome.unsafe_references);
}

std::string load(pugi::xml_document& doc, std::string_view utf8, const parse_limits& limits) {
    const std::size_t start = xml_start(utf8);
    if (start == std::string_view::npos) {
        return "line 1, column 1: no XML element found";
    }
    const std::string_view prolog_on = utf8.substr(start);
    const repair_result repair_outcome = repair(prolog_on);
    const std::string_view repaired = repair_outcome.text ? *repair_outcome.text : prolog_on;
    const unsigned options = parse_options;
    auto result = doc.load_buffer(repaired.data(), repaired.size(), options, pugi::encoding_utf8);
    auto root = doc.document_element();
    // A truncated download or a broken tag inside an item: read again up to that item,
    // so the feed keeps its complete items and not a half of the last one.
    if (!result && root) {
        if (const auto cut =
                unfinished_item_start(repaired, static_cast<std::size_t>(result.offset))) {
            result = doc.load_buffer(repaired.data(), *cut, options, pugi::encoding_utf8);
            root = doc.document_element();
        }
    }
    if (!result && !root) {
        const auto [line, column] = line_column(repaired, static_cast<std::size_t>(result.offset));
        return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
               result.description();
    }
    // A parse error after the root element opened leaves a usable partial tree:
    // keep what was read, as liberal readers do.
    if (!root) {
        return "line 1, column 1: no root element";
    }
    // The tree holds valid UTF-8 when the document was (decode_document sees to it), repair()
    // checked every character reference and pugixml read the whole document.
    const bool check_utf8 = repair_outcome.unsafe_references || !result;
    if (const auto violation = canonicalise(root, limits, check_utf8)) {
        if (violation->offset < 0) {
            return violation->problem;
        }
        // offset_debug() points at the element's name; report its '<'.
        const auto [line, column] = line_column(
            repaired, static_cast<std::size_t>(std::max<std::ptrdiff_t>(violation->offset - 1, 0)));
        return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": " +
               violation->problem;
    }
    return {};
}

pugi::xml_node child(pugi::xml_node parent, indexed_name name) {
    // pugixml walks its own sibling list (one library call, not three per child). Only
    // elements have names in our trees; checked anyway.
    const char* wanted = name.view().data();  // indexed_names are literals: terminated
    for (auto c = parent.child(wanted); c; c = c.next_sibling(wanted)) {
        if (c.type() == pugi::node_element) {
            return c;
        }
    }
    return {};
}

node_list children(pugi::xml_node parent, indexed_name name) {
    node_list out;
    const char* wanted = name.view().data();
    for (auto c = parent.child(wanted); c; c = c.next_sibling(wanted)) {
        if (c.type() == pugi::node_element) {
            out.push_back(c);
        }
    }
    return out;
}

namespace {

constexpr std::size_t name_table_size = 256;  // a power of two, over thrice the names

constexpr std::size_t name_hash(std::string_view name) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(name[i]); };
    return (name.size() * 31U + byte(0) * 7U + byte(name.size() - 1) * 13U +
            byte(name.size() / 2) * 3U) &
           (name_table_size - 1);
}

// Open addressing: each slot holds a position in indexed_names plus one, 0 when empty.
constexpr auto name_table = [] {
    std::array<std::uint8_t, name_table_size> table{};
    for (std::size_t k = 0; k < std::size(indexed_names); ++k) {
        std::size_t h = name_hash(indexed_names[k]);
        while (table[h] != 0) {
            h = (h + 1) & (name_table_size - 1);
        }
        table[h] = static_cast<std::uint8_t>(k + 1);
    }
    return table;
}();
static_assert(std::size(indexed_names) < 255);

// The name's position in indexed_names, or -1.
int indexed_position(std::string_view name) {
    if (name.empty()) {
        return -1;
    }
    for (std::size_t h = name_hash(name); name_table[h] != 0; h = (h + 1) & (name_table_size - 1)) {
        if (indexed_names[name_table[h] - 1U] == name) {
            return name_table[h] - 1;
        }
    }
    return -1;
}

}  // namespace

child_index::child_index(pugi::xml_node parent) {
    for (auto c = parent.first_child(); c; c = c.next_sibling()) {
        if (c.type() != pugi::node_element) {
            continue;
        }
        const int k = indexed_position(c.name());
        // Positions fit 32 bits: a parent with 2^32 children would need a 16 GB document.
        if (k < 0 || entries_.size() >= none) {
            continue;
        }
        const auto at = static_cast<std::uint32_t>(entries_.size());
        entries_.push_back({c, none});
        chain& names = chains_[static_cast<std::size_t>(k)];
        if (names.first == none) {
            names.first = at;
        } else {
            entries_[names.last].next_same_name = at;
        }
        names.last = at;
    }
}

pugi::xml_node child_index::child(indexed_name name) const {
    const std::uint32_t first = chains_[name.slot()].first;
    return first == none ? pugi::xml_node() : entries_[first].node;
}

node_list child_index::children(indexed_name name) const {
    node_list out;
    for (auto at = chains_[name.slot()].first; at != none; at = entries_[at].next_same_name) {
        out.push_back(entries_[at].node);
    }
    return out;
}

node_list child_index::children(indexed_name name, indexed_name other) const {
    // Merge the two chains in document order (one chain when the names are the same).
    node_list out;
    std::uint32_t a = chains_[name.slot()].first;
    std::uint32_t b = name.slot() == other.slot() ? none : chains_[other.slot()].first;
    while (a != none || b != none) {
        std::uint32_t& next = b == none || (a != none && a < b) ? a : b;
        out.push_back(entries_[next].node);
        next = entries_[next].next_same_name;
    }
    return out;
}

std::optional<std::string> attribute(pugi::xml_node node, std::string_view name) {
    if (const auto value = attribute_view(node, name)) {
        return std::string(*value);
    }
    return std::nullopt;
}

std::optional<std::string_view> attribute_view(pugi::xml_node node, std::string_view name) {
    for (auto a = node.first_attribute(); a; a = a.next_attribute()) {
        if (name == a.name()) {
            return a.value();
        }
    }
    return std::nullopt;
}

std::string text(pugi::xml_node node) {
    std::string out;
    // Iterative walk over descendants in document order.
    pugi::xml_node current = node.first_child();
    while (current) {
        if (current.type() == pugi::node_pcdata || current.type() == pugi::node_cdata) {
            out += current.value();
        }
        if (current.first_child()) {
            current = current.first_child();
            continue;
        }
        while (current && current != node && !current.next_sibling()) {
            current = current.parent();
        }
        if (!current || current == node) {
            break;
        }
        current = current.next_sibling();
    }
    return out;
}

std::string_view text_view(pugi::xml_node node, std::string& scratch) {
    const auto first = node.first_child();
    if (!first) {
        return {};
    }
    if (!first.next_sibling() &&
        (first.type() == pugi::node_pcdata || first.type() == pugi::node_cdata)) {
        return first.value();
    }
    scratch = text(node);
    return scratch;
}

std::string trimmed_text(pugi::xml_node node) {
    std::string scratch;
    return std::string(trim(text_view(node, scratch)));
}

std::string inner_markup(pugi::xml_node node, bool escape_text) {
    std::string out;
    serialise(out, node, escape_text);
    return out;
}

bool has_element_children(pugi::xml_node node) {
    for (auto c = node.first_child(); c; c = c.next_sibling()) {
        if (c.type() == pugi::node_element) {
            return true;
        }
    }
    return false;
}

std::string base_of(pugi::xml_node node, std::string_view document_url) {
    std::vector<std::string> bases;
    for (auto n = node; n && n.type() == pugi::node_element; n = n.parent()) {
        if (auto b = attribute(n, "xml:base")) {
            bases.push_back(std::move(*b));
        }
    }
    std::string base(document_url);
    for (auto it = bases.rbegin(); it != bases.rend(); ++it) {
        base = resolve_url(base, *it);
    }
    return base;
}

std::string resolve(pugi::xml_node node, std::string_view document_url, std::string_view ref) {
    if (const std::string_view given = trim(ref); starts_with_scheme(given)) {
        return std::string(given);  // what resolve_url makes of it, whatever the base
    }
    return resolve_url(base_of(node, document_url), ref);
}

}  // namespace feedd::feeds::xml
