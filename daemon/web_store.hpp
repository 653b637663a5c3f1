// The web_store the daemon serves from: a read-only connection to the store,
// opened on (and used only by) the reader thread.
#pragma once

#include <filesystem>
#include <memory>

#include "daemon/web_model.hpp"

namespace feedd::daemon {

std::unique_ptr<web_store> open_web_store(const std::filesystem::path& database);

}  // namespace feedd::daemon
