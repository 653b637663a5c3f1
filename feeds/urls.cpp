#include "feeds/urls.hpp"

#include <algorithm>
#include <cctype>

#include <boost/url.hpp>

#include "feeds/text.hpp"

namespace feedd::feeds {
namespace urls = boost::urls;

namespace {

// text with the bytes `encode` picks percent-encoded. (Boost.URL's encode() insists on
// encoding '%' too, which would encode the escapes already there a second time.)
template <class Predicate>
std::string percent_encode_if(std::string_view text, Predicate encode) {
    std::string out;
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if (encode(u)) {
            static constexpr char hex[] = "0123456789ABCDEF";
            out.push_back('%');
            out.push_back(hex[u >> 4]);
            out.push_back(hex[u & 0xF]);
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Feeds put spaces and other stray characters in links; encode them so the
// reference parses instead of being dropped.
std::string encode_stray(std::string_view ref) {
    return percent_encode_if(ref, [](unsigned char u) {
        return u <= 0x20 || u >= 0x7F || u == '"' || u == '<' || u == '>' || u == '\\' ||
               u == '^' || u == '`' || u == '{' || u == '|' || u == '}';
    });
}

}  // namespace

// A relative reference can't have ':' in its first segment, so such a reference is absolute
// and resolves to itself whether it parses or not.
bool starts_with_scheme(std::string_view text) {
    // ASCII classes inline (<cctype>'s in the C locale, without a library call per byte).
    if (text.empty() || !is_ascii_alpha(text[0])) {
        return false;
    }
    for (const char c : text.substr(1)) {
        if (c == ':') {
            return true;
        }
        if (!is_ascii_alnum(c) && c != '+' && c != '-' && c != '.') {
            return false;
        }
    }
    return false;
}

std::string resolve_url(std::string_view base, std::string_view ref) {
    const std::string_view given = trim(ref);
    if (starts_with_scheme(given)) {
        return std::string(given);  // the common case, without parsing anything
    }
    const std::string base_text = encode_stray(trim(base));
    const std::string ref_text = encode_stray(given);
    auto parsed_ref = urls::parse_uri_reference(ref_text);
    if (!parsed_ref) {
        return std::string(given);
    }
    if (parsed_ref->has_scheme()) {
        return std::string(given);
    }
    auto parsed_base = urls::parse_uri(base_text);
    if (base_text.empty() || !parsed_base) {
        return std::string(given);
    }
    urls::url out;
    if (auto rc = urls::resolve(*parsed_base, *parsed_ref, out); !rc) {
        return std::string(given);
    }
    drop_segments_above_root(out);
    return std::string(out.buffer());
}

void drop_segments_above_root(urls::url& u) {
    const std::string_view path = u.encoded_path();
    std::size_t start = 0;
    while (path.substr(start).starts_with("/..") &&
           (path.size() == start + 3 || path[start + 3] == '/')) {
        start += 3;
    }
    if (start == 0) return;
    u.set_encoded_path(start == path.size() ? std::string("/") : std::string(path.substr(start)));
}

std::optional<std::uint16_t> tcp_port(std::string_view text) {
    if (text.empty()) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    for (const char c : text) {
        if (!is_ascii_digit(c)) {
            return std::nullopt;
        }
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
        if (value > 65535) {
            return std::nullopt;  // stop before a long run of digits can overflow
        }
    }
    if (value == 0) {
        return std::nullopt;
    }
    return static_cast<std::uint16_t>(value);
}

std::string percent_encode_non_ascii(std::string_view text) {
    return percent_encode_if(text, [](unsigned char u) { return u >= 0x80; });
}

bool is_http_url(std::string_view url) {
    std::string prefix(url.substr(0, 8));
    std::transform(prefix.begin(), prefix.end(), prefix.begin(), [](char c) {
        return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    });
    return prefix.rfind("http://", 0) == 0 || prefix.rfind("https://", 0) == 0;
}

}  // namespace feedd::feeds
