// URL resolution for feed links (RFC 3986 with Boost.URL): relative references
// are resolved against xml:base and the document URL. Pure.
#pragma once

#include <string>
#include <string_view>

namespace feedd::feeds {

// ref resolved against base; ref (trimmed) as given when either can't be parsed
// or base is not absolute.
std::string resolve_url(std::string_view base, std::string_view ref);

// True when text opens with "scheme:": an absolute reference, which resolve_url returns as
// it is (trimmed) whatever the base.
bool starts_with_scheme(std::string_view text);

// True for an absolute http(s) URL.
bool is_http_url(std::string_view url);

}  // namespace feedd::feeds
