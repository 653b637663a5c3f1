// Small URL questions the daemon asks about a feed's URL. Pure.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace feedd::daemon {

// The local path of a file:// URL (percent-decoded), nullopt for anything else.
std::optional<std::filesystem::path> file_url_path(std::string_view url);

// The key per-host limits count by: the lower-cased host of an http(s) URL,
// "" for local files (not limited).
std::string host_key(std::string_view url);

}  // namespace feedd::daemon
