#include "stories/fold.hpp"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "feeds/charset.hpp"
#include "feeds/text.hpp"

namespace feedd::stories {
namespace {

// utf8proc rejects a whole string for one bad byte; replace bad sequences first.
std::string valid_utf8(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    const auto* data = reinterpret_cast<const utf8proc_uint8_t*>(bytes.data());
    auto remaining = static_cast<utf8proc_ssize_t>(bytes.size());
    while (remaining > 0) {
        utf8proc_int32_t code_point = 0;
        const auto used = utf8proc_iterate(data, remaining, &code_point);
        if (used < 1) {
            feeds::append_utf8(out, U'\uFFFD');
            ++data;
            --remaining;
            continue;
        }
        out.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(used));
        data += used;
        remaining -= used;
    }
    return out;
}

}  // namespace

std::string fold_text(std::string_view utf8) {
    const std::string checked = feeds::is_valid_utf8(utf8) ? std::string(utf8) : valid_utf8(utf8);
    utf8proc_uint8_t* mapped = nullptr;
    const auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
    const auto length =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(checked.data()),
                     static_cast<utf8proc_ssize_t>(checked.size()), &mapped, options);
    if (length < 0) return checked;  // only on allocation failure: checked is valid UTF-8
    const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    return std::string(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(length));
}

}  // namespace feedd::stories
