// The running feedd: one I/O loop for fetching, a CPU pool for parsing, and one
// writer thread owning the read-write database. `daemon` polls feeds when due
// until SIGTERM/SIGINT; `once` polls every feed once and returns.
#pragma once

#include "daemon/config.hpp"

namespace feedd::daemon {

enum class run_mode { daemon, once };

// Returns the process exit code: 0 after a clean stop (signals included).
int run_service(const config& cfg, run_mode mode);

}  // namespace feedd::daemon
