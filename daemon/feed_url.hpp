// Small URL questions the daemon asks about a feed's URL. Pure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::daemon {

// The local path of a file:// URL (percent-decoded), nullopt for anything else.
std::optional<std::filesystem::path> file_url_path(std::string_view url);

// The key per-host limits (concurrency, spacing, Retry-After) count by: the
// registrable domain of an http(s) URL's lower-cased host, from the Public Suffix
// List (libpsl), so a.example.co.uk and b.example.co.uk share one key; IP
// addresses and single-label hosts as they are; "" for local files (not limited).
std::string host_key(std::string_view url);

// The registrable domain of a lower-cased host name ("news.bbc.co.uk" ->
// "bbc.co.uk"), the host itself when it has none (an IP, "localhost", a suffix).
std::string registrable_domain(std::string_view host);

// Loopback hosts (127.0.0.0/8, ::1, localhost): the default host spacing, a
// courtesy to publishers, does not apply to one's own machine.
bool is_loopback_host(std::string_view host_key);

}  // namespace feedd::daemon
