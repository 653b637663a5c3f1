#include "feeds/text.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <utility>

#include "feeds/byte_scan.hpp"
#include "feeds/charset.hpp"

namespace feedd::feeds {
namespace {

struct named_entity {
    std::string_view name;
    char32_t code_point;
};

// HTML 4 entities plus &apos;; feeds use these in XML that never declares them.
constexpr named_entity entities[] = {
    {"AElig", 198},    {"Aacute", 193},  {"Acirc", 194},   {"Agrave", 192},  {"Alpha", 913},
    {"Aring", 197},    {"Atilde", 195},  {"Auml", 196},    {"Beta", 914},    {"Ccedil", 199},
    {"Chi", 935},      {"Dagger", 8225}, {"Delta", 916},   {"ETH", 208},     {"Eacute", 201},
    {"Ecirc", 202},    {"Egrave", 200},  {"Epsilon", 917}, {"Eta", 919},     {"Euml", 203},
    {"Gamma", 915},    {"Iacute", 205},  {"Icirc", 206},   {"Igrave", 204},  {"Iota", 921},
    {"Iuml", 207},     {"Kappa", 922},   {"Lambda", 923},  {"Mu", 924},      {"Ntilde", 209},
    {"Nu", 925},       {"OElig", 338},   {"Oacute", 211},  {"Ocirc", 212},   {"Ograve", 210},
    {"Omega", 937},    {"Omicron", 927}, {"Oslash", 216},  {"Otilde", 213},  {"Ouml", 214},
    {"Phi", 934},      {"Pi", 928},      {"Prime", 8243},  {"Psi", 936},     {"Rho", 929},
    {"Scaron", 352},   {"Sigma", 931},   {"THORN", 222},   {"Tau", 932},     {"Theta", 920},
    {"Uacute", 218},   {"Ucirc", 219},   {"Ugrave", 217},  {"Upsilon", 933}, {"Uuml", 220},
    {"Xi", 926},       {"Yacute", 221},  {"Yuml", 376},    {"Zeta", 918},    {"aacute", 225},
    {"acirc", 226},    {"acute", 180},   {"aelig", 230},   {"agrave", 224},  {"alefsym", 8501},
    {"alpha", 945},    {"amp", 38},      {"and", 8743},    {"ang", 8736},    {"apos", 39},
    {"aring", 229},    {"asymp", 8776},  {"atilde", 227},  {"auml", 228},    {"bdquo", 8222},
    {"beta", 946},     {"brvbar", 166},  {"bull", 8226},   {"cap", 8745},    {"ccedil", 231},
    {"cedil", 184},    {"cent", 162},    {"chi", 967},     {"circ", 710},    {"clubs", 9827},
    {"cong", 8773},    {"copy", 169},    {"crarr", 8629},  {"cup", 8746},    {"curren", 164},
    {"dArr", 8659},    {"dagger", 8224}, {"darr", 8595},   {"deg", 176},     {"delta", 948},
    {"diams", 9830},   {"divide", 247},  {"eacute", 233},  {"ecirc", 234},   {"egrave", 232},
    {"empty", 8709},   {"emsp", 8195},   {"ensp", 8194},   {"epsilon", 949}, {"equiv", 8801},
    {"eta", 951},      {"eth", 240},     {"euml", 235},    {"euro", 8364},   {"exist", 8707},
    {"fnof", 402},     {"forall", 8704}, {"frac12", 189},  {"frac14", 188},  {"frac34", 190},
    {"frasl", 8260},   {"gamma", 947},   {"ge", 8805},     {"gt", 62},       {"hArr", 8660},
    {"harr", 8596},    {"hearts", 9829}, {"hellip", 8230}, {"iacute", 237},  {"icirc", 238},
    {"iexcl", 161},    {"igrave", 236},  {"image", 8465},  {"infin", 8734},  {"int", 8747},
    {"iota", 953},     {"iquest", 191},  {"isin", 8712},   {"iuml", 239},    {"kappa", 954},
    {"lArr", 8656},    {"lambda", 955},  {"lang", 9001},   {"laquo", 171},   {"larr", 8592},
    {"lceil", 8968},   {"ldquo", 8220},  {"le", 8804},     {"lfloor", 8970}, {"lowast", 8727},
    {"loz", 9674},     {"lrm", 8206},    {"lsaquo", 8249}, {"lsquo", 8216},  {"lt", 60},
    {"macr", 175},     {"mdash", 8212},  {"micro", 181},   {"middot", 183},  {"minus", 8722},
    {"mu", 956},       {"nabla", 8711},  {"nbsp", 160},    {"ndash", 8211},  {"ne", 8800},
    {"ni", 8715},      {"not", 172},     {"notin", 8713},  {"nsub", 8836},   {"ntilde", 241},
    {"nu", 957},       {"oacute", 243},  {"ocirc", 244},   {"oelig", 339},   {"ograve", 242},
    {"oline", 8254},   {"omega", 969},   {"omicron", 959}, {"oplus", 8853},  {"or", 8744},
    {"ordf", 170},     {"ordm", 186},    {"oslash", 248},  {"otilde", 245},  {"otimes", 8855},
    {"ouml", 246},     {"para", 182},    {"part", 8706},   {"permil", 8240}, {"perp", 8869},
    {"phi", 966},      {"pi", 960},      {"piv", 982},     {"plusmn", 177},  {"pound", 163},
    {"prime", 8242},   {"prod", 8719},   {"prop", 8733},   {"psi", 968},     {"quot", 34},
    {"rArr", 8658},    {"radic", 8730},  {"rang", 9002},   {"raquo", 187},   {"rarr", 8594},
    {"rceil", 8969},   {"rdquo", 8221},  {"real", 8476},   {"reg", 174},     {"rfloor", 8971},
    {"rho", 961},      {"rlm", 8207},    {"rsaquo", 8250}, {"rsquo", 8217},  {"sbquo", 8218},
    {"scaron", 353},   {"sdot", 8901},   {"sect", 167},    {"shy", 173},     {"sigma", 963},
    {"sigmaf", 962},   {"sim", 8764},    {"spades", 9824}, {"sub", 8834},    {"sube", 8838},
    {"sum", 8721},     {"sup", 8835},    {"sup1", 185},    {"sup2", 178},    {"sup3", 179},
    {"supe", 8839},    {"szlig", 223},   {"tau", 964},     {"there4", 8756}, {"theta", 952},
    {"thetasym", 977}, {"thinsp", 8201}, {"thorn", 254},   {"tilde", 732},   {"times", 215},
    {"trade", 8482},   {"uArr", 8657},   {"uacute", 250},  {"uarr", 8593},   {"ucirc", 251},
    {"ugrave", 249},   {"uml", 168},     {"upsih", 978},   {"upsilon", 965}, {"uuml", 252},
    {"weierp", 8472},  {"xi", 958},      {"yacute", 253},  {"yen", 165},     {"yuml", 255},
    {"zeta", 950},     {"zwj", 8205},    {"zwnj", 8204},
};

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool is_name_char(char c) {
    return is_ascii_alnum(c);
}

// Parses the reference starting at text[pos] == '&'. On success appends the
// decoded text and returns the length consumed; 0 means "not a reference".
std::size_t decode_reference(std::string_view text, std::size_t pos, std::string& out) {
    std::size_t i = pos + 1;
    if (i < text.size() && text[i] == '#') {
        ++i;
        int base = 10;
        if (i < text.size() && (text[i] == 'x' || text[i] == 'X')) {
            base = 16;
            ++i;
        }
        const std::size_t digits_start = i;
        std::uint32_t value = 0;
        while (i < text.size() && i - digits_start < 8 && is_ascii_xdigit(text[i]) &&
               (base == 16 || is_ascii_digit(text[i]))) {
            const char c = text[i];
            const std::uint32_t digit = is_ascii_digit(c)
                                            ? static_cast<std::uint32_t>(c - '0')
                                            : static_cast<std::uint32_t>((c | 0x20) - 'a' + 10);
            value = value * static_cast<std::uint32_t>(base) + digit;
            ++i;
        }
        if (i == digits_start) {
            return 0;
        }
        if (i < text.size() && text[i] == ';') {
            ++i;
        }
        // Feeds written in windows-1252 often carry its code points as references.
        if (value >= 0x80 && value < 0xA0) {
            value = static_cast<std::uint32_t>(
                windows1252_code_point(static_cast<unsigned char>(value)));
        }
        append_utf8(out, value == 0 ? char32_t{0xFFFD} : char32_t{value});
        return i - pos;
    }
    const std::size_t name_start = i;
    while (i < text.size() && i - name_start < 32 && is_name_char(text[i])) {
        ++i;
    }
    if (i == name_start) {
        return 0;
    }
    const auto code_point = html_entity(text.substr(name_start, i - name_start));
    if (!code_point) {
        return 0;
    }
    if (i < text.size() && text[i] == ';') {
        ++i;
    }
    append_utf8(out, *code_point);
    return i - pos;
}

// Byte length of the Unicode space separator at text[i], or 0.
std::size_t unicode_space_width(std::string_view text, std::size_t i) {
    auto byte = [&](std::size_t k) {
        return i + k < text.size() ? static_cast<unsigned char>(text[i + k]) : 0U;
    };
    if (byte(0) == 0xC2 && byte(1) == 0xA0) {
        return 2;  // U+00A0
    }
    if (byte(0) == 0xE2 && byte(1) == 0x80 &&
        ((byte(2) >= 0x80 && byte(2) <= 0x8A) || byte(2) == 0xA8 || byte(2) == 0xA9 ||
         byte(2) == 0xAF)) {
        return 3;  // U+2000–U+200A, U+2028, U+2029, U+202F
    }
    if ((byte(0) == 0xE2 && byte(1) == 0x81 && byte(2) == 0x9F) ||
        (byte(0) == 0xE3 && byte(1) == 0x80 && byte(2) == 0x80) ||
        (byte(0) == 0xE1 && byte(1) == 0x9A && byte(2) == 0x80)) {
        return 3;  // U+205F, U+3000, U+1680
    }
    return 0;
}

#if defined(__SSE2__)
bool is_plain_ascii(char c) {
    return static_cast<unsigned char>(c) - 0x21U < 0x5FU;  // 0x21–0x7F
}

// How many of the 16 bytes at text[i] (i + 16 <= size) collapse_whitespace copies as they are:
// bytes in 0x21–0x7F, non-ASCII bytes other than the lead bytes of Unicode spaces (a run never
// starts inside a sequence: runs stop before lead bytes, and the byte-wise path in
// collapse_whitespace takes a space sequence whole), and a ' ' with bytes in 0x21–0x7F on both
// sides. A byte before text[i] in that range was copied already, so a space right after it is
// a single one too.
std::size_t verbatim_run(std::string_view text, std::size_t i) {
    using scan::mask16;
    using scan::splat16;
    const __m128i x = scan::load16(text, i);  // bit k of each mask stands for text[i + k]
    // As signed bytes, those below 0x21 are spaces, controls and non-ASCII (0x80–0xFF).
    const unsigned ascii_plain = ~mask16(_mm_cmplt_epi8(x, splat16(0x21))) & 0xFFFFU;
    const __m128i up_to_20 = _mm_cmpeq_epi8(_mm_min_epu8(x, splat16(0x20)), x);
    const __m128i from_e1 = _mm_sub_epi8(x, splat16(0xE1));
    const __m128i space_lead = _mm_cmpeq_epi8(x, splat16(0xC2)) |
                               _mm_cmpeq_epi8(_mm_min_epu8(from_e1, splat16(2)), from_e1);
    const unsigned copied = ~mask16(up_to_20 | space_lead) & 0xFFFFU;
    const unsigned space = mask16(_mm_cmpeq_epi8(x, splat16(' ')));
    const bool plain_before_block = i > 0 && is_plain_ascii(text[i - 1]);
    const bool plain_after_block = i + 16 < text.size() && is_plain_ascii(text[i + 16]);
    const unsigned before = (ascii_plain << 1) | (plain_before_block ? 1U : 0U);
    const unsigned after = (ascii_plain >> 1) | (plain_after_block ? 0x8000U : 0U);
    const unsigned other = ~(copied | (space & before & after)) & 0xFFFFU;
    return other == 0 ? 16 : static_cast<std::size_t>(std::countr_zero(other));
}
#endif

// name is lower-case.
bool is_block_element(std::string_view name) {
    // By length: a tag name is compared with the few block names of its length only.
    switch (name.size()) {
        case 1:
            return name[0] == 'p';
        case 2: {
            static constexpr std::string_view blocks[] = {"br", "dd", "dl", "dt", "h1", "h2",
                                                          "h3", "h4", "h5", "h6", "hr", "li",
                                                          "ol", "td", "th", "tr", "ul"};
            return std::find(std::begin(blocks), std::end(blocks), name) != std::end(blocks);
        }
        case 3:
            return name == "div" || name == "nav" || name == "pre";
        case 4:
            return name == "main";
        case 5:
            return name == "aside" || name == "table" || name == "tbody" || name == "thead" ||
                   name == "tfoot";
        case 6:
            return name == "figure" || name == "footer" || name == "header";
        case 7:
            return name == "address" || name == "article" || name == "section";
        case 10:
            return name == "blockquote" || name == "figcaption";
        default:
            return false;
    }
}

}  // namespace

void append_utf8(std::string& out, char32_t code_point) {
    auto cp = static_cast<std::uint32_t>(code_point);
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        cp = 0xFFFD;
    }
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::optional<char32_t> html_entity(std::string_view name) {
    const auto* found =
        std::lower_bound(std::begin(entities), std::end(entities), name,
                         [](const named_entity& e, std::string_view n) { return e.name < n; });
    if (found == std::end(entities) || found->name != name) {
        return std::nullopt;
    }
    return found->code_point;
}

std::string decode_entities(std::string_view html) {
    std::string out;
    out.reserve(html.size());
    for (std::size_t i = 0; i < html.size();) {
        if (html[i] == '&') {
            if (const std::size_t used = decode_reference(html, i, out); used > 0) {
                i += used;
                continue;
            }
        }
        out.push_back(html[i]);
        ++i;
    }
    return out;
}

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) {
        text.remove_prefix(1);
    }
    while (!text.empty() && is_space(text.back())) {
        text.remove_suffix(1);
    }
    return text;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        c = ascii_lower(c);
    return out;
}

namespace {

// The length of the control character at text[i] that drop_control_characters acts on: 1
// (C0, DEL), 2 (C1 as UTF-8), or 0 for none.
std::size_t control_length(std::string_view text, std::size_t i) {
    if (scan::is_xml_control(text[i]) || text[i] == '\x7F') {
        return 1;
    }
    if (text[i] == '\xC2' && i + 1 < text.size()) {
        const auto next = static_cast<unsigned char>(text[i + 1]);
        return next >= 0x80 && next < 0xA0 ? 2 : 0;
    }
    return 0;
}

}  // namespace

bool drop_control_characters(std::string& text) {
    // Nearly every field has none: find the first before copying anything.
    std::size_t i = scan::find_control_candidate(text, 0);
    while (i < text.size() && control_length(text, i) == 0) {
        i = scan::find_control_candidate(text, i + 1);
    }
    if (i == text.size()) {
        return false;
    }
    std::string out;
    out.reserve(text.size());
    out.append(text, 0, i);
    while (i < text.size()) {
        const std::size_t next = scan::find_control_candidate(text, i);
        out.append(text, i, next - i);
        if (next == text.size()) {
            break;
        }
        const std::size_t length = control_length(text, next);
        if (length == 0) {
            out.push_back(text[next]);  // 0xC2 leading a printable character
            i = next + 1;
            continue;
        }
        if (length == 2) {
            const char32_t mapped =
                windows1252_code_point(static_cast<unsigned char>(text[next + 1]));
            if (mapped >= 0xA0) {  // 0x81, 0x8D, 0x8F, 0x90, 0x9D have no character
                append_utf8(out, mapped);
            }
        }
        i = next + length;
    }
    text = std::move(out);
    return true;
}

std::string collapse_whitespace(std::string_view text) {
    // Per byte: 0 = never a space, 1 = ASCII space, 2 = may start a Unicode space
    // (U+00A0, U+1680, U+2000–U+205F, U+3000).
    static constexpr auto byte_class = [] {
        std::array<unsigned char, 256> table{};
        for (const unsigned char c : {' ', '\t', '\n', '\r', '\f', '\v'}) {
            table[c] = 1;
        }
        for (const unsigned c : {0xC2U, 0xE1U, 0xE2U, 0xE3U}) {
            table[c] = 2;
        }
        return table;
    }();
    // The output is never longer than the input: write through a pointer, shrink at the end.
    std::string out(text.size(), '\0');
    char* const begin = out.data();
    char* w = begin;
    bool pending_space = false;
    const std::size_t n = text.size();
    for (std::size_t i = 0; i < n;) {
#if defined(__SSE2__)
        // 16 bytes at a time: the leading bytes that stay as they are are copied at once; the
        // first other byte (a space to collapse or drop, a control, a Unicode space) is looked
        // at below. Without SSE2 every byte is.
        if (i + 16 <= n) {
            if (const std::size_t run = verbatim_run(text, i); run > 0) {
                if (pending_space && w != begin) {
                    *w++ = ' ';
                }
                pending_space = false;
                // The whole block: the output never runs ahead of the input (w - begin <= i).
                std::memcpy(w, text.data() + i, 16);
                w += run;
                i += run;
                continue;
            }
        }
#endif
        const char c = text[i];
        if (const unsigned char kind = byte_class[static_cast<unsigned char>(c)]; kind != 0) {
            const std::size_t width = kind == 1 ? 1 : unicode_space_width(text, i);
            if (width > 0) {
                pending_space = true;
                i += width;
                continue;
            }
        }
        if (pending_space && w != begin) {
            *w++ = ' ';
        }
        pending_space = false;
        *w++ = c;
        ++i;
    }
    out.resize(static_cast<std::size_t>(w - begin));
    return out;
}

std::string html_to_text(std::string_view html) {
    if (html.find('<') == std::string_view::npos && html.find('&') == std::string_view::npos) {
        return collapse_whitespace(html);  // no markup, no references: plain text already
    }
    std::string raw;
    raw.reserve(html.size());
    std::size_t i = 0;
    // Where the next '<' and '&' are (size: none), found with memchr and kept until passed.
    auto find_byte = [&](char wanted, std::size_t from) {
        if (from >= html.size()) {
            return html.size();
        }
        const void* at = std::memchr(html.data() + from, wanted, html.size() - from);
        return at == nullptr ? html.size()
                             : static_cast<std::size_t>(static_cast<const char*>(at) - html.data());
    };
    std::size_t next_lt = find_byte('<', 0);
    std::size_t next_amp = find_byte('&', 0);
    while (i < html.size()) {
        // Text up to the next '<' or '&' is copied as it is.
        if (next_lt < i) {
            next_lt = find_byte('<', i);
        }
        if (next_amp < i) {
            next_amp = find_byte('&', i);
        }
        if (const std::size_t plain_end = std::min(next_lt, next_amp); plain_end > i) {
            raw.append(html.substr(i, plain_end - i));
            i = plain_end;
            continue;
        }
        const char c = html[i];
        if (c == '<') {
            if (html.substr(i, 4) == "<!--") {
                const auto end = html.find("-->", i + 4);
                i = end == std::string_view::npos ? html.size() : end + 3;
                continue;
            }
            if (html.substr(i, 9) == "<![CDATA[") {
                const auto end = html.find("]]>", i + 9);
                const auto stop = end == std::string_view::npos ? html.size() : end;
                raw.append(html.substr(i + 9, stop - (i + 9)));
                i = end == std::string_view::npos ? html.size() : end + 3;
                continue;
            }
            std::size_t j = i + 1;
            const bool closing = j < html.size() && html[j] == '/';
            if (closing) {
                ++j;
            }
            // "<!" only opens markup before a name or "--" (<!DOCTYPE, <!-- ...).
            const bool bang = j + 1 < html.size() && html[j] == '!' && !closing &&
                              (is_ascii_alpha(html[j + 1]) || html[j + 1] == '-');
            const bool tag_like = j < html.size() &&
                                  (is_ascii_alpha(html[j]) || bang || (html[j] == '?' && !closing));
            if (!tag_like) {
                raw.push_back(c);
                ++i;
                continue;
            }
            std::size_t name_end = j;
            while (name_end < html.size() && (is_ascii_alnum(html[name_end]) ||
                                              html[name_end] == ':' || html[name_end] == '-')) {
                ++name_end;
            }
            // Lower-cased on the stack: no name longer than 10 bytes means anything below.
            char lowered[10];
            const std::size_t name_size = name_end - j;
            std::string_view name;
            if (name_size <= sizeof lowered) {
                for (std::size_t k = 0; k < name_size; ++k) {
                    const char ch = html[j + k];
                    lowered[k] = ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch;
                }
                name = std::string_view(lowered, name_size);
            }
            // Find the end of the tag, skipping quoted attribute values (links make them long:
            // each stretch is searched for its one or three bytes of interest).
            std::size_t k = name_end;
            while (k < html.size()) {
                k = scan::find_any<'>', '"', '\''>(html, k);
                if (k == html.size() || html[k] == '>') {
                    break;
                }
                // Only a quote opening an attribute value counts; a stray one
                // (href=http://x/") must not swallow the rest of the text.
                if (html[k - 1] == '=') {
                    k = find_byte(html[k], k + 1);  // its closing quote, or the end
                }
                ++k;
            }
            i = k < html.size() ? k + 1 : html.size();
            if (is_block_element(name)) {
                raw.push_back(' ');
            }
            // Script and style bodies are not text.
            if (!closing && (name == "script" || name == "style")) {
                const std::string close = "</" + std::string(name);
                std::size_t end = i;
                while (end < html.size()) {
                    end = html.find("</", end);
                    if (end == std::string_view::npos) {
                        break;
                    }
                    std::string candidate(html.substr(end, close.size()));
                    std::transform(
                        candidate.begin(), candidate.end(), candidate.begin(), [](char ch) {
                            return static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                        });
                    if (candidate == close) {
                        break;
                    }
                    end += 2;
                }
                if (end == std::string_view::npos) {
                    i = html.size();
                } else {
                    const auto gt = html.find('>', end);
                    i = gt == std::string_view::npos ? html.size() : gt + 1;
                }
            }
            continue;
        }
        if (c == '&') {
            if (const std::size_t used = decode_reference(html, i, raw); used > 0) {
                i += used;
                continue;
            }
        }
        raw.push_back(c);
        ++i;
    }
    return collapse_whitespace(raw);
}

std::string teaser(std::string_view text, std::size_t max_bytes) {
    auto out = collapse_whitespace(text);
    if (out.size() <= max_bytes) return out;
    auto cut = out.rfind(' ', max_bytes);
    if (cut == std::string::npos || cut == 0) {
        // One long word: cut before a UTF-8 continuation byte never splits a character.
        cut = max_bytes;
        while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0U) == 0x80U)
            --cut;
    }
    out.resize(cut);
    // A cut after punctuation reads better without it: "said," → "said…".
    while (!out.empty() && (out.back() == ',' || out.back() == ';' || out.back() == ':'))
        out.pop_back();
    return out + "\u2026";
}

void append_html_escaped(std::string& out, std::string_view text, bool escape_quotes) {
    std::size_t run = 0;  // text[run, k) has nothing to escape: appended in one go
    for (std::size_t k = scan::find_any<'&', '<', '>', '"'>(text, 0); k < text.size();
         k = scan::find_any<'&', '<', '>', '"'>(text, k + 1)) {
        std::string_view escaped;
        switch (text[k]) {
            case '&':
                escaped = "&amp;";
                break;
            case '<':
                escaped = "&lt;";
                break;
            case '>':
                escaped = "&gt;";
                break;
            default:  // '"'
                escaped = escape_quotes ? "&quot;" : "";
                break;
        }
        if (!escaped.empty()) {
            out.append(text.substr(run, k - run));
            out.append(escaped);
            run = k + 1;
        }
    }
    out.append(text.substr(run));
}

std::string escape_html(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    append_html_escaped(out, text, true);
    return out;
}

}  // namespace feedd::feeds
