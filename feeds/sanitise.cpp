#include "feeds/sanitise.hpp"

#include <algorithm>
#include <array>
#include <memory>
#include <string>

#include <gumbo.h>

#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {

namespace {

using namespace std::string_view_literals;

// Elements written back as themselves (attributes filtered separately).
constexpr std::array allowed_elements = {
    "a"sv,          "abbr"sv,   "b"sv,      "blockquote"sv, "br"sv,   "caption"sv, "cite"sv,
    "code"sv,       "dd"sv,     "del"sv,    "div"sv,        "dl"sv,   "dt"sv,      "em"sv,
    "figcaption"sv, "figure"sv, "h1"sv,     "h2"sv,         "h3"sv,   "h4"sv,      "h5"sv,
    "h6"sv,         "hr"sv,     "i"sv,      "img"sv,        "ins"sv,  "kbd"sv,     "li"sv,
    "mark"sv,       "ol"sv,     "p"sv,      "pre"sv,        "q"sv,    "s"sv,       "samp"sv,
    "small"sv,      "span"sv,   "strong"sv, "sub"sv,        "sup"sv,  "table"sv,   "tbody"sv,
    "td"sv,         "tfoot"sv,  "th"sv,     "thead"sv,      "time"sv, "tr"sv,      "u"sv,
    "ul"sv,         "var"sv,
};

// Elements dropped together with everything inside them.
constexpr std::array dropped_elements = {
    "applet"sv, "audio"sv,    "base"sv,     "button"sv,  "canvas"sv,   "embed"sv,
    "form"sv,   "frame"sv,    "frameset"sv, "head"sv,    "iframe"sv,   "input"sv,
    "link"sv,   "math"sv,     "meta"sv,     "noembed"sv, "noframes"sv, "noscript"sv,
    "object"sv, "option"sv,   "param"sv,    "script"sv,  "select"sv,   "style"sv,
    "svg"sv,    "template"sv, "textarea"sv, "title"sv,   "video"sv,    "xmp"sv,
};

constexpr std::array void_elements = {"br"sv, "hr"sv, "img"sv};

struct allowed_attribute {
    std::string_view element;  // "" for any allowed element
    std::string_view name;
    bool is_url;
};

constexpr std::array allowed_attributes = {
    allowed_attribute{"a", "href", true},          allowed_attribute{"a", "title", false},
    allowed_attribute{"img", "src", true},         allowed_attribute{"img", "alt", false},
    allowed_attribute{"img", "title", false},      allowed_attribute{"img", "width", false},
    allowed_attribute{"img", "height", false},     allowed_attribute{"abbr", "title", false},
    allowed_attribute{"blockquote", "cite", true}, allowed_attribute{"q", "cite", true},
    allowed_attribute{"del", "datetime", false},   allowed_attribute{"ins", "datetime", false},
    allowed_attribute{"time", "datetime", false},  allowed_attribute{"td", "colspan", false},
    allowed_attribute{"td", "rowspan", false},     allowed_attribute{"th", "colspan", false},
    allowed_attribute{"th", "rowspan", false},     allowed_attribute{"th", "scope", false},
};

template <std::size_t N>
bool contains(const std::array<std::string_view, N>& list, std::string_view name) {
    return std::find(list.begin(), list.end(), name) != list.end();
}

// The element's lower-case tag name (gumbo gives unknown tags in original_tag).
std::string tag_name(const GumboElement& element) {
    if (element.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(element.tag);
    GumboStringPiece piece = element.original_tag;
    gumbo_tag_from_original_text(&piece);
    return ascii_lower(std::string_view(piece.data, piece.length));
}

// A URL kept only when, resolved, it is http(s) or mailto. Browsers ignore tabs,
// newlines and leading spaces or control characters in a scheme ("java\tscript:"),
// so those are removed before the scheme is looked at.
std::string safe_url(std::string_view raw, std::string_view base) {
    std::string cleaned;
    for (const char c : raw) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7f) continue;
        cleaned += c;
    }
    const auto trimmed = std::string(trim(cleaned));
    if (trimmed.empty()) return "";
    const auto lower = ascii_lower(trimmed);
    if (lower.starts_with("mailto:")) return trimmed;
    const auto resolved = base.empty() ? trimmed : resolve_url(base, trimmed);
    if (is_http_url(resolved)) return resolved;
    return "";
}

class writer {
  public:
    writer(std::string_view base, std::string& out) : base_(base), out_(out) {}

    void node(const GumboNode& n) {
        switch (n.type) {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_WHITESPACE:
            case GUMBO_NODE_CDATA:
                append_html_escaped(out_, n.v.text.text, false);
                break;
            case GUMBO_NODE_ELEMENT:
            case GUMBO_NODE_TEMPLATE:
                element(n.v.element);
                break;
            case GUMBO_NODE_DOCUMENT:
                children(n.v.document.children);
                break;
            case GUMBO_NODE_COMMENT:
                break;  // comments may hide conditional markup for old browsers
        }
    }

    void children(const GumboVector& list) {
        // Hostile nesting (thousands of <div>s) must not exhaust the stack: deeper
        // content is dropped; no real article nests this deep.
        if (depth_ >= max_depth) return;
        ++depth_;
        for (unsigned i = 0; i < list.length; ++i)
            node(*static_cast<const GumboNode*>(list.data[i]));
        --depth_;
    }

  private:
    void element(const GumboElement& e) {
        const auto name = tag_name(e);
        if (contains(dropped_elements, name)) return;
        // html/body wrappers and unknown elements: keep only what is inside.
        if (!contains(allowed_elements, name)) {
            children(e.children);
            return;
        }
        out_ += '<';
        out_ += name;
        attributes(name, e.attributes);
        if (name == "a") out_ += " rel=\"nofollow noopener noreferrer\"";
        out_ += '>';
        if (contains(void_elements, name)) return;
        children(e.children);
        out_ += "</";
        out_ += name;
        out_ += '>';
    }

    void attributes(std::string_view element, const GumboVector& list) {
        for (unsigned i = 0; i < list.length; ++i) {
            const auto& a = *static_cast<const GumboAttribute*>(list.data[i]);
            const auto name = ascii_lower(a.name);
            const auto rule = std::find_if(allowed_attributes.begin(), allowed_attributes.end(),
                                           [&](const allowed_attribute& r) {
                                               return r.name == name &&
                                                      (r.element.empty() || r.element == element);
                                           });
            if (rule == allowed_attributes.end()) continue;
            std::string value = a.value;
            if (rule->is_url) {
                value = safe_url(value, base_);
                if (value.empty()) continue;
            }
            out_ += ' ';
            out_ += name;
            out_ += "=\"";
            append_html_escaped(out_, value, true);
            out_ += '"';
        }
    }

    static constexpr int max_depth = 200;
    std::string_view base_;
    std::string& out_;
    int depth_ = 0;
};

struct output_deleter {
    void operator()(GumboOutput* output) const {
        gumbo_destroy_output(&kGumboDefaultOptions, output);
    }
};

}  // namespace

std::string sanitise_html(std::string_view html, std::string_view base_url) {
    std::string out;
    if (html.empty()) return out;
    // A fragment is parsed in the context of a <div> so "<td>" or "</p>" at the top
    // level behave as they would inside a page, not as a whole document.
    GumboOptions options = kGumboDefaultOptions;
    options.fragment_context = GUMBO_TAG_DIV;
    options.fragment_namespace = GUMBO_NAMESPACE_HTML;
    const std::unique_ptr<GumboOutput, output_deleter> parsed(
        gumbo_parse_with_options(&options, html.data(), html.size()));
    if (!parsed) return out;
    out.reserve(html.size());
    writer w(base_url, out);
    w.node(*parsed->root);
    return out;
}

}  // namespace feedd::feeds
