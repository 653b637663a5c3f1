// URL resolution for feed links (RFC 3986 with Boost.URL): relative references
// are resolved against xml:base and the document URL. Pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace boost::urls {
class url;
}

namespace feedd::feeds {

// ref resolved against base; ref (trimmed) as given when either can't be parsed
// or base is not absolute.
std::string resolve_url(std::string_view base, std::string_view ref);

// True when text opens with "scheme:": an absolute reference, which resolve_url returns as
// it is (trimmed) whatever the base.
bool starts_with_scheme(std::string_view text);

// A URL's port text read as a TCP port: decimal digits worth 1-65535 (an explicit 0 can't
// be connected to), else nullopt. Use it instead of Boost.URL 1.81's port_number(), whose
// overflow check lets some values wrap: port 83728 read as 18192.
std::optional<std::uint16_t> tcp_port(std::string_view text);

// Drops the ".." segments of u's path that would climb above the root ("/../../x.html" is
// "/x.html"), as RFC 3986 5.2.4 removes them; Boost.URL 1.81's resolve() and normalize() keep
// them, so a link, a redirect or a configured URL named a path no server has.
void drop_segments_above_root(boost::urls::url& u);

// text with every non-ASCII byte percent-encoded ("/bücher" is "/b%C3%BCcher"), as browsers
// send an IRI's path and query; everything else, '%' included, stays as it is.
std::string percent_encode_non_ascii(std::string_view text);

// True for an absolute http(s) URL.
bool is_http_url(std::string_view url);

}  // namespace feedd::feeds
