#include "daemon/feed_url.hpp"

#include <libpsl.h>

#include <algorithm>
#include <cctype>

#include <boost/url/parse.hpp>

namespace feedd::daemon {
namespace {

// The newest list available: Debian's publicsuffix file, else the one built into libpsl.
// Loaded once; shared read-only by every thread.
const psl_ctx_t* public_suffixes() {
    static const psl_ctx_t* const ctx = [] {
        const psl_ctx_t* latest = psl_latest(nullptr);
        return latest != nullptr ? latest : psl_builtin();
    }();
    return ctx;
}

}  // namespace

std::optional<std::filesystem::path> file_url_path(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme_id() != boost::urls::scheme::file) return std::nullopt;
    return std::filesystem::path(std::string(parsed->path()));
}

std::string registrable_domain(std::string_view host) {
    const std::string name(host);
    const auto* ctx = public_suffixes();
    if (ctx == nullptr || name.empty()) return name;
    const char* domain = psl_registrable_domain(ctx, name.c_str());
    return domain != nullptr ? std::string(domain) : name;
}

std::string host_key(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme_id() == boost::urls::scheme::file) return {};
    std::string host = parsed->host();
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (parsed->host_type() != boost::urls::host_type::name) return host;  // an IP address
    return registrable_domain(host);
}

bool is_loopback_host(std::string_view host_key) {
    if (host_key == "localhost" || host_key == "[::1]") return true;
    // 127.0.0.0/8 written as an IPv4 address (digits and dots only).
    return host_key.substr(0, 4) == "127." &&
           std::all_of(host_key.begin(), host_key.end(),
                       [](char c) { return c == '.' || (c >= '0' && c <= '9'); });
}

}  // namespace feedd::daemon
