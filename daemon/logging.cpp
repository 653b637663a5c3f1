#include "daemon/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace feedd::daemon {

void setup_logging(const std::string& level, bool terminal) {
    auto logger = spdlog::stderr_color_mt("feedd");
    logger->set_pattern(terminal ? "%H:%M:%S %^%l%$ %v" : "%l %v");
    logger->set_level(spdlog::level::from_str(level));
    spdlog::set_default_logger(logger);
}

}  // namespace feedd::daemon
