// The daemon's wall clock, in whole seconds as storage records time. The pure code
// (schedule, parsing) never reads it: callers pass the time in.
#pragma once

#include <chrono>

namespace feedd::daemon {

inline std::chrono::sys_seconds wall_now() {
    return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace feedd::daemon
