// gzip for HTTP responses (zlib): whether a request's Accept-Encoding takes gzip, and the
// compression itself. Pure functions; http_api applies them to compressible replies.
#pragma once

#include <string>
#include <string_view>

namespace feedd::daemon {

// True when an Accept-Encoding value allows gzip: "gzip" (or "x-gzip", or "*" when gzip
// is not named) with a q-value above 0. Tokens and parameters compare case-insensitively.
bool accepts_gzip(std::string_view accept_encoding);

// The gzip member (RFC 1952) holding data. Throws std::runtime_error if zlib fails.
std::string gzip(std::string_view data);

}  // namespace feedd::daemon
