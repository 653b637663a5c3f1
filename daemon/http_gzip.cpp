#include "daemon/http_gzip.hpp"

#include <charconv>
#include <optional>
#include <ranges>
#include <stdexcept>

#include <zlib.h>

#include "feeds/text.hpp"

namespace feedd::daemon {

namespace {

// The q-value of one Accept-Encoding element's parameters ("q=0.5"); 1 when absent, nullopt
// when malformed (the element is then ignored).
std::optional<double> q_value(std::string_view params) {
    double q = 1;
    for (auto part : std::views::split(params, ';')) {
        const auto param = feeds::trim(std::string_view(part.begin(), part.end()));
        if (param.empty()) continue;
        const auto eq = param.find('=');
        if (eq == std::string_view::npos) continue;
        if (feeds::ascii_lower(feeds::trim(param.substr(0, eq))) != "q") continue;
        const auto value = feeds::trim(param.substr(eq + 1));
        const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), q);
        if (ec != std::errc() || end != value.data() + value.size() || q < 0 || q > 1)
            return std::nullopt;
    }
    return q;
}

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
    std::optional<double> gzip_q;
    std::optional<double> any_q;
    for (auto part : std::views::split(accept_encoding, ',')) {
        const auto element = std::string_view(part.begin(), part.end());
        const auto semicolon = element.find(';');
        const auto coding = feeds::ascii_lower(feeds::trim(element.substr(0, semicolon)));
        const auto q = q_value(semicolon == std::string_view::npos ? std::string_view()
                                                                   : element.substr(semicolon + 1));
        if (!q) continue;
        if (coding == "gzip" || coding == "x-gzip") gzip_q = *q;
        if (coding == "*") any_q = *q;
    }
    // A named coding overrides "*" (RFC 9110 §12.5.3).
    if (gzip_q) return *gzip_q > 0;
    return any_q && *any_q > 0;
}

std::string gzip(std::string_view data) {
    z_stream zs{};
    // 15 + 16: a gzip wrapper with the largest window. Level 5: pages and JSON compress to
    // about a tenth either way, and the higher levels cost CPU on every request.
    if (deflateInit2(&zs, 5, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw std::runtime_error("gzip: cannot initialise zlib");
    struct guard {
        z_stream* zs;
        ~guard() { deflateEnd(zs); }
    } g{&zs};
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    // zlib's API is not const-correct; it never writes through next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    // deflateBound's size takes the whole input in one call.
    if (deflate(&zs, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
    out.resize(zs.total_out);
    return out;
}

}  // namespace feedd::daemon
