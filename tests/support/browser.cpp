#include "tests/support/browser.hpp"

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

}  // namespace feedd::test
