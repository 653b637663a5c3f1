#include "stories/fold.hpp"

#include <cstdlib>
#include <memory>

#include <utf8proc.h>

#include "feeds/charset.hpp"

namespace feedd::stories {

std::string fold_text(std::string_view utf8) {
    const std::string checked =
        feeds::is_valid_utf8(utf8) ? std::string(utf8) : feeds::to_valid_utf8(utf8);
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
