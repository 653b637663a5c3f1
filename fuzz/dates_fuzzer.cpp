// libFuzzer target for feeds::parse_date (RFC 822, ISO 8601, asctime): the
// sanitizers catch overflow in the field arithmetic; a date that parses must
// also format (format_rfc3339) without tripping them.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "feeds/dates.hpp"
#include "feeds/model.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    if (const auto t = feedd::feeds::parse_date(text)) {
        [[maybe_unused]] const auto formatted = feedd::feeds::format_rfc3339(*t);
    }
    return 0;
}
