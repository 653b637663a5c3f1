#include "storage/json_columns.hpp"

#include <array>
#include <charconv>
#include <optional>

namespace feedd::storage {
namespace {

// Per byte: 0 = copied as it is, 'u' = "\u00xx", else the letter after the backslash.
constexpr auto escapes = [] {
    std::array<char, 256> table{};
    for (std::size_t c = 0; c < 0x20; ++c) {
        table[c] = 'u';
    }
    table['\b'] = 'b';
    table['\t'] = 't';
    table['\n'] = 'n';
    table['\f'] = 'f';
    table['\r'] = 'r';
    table['"'] = '"';
    table['\\'] = '\\';
    return table;
}();

std::size_t size_of(const std::optional<std::string>& value) {
    return value ? value->size() : 0;
}

// The JSON array of `elements`, each written by write(out, element). `out` is allocated once:
// per element, its fields' bytes (`sizes`) and `fixed` for the keys and punctuation.
template <typename Element, typename Sizes, typename Write>
std::string array_to_json(const std::vector<Element>& elements, std::size_t fixed, Sizes sizes,
                          Write write) {
    std::size_t total = 2;
    for (const auto& e : elements) {
        total += fixed + sizes(e);
    }
    std::string out;
    out.reserve(total);
    out += '[';
    for (const auto& e : elements) {
        if (out.size() > 1) {
            out += ',';
        }
        write(out, e);
    }
    out += ']';
    return out;
}

// `key` (with its punctuation) and the value, null when missing.
void append_field(std::string& out, std::string_view key, const std::optional<std::string>& value) {
    out += key;
    if (value) {
        append_json_string(out, *value);
    } else {
        out += "null";
    }
}

}  // namespace

void append_json_string(std::string& out, std::string_view value) {
    out += '"';
    std::size_t plain = 0;  // start of the bytes not yet copied
    for (std::size_t i = 0; i < value.size(); ++i) {
        const auto byte = static_cast<unsigned char>(value[i]);
        const char escape = escapes[byte];
        if (escape == 0) {
            continue;
        }
        out.append(value, plain, i - plain);
        plain = i + 1;
        out += '\\';
        if (escape != 'u') {
            out += escape;
            continue;
        }
        static constexpr std::string_view hex = "0123456789abcdef";
        out += "u00";
        out += hex[byte >> 4U];
        out += hex[byte & 15U];
    }
    out.append(value, plain);
    out += '"';
}

std::string strings_to_json(const std::vector<std::string>& values) {
    return array_to_json(
        values, 3, [](const std::string& v) { return v.size(); }, append_json_string);
}

std::string authors_to_json(const std::vector<feeds::person>& authors) {
    return array_to_json(
        authors, 40,
        [](const feeds::person& a) { return size_of(a.name) + size_of(a.email) + size_of(a.url); },
        [](std::string& out, const feeds::person& a) {
            append_field(out, "{\"name\":", a.name);
            append_field(out, ",\"email\":", a.email);
            append_field(out, ",\"url\":", a.url);
            out += '}';
        });
}

std::string enclosures_to_json(const std::vector<feeds::enclosure>& enclosures) {
    return array_to_json(
        enclosures, 60, [](const feeds::enclosure& e) { return e.url.size() + size_of(e.type); },
        [](std::string& out, const feeds::enclosure& e) {
            out += "{\"url\":";
            append_json_string(out, e.url);
            append_field(out, ",\"type\":", e.type);
            out += ",\"length\":";
            if (e.length) {
                std::array<char, 24> digits{};
                const auto written = std::to_chars(digits.begin(), digits.end(), *e.length);
                out.append(digits.data(), written.ptr);
            } else {
                out += "null";
            }
            out += '}';
        });
}

}  // namespace feedd::storage
