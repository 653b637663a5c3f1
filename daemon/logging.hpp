// spdlog set-up: stderr, no timestamps under systemd (journald adds them),
// a short time prefix when a person watches a terminal.
#pragma once

#include <string>

namespace feedd::daemon {

void setup_logging(const std::string& level, bool terminal);

}  // namespace feedd::daemon
