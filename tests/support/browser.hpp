#pragma once
// Headless Chromium for tests that look at rendered HTML (the web page, digest e-mails):
// loopback only, no DNS, a throwaway profile.
#include <filesystem>
#include <string>
#include <vector>

namespace feedd::test {

// Arguments for /usr/bin/chromium; add --dump-dom or --screenshot=FILE and the URL.
std::vector<std::string> chromium_args(const std::filesystem::path& profile);

// A PNG screenshot of url (window "W,H") taken by headless Chromium under dir; returns its
// bytes, or "" with Chromium's stderr in error. A copy goes to $FEEDD_SCREENSHOT_DIR/name when
// that is set, for people to look at.
std::string chromium_screenshot(const std::filesystem::path& dir, const std::string& url,
                                const std::string& window_size, const std::string& name,
                                std::string& error);

}  // namespace feedd::test
