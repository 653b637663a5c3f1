#include "stories/fold.hpp"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "feeds/charset.hpp"

namespace feedd::stories {

namespace {

bool is_ascii(char c) {
    return static_cast<unsigned char>(c) < 0x80;
}

void append_ascii_folded(std::string& out, std::string_view ascii) {
    for (const char c : ascii)
        out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

// The whole fold for valid UTF-8, through utf8proc.
void append_utf8proc_folded(std::string& out, std::string_view valid) {
    utf8proc_uint8_t* mapped = nullptr;
    const auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
    const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                                     static_cast<utf8proc_ssize_t>(valid.size()), &mapped, options);
    if (length < 0) {  // only on allocation failure: valid is valid UTF-8
        out += valid;
        return;
    }
    const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    out.append(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(length));
}

}  // namespace

std::string fold_with_utf8proc(std::string_view valid_utf8) {
    std::string out;
    append_utf8proc_folded(out, valid_utf8);
    return out;
}

// Most feed text is ASCII, which folds to its lower case (no ASCII character has a
// compatibility form, a mark or a default-ignorable property). utf8proc only sees
// the non-ASCII runs, each with the ASCII character before it: that one may be the
// base a following combining mark composes with. Nothing composes with a following
// ASCII character (ASCII characters are starters and never the second of a
// composition), so the runs fold independently, exactly as the whole would.
std::string fold_text(std::string_view utf8) {
    std::string checked;
    if (!feeds::is_valid_utf8(utf8)) {
        checked = feeds::to_valid_utf8(utf8);
        utf8 = checked;
    }
    std::string out;
    out.reserve(utf8.size());
    std::size_t i = 0;
    while (i < utf8.size()) {
        std::size_t j = i;
        while (j < utf8.size() && is_ascii(utf8[j]))
            ++j;
        if (j == utf8.size()) {
            append_ascii_folded(out, utf8.substr(i));
            break;
        }
        const std::size_t start = j > i ? j - 1 : j;  // the base before the run
        append_ascii_folded(out, utf8.substr(i, start - i));
        std::size_t k = j;
        while (k < utf8.size() && !is_ascii(utf8[k]))
            ++k;
        append_utf8proc_folded(out, utf8.substr(start, k - start));
        i = k;
    }
    return out;
}

}  // namespace feedd::stories
