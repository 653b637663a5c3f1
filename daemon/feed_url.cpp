#include "daemon/feed_url.hpp"

#include <algorithm>
#include <cctype>

#include <boost/url/parse.hpp>

namespace feedd::daemon {

std::optional<std::filesystem::path> file_url_path(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme_id() != boost::urls::scheme::file) return std::nullopt;
    return std::filesystem::path(std::string(parsed->path()));
}

std::string host_key(std::string_view url) {
    auto parsed = boost::urls::parse_uri(url);
    if (!parsed || parsed->scheme_id() == boost::urls::scheme::file) return {};
    std::string host = parsed->host();
    std::transform(host.begin(), host.end(), host.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return host;
}

}  // namespace feedd::daemon
