#pragma once
// Headless Chromium for tests that look at rendered HTML (the web page, digest e-mails):
// loopback only, no DNS, a throwaway profile.
#include <filesystem>
#include <string>
#include <vector>

namespace feedd::test {

// Arguments for /usr/bin/chromium; add --dump-dom or --screenshot=FILE and the URL.
std::vector<std::string> chromium_args(const std::filesystem::path& profile);

}  // namespace feedd::test
