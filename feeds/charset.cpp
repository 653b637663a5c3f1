#include "feeds/charset.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <utility>

#include <iconv.h>
#include <utf8proc.h>

#include "feeds/byte_scan.hpp"
#include "feeds/text.hpp"

namespace feedd::feeds {
namespace {

// The encoding named in an ASCII-compatible XML declaration, lower-cased.
std::string declared_encoding(std::string_view bytes) {
    const auto start = bytes.find("<?xml");
    if (start == std::string_view::npos || start > 256) {
        return {};
    }
    const auto end = bytes.find("?>", start);
    if (end == std::string_view::npos) {
        return {};
    }
    const auto decl = bytes.substr(start, end - start);
    const auto key = decl.find("encoding");
    if (key == std::string_view::npos) {
        return {};
    }
    auto pos = decl.find_first_of("\"'", key);
    if (pos == std::string_view::npos) {
        return {};
    }
    const char quote = decl[pos];
    const auto close = decl.find(quote, pos + 1);
    if (close == std::string_view::npos) {
        return {};
    }
    return ascii_lower(decl.substr(pos + 1, close - pos - 1));
}

bool is_utf8_label(std::string_view name) {
    return name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii" ||
           name == "unicode-1-1-utf-8" || name == "ansi_x3.4-1968" || name == "cp65001";
}

// Labels that WHATWG maps to windows-1252: their C1 range is always cp1252 in practice.
bool is_latin1_label(std::string_view name) {
    return name == "iso-8859-1" || name == "latin1" || name == "latin-1" || name == "l1" ||
           name == "windows-1252" || name == "cp1252" || name == "x-cp1252" ||
           name == "iso8859-1" || name == "iso_8859-1";
}

std::string from_windows1252(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 4);
    for (const char c : bytes) {
        append_utf8(out, windows1252_code_point(static_cast<unsigned char>(c)));
    }
    return out;
}

// Labels iconv doesn't know, or knows as a narrower charset than the one feeds mean
// by them (WHATWG Encoding Standard: Shift_JIS is windows-31j, EUC-KR is windows-949,
// GB2312 is GBK, Big5 is Big5-HKSCS).
constexpr std::pair<std::string_view, std::string_view> charset_aliases[] = {
    {"shift_jis", "CP932"},
    {"shift-jis", "CP932"},
    {"sjis", "CP932"},
    {"x-sjis", "CP932"},
    {"ms_kanji", "CP932"},
    {"ms932", "CP932"},
    {"csshiftjis", "CP932"},
    {"windows-31j", "CP932"},
    {"x-ms-cp932", "CP932"},
    {"x-euc-jp", "EUC-JP"},
    {"cseucpkdfmtjapanese", "EUC-JP"},
    {"euc-kr", "CP949"},
    {"ks_c_5601-1987", "CP949"},
    {"ks_c_5601-1989", "CP949"},
    {"ksc5601", "CP949"},
    {"ksc_5601", "CP949"},
    {"korean", "CP949"},
    {"csksc56011987", "CP949"},
    {"iso-ir-149", "CP949"},
    {"windows-949", "CP949"},
    {"cseuckr", "CP949"},
    {"x-windows-949", "CP949"},
    {"gb2312", "GBK"},
    {"x-gbk", "GBK"},
    {"gb_2312-80", "GBK"},
    {"gb_2312", "GBK"},
    {"csgb2312", "GBK"},
    {"chinese", "GBK"},
    {"iso-ir-58", "GBK"},
    {"csiso58gb231280", "GBK"},
    {"x-gb2312", "GBK"},
    {"euc-cn", "GBK"},
    {"big5", "BIG5-HKSCS"},
    {"big5-hkscs", "BIG5-HKSCS"},
    {"cn-big5", "BIG5-HKSCS"},
    {"csbig5", "BIG5-HKSCS"},
    {"x-x-big5", "BIG5-HKSCS"},
    {"koi8", "KOI8-R"},
    {"koi8_r", "KOI8-R"},
    {"cskoi8r", "KOI8-R"},
    {"koi8-ru", "KOI8-U"},
    {"windows-874", "CP874"},
    {"tis-620", "CP874"},
    {"iso-8859-11", "CP874"},
    {"x-mac-cyrillic", "MAC-CYRILLIC"},
    {"x-mac-ukrainian", "MAC-CYRILLIC"},
    {"macintosh", "MACINTOSH"},
    {"x-mac-roman", "MACINTOSH"},
    {"mac", "MACINTOSH"},
};

std::string iconv_alias(const std::string& name) {
    for (const auto& [label, iconv_name] : charset_aliases) {
        if (name == label) {
            return std::string(iconv_name);
        }
    }
    // "x-cp1250", "x-windows-1251": the x- prefix adds nothing iconv needs.
    if (name.rfind("x-", 0) == 0) {
        return name.substr(2);
    }
    return name;
}

// The code unit of a fixed-width Unicode encoding in bytes, 1 for every other charset.
std::size_t code_unit_bytes(std::string_view iconv_name) {
    const std::string name = ascii_lower(iconv_name);
    const auto opens = [&](std::string_view prefix) { return name.rfind(prefix, 0) == 0; };
    if (opens("utf-16") || opens("utf16") || opens("ucs-2") || opens("ucs2") || opens("unicode") ||
        opens("iso-10646-ucs-2") || opens("csunicode")) {
        return 2;
    }
    if (opens("utf-32") || opens("utf32") || opens("ucs-4") || opens("ucs4") ||
        opens("iso-10646-ucs-4") || opens("csucs4")) {
        return 4;
    }
    return 1;
}

// Converts with iconv; bytes the charset can't map become U+FFFD. nullopt when
// iconv doesn't know the charset.
std::optional<std::string> convert(std::string_view bytes, const std::string& charset) {
    const std::string iconv_name = iconv_alias(charset);
    // Skipping less than a whole code unit after a bad one (a lone surrogate) would
    // misalign every unit after it and garble the rest of the document.
    const std::size_t unit = code_unit_bytes(iconv_name);
    const iconv_t cd = iconv_open("UTF-8", iconv_name.c_str());
    if (cd == reinterpret_cast<iconv_t>(-1)) {  // NOLINT: iconv's documented failure value
        return std::nullopt;
    }
    std::string out;
    std::array<char, 4096> buffer{};
    std::string input(bytes);
    char* in_ptr = input.data();
    std::size_t in_left = input.size();
    while (in_left > 0) {
        char* out_ptr = buffer.data();
        std::size_t out_left = buffer.size();
        const std::size_t rc = iconv(cd, &in_ptr, &in_left, &out_ptr, &out_left);
        out.append(buffer.data(), buffer.size() - out_left);
        if (rc == static_cast<std::size_t>(-1)) {
            if (errno == E2BIG) {
                continue;
            }
            // EILSEQ or a truncated sequence at the end: replace one code unit and go on.
            out += "\xEF\xBF\xBD";
            const std::size_t skip = std::min(unit, in_left);
            in_ptr += skip;
            in_left -= skip;
            iconv(cd, nullptr, nullptr, nullptr, nullptr);
        }
    }
    iconv_close(cd);
    return out;
}

std::string strip_utf8_bom(std::string text) {
    if (text.rfind("\xEF\xBB\xBF", 0) == 0) {
        text.erase(0, 3);
    }
    return text;
}

decoded_text as_utf8(std::string_view bytes) {
    if (is_valid_utf8(bytes)) {
        if (bytes.starts_with("\xEF\xBB\xBF")) {
            bytes.remove_prefix(3);  // drop the BOM before copying, not after
        }
        return {std::string(bytes), "utf-8", {}};
    }
    return {strip_utf8_bom(from_windows1252(bytes)), "windows-1252", {}};
}

// A conversion that doesn't yield markup means the label was wrong (a UCS-2
// label on an ASCII file, say): the bytes themselves are the better witness.
bool looks_like_markup(const std::string& text) {
    const auto first = text.find_first_not_of(" \t\r\n");
    return first == std::string::npos || text[first] == '<' || text[first] == '{';
}

decoded_text with_charset(std::string_view bytes, const std::string& charset);

decoded_text with_checked_charset(std::string_view bytes, const std::string& charset) {
    decoded_text result = with_charset(bytes, charset);
    if (result.utf8 && !looks_like_markup(*result.utf8) &&
        looks_like_markup(std::string(bytes.substr(0, 64)))) {
        return as_utf8(bytes);
    }
    return result;
}

decoded_text with_charset(std::string_view bytes, const std::string& charset) {
    if (charset.empty() || is_utf8_label(charset)) {
        return as_utf8(bytes);
    }
    if (is_latin1_label(charset)) {
        return {from_windows1252(bytes), "windows-1252", {}};
    }
    if (auto text = convert(bytes, charset)) {
        // glibc's iconv takes some odd spellings of UTF-8 ("utf\r8") and copies bad bytes through.
        if (!is_valid_utf8(*text)) *text = to_valid_utf8(*text);
        return {strip_utf8_bom(std::move(*text)), charset, {}};
    }
    // An unknown label: the content is most likely UTF-8 anyway.
    return as_utf8(bytes);
}

}  // namespace

std::string charset_from_content_type(std::string_view content_type) {
    const std::string ct = ascii_lower(content_type);
    const auto pos = ct.find("charset=");
    if (pos == std::string::npos) {
        return {};
    }
    std::string value = ct.substr(pos + 8);
    const auto end = value.find_first_of("; \t");
    if (end != std::string::npos) {
        value.erase(end);
    }
    value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
    value.erase(std::remove(value.begin(), value.end(), '\''), value.end());
    return value;
}

char32_t windows1252_code_point(unsigned char byte) {
    static constexpr std::array<char16_t, 32> c1 = {
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
        0x2039, 0x0152, 0x008D, 0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
        0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178};
    if (byte >= 0x80 && byte < 0xA0) {
        return c1[byte - 0x80U];
    }
    return byte;
}

bool is_valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    const std::size_t n = bytes.size();
    while (i < n) {
        // Most of a feed is ASCII: skip to the next byte that is not.
        i = scan::find_non_ascii(bytes, i);
        if (i == n) {
            break;
        }
        const auto c = static_cast<unsigned char>(bytes[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        if ((c & 0xE0) == 0xC0) {
            len = 2;
            cp = c & 0x1FU;
        } else if ((c & 0xF0) == 0xE0) {
            len = 3;
            cp = c & 0x0FU;
        } else if ((c & 0xF8) == 0xF0) {
            len = 4;
            cp = c & 0x07U;
        } else {
            return false;
        }
        if (i + len > n) {
            return false;
        }
        for (std::size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(bytes[i + k]);
            if ((cc & 0xC0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (cc & 0x3FU);
        }
        const bool overlong =
            (len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            return false;
        }
        i += len;
    }
    return true;
}

namespace {

// C1 control characters (U+0080–U+009F) never mean themselves in a feed: they are
// windows-1252 punctuation that went through a latin-1 conversion ("demoronising").
void replace_c1_controls(std::string& text) {
    // Most documents have none: find the first before copying anything.
    std::size_t first = text.find('\xC2');
    while (first != std::string::npos &&
           !(first + 1 < text.size() && static_cast<unsigned char>(text[first + 1]) >= 0x80 &&
             static_cast<unsigned char>(text[first + 1]) < 0xA0)) {
        first = text.find('\xC2', first + 1);
    }
    if (first == std::string::npos) {
        return;
    }
    std::string out;
    out.reserve(text.size());
    out.append(text, 0, first);
    for (std::size_t i = first; i < text.size(); ++i) {
        const auto next = i + 1 < text.size() ? static_cast<unsigned char>(text[i + 1]) : 0U;
        if (text[i] == '\xC2' && next >= 0x80 && next < 0xA0) {
            append_utf8(out, windows1252_code_point(static_cast<unsigned char>(next)));
            ++i;
        } else {
            out.push_back(text[i]);
        }
    }
    text = std::move(out);
}

decoded_text decode_detected(std::string_view bytes, std::string_view http_charset);

}  // namespace

std::string to_valid_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
    auto left = static_cast<utf8proc_ssize_t>(bytes.size());
    while (left > 0) {
        utf8proc_int32_t cp = 0;
        const auto used = utf8proc_iterate(p, left, &cp);
        const auto step = used > 0 ? used : 1;
        append_utf8(out, used > 0 ? static_cast<char32_t>(cp) : U'\uFFFD');
        p += step;
        left -= step;
    }
    return out;
}

decoded_text decode_document(std::string_view bytes, std::string_view http_charset) {
    decoded_text result = decode_detected(bytes, http_charset);
    if (result.utf8) {
        replace_c1_controls(*result.utf8);
    }
    return result;
}

namespace {

decoded_text decode_detected(std::string_view bytes, std::string_view http_charset) {
    const std::string http = ascii_lower(trim(http_charset));
    // UTF-16 is self-describing through its BOM, whatever a wrong header claims.
    auto starts = [&](std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; };
    if (starts(std::string_view("\xFF\xFE\x00\x00", 4))) {
        return with_charset(bytes.substr(4), "utf-32le");
    }
    if (starts(std::string_view("\x00\x00\xFE\xFF", 4))) {
        return with_charset(bytes.substr(4), "utf-32be");
    }
    if (starts("\xFF\xFE")) {
        return with_charset(bytes.substr(2), "utf-16le");
    }
    if (starts("\xFE\xFF")) {
        return with_charset(bytes.substr(2), "utf-16be");
    }
    if (!http.empty() && !(http.rfind("utf-16", 0) == 0 || http.rfind("utf-32", 0) == 0)) {
        return with_checked_charset(bytes, http);
    }
    if (starts("\xEF\xBB\xBF")) {
        return as_utf8(bytes);
    }
    // No BOM: recognise UTF-16/32 from how "<?" is laid out (XML 1.0 appendix F).
    if (starts(std::string_view("\x00\x00\x00\x3C", 4))) {
        return with_charset(bytes, "utf-32be");
    }
    if (starts(std::string_view("\x3C\x00\x00\x00", 4))) {
        return with_charset(bytes, "utf-32le");
    }
    if (starts(std::string_view("\x00\x3C\x00\x3F", 4)) ||
        (starts(std::string_view("\x00\x3C", 2)))) {
        return with_charset(bytes, "utf-16be");
    }
    if (starts(std::string_view("\x3C\x00\x3F\x00", 4)) ||
        (starts(std::string_view("\x3C\x00", 2)))) {
        return with_charset(bytes, "utf-16le");
    }
    // "<?xm" in EBCDIC: such documents exist, and their declaration is unreadable as ASCII.
    if (starts("\x4C\x6F\xA7\x94")) {
        return with_charset(bytes, http.empty() ? std::string("ibm037") : http);
    }
    if (!http.empty()) {
        return with_checked_charset(bytes, http);
    }
    std::string declared = declared_encoding(bytes);
    // A declaration saying UTF-16 in an ASCII-compatible document is wrong.
    if (declared.rfind("utf-16", 0) == 0 || declared.rfind("utf-32", 0) == 0) {
        declared.clear();
    }
    return with_checked_charset(bytes, declared);
}

}  // namespace

}  // namespace feedd::feeds
