#include "tests/support/browser.hpp"

#include <chrono>
#include <cstdlib>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {

std::vector<std::string> chromium_args(const std::filesystem::path& profile) {
    return {"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run",
            "--user-data-dir=" + profile.string(),
            // Nothing but loopback, not even DNS.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            // Give any script that slipped through time to run before the DOM is dumped.
            "--virtual-time-budget=3000"};
}

std::string chromium_screenshot(const std::filesystem::path& dir, const std::string& url,
                                const std::string& window_size, const std::string& name,
                                std::string& error) {
    std::filesystem::create_directories(dir / "shot");
    const auto png = dir / "shot" / name;
    auto args = chromium_args(dir / "profile-shot");
    args.push_back("--window-size=" + window_size);
    args.push_back("--screenshot=" + png.string());
    args.push_back(url);
    child_process shot("/usr/bin/chromium", args, dir / "shot");
    if (shot.wait(std::chrono::seconds(90)) != 0 || !std::filesystem::exists(png)) {
        error = shot.err();
        return {};
    }
    if (const char* keep = std::getenv("FEEDD_SCREENSHOT_DIR"))
        std::filesystem::copy_file(png, std::filesystem::path(keep) / name,
                                   std::filesystem::copy_options::overwrite_existing);
    return read_file(png);
}

}  // namespace feedd::test
