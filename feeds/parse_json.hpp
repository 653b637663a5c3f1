// JSON rendering of a parsed feed, exactly as docs/interfaces.md specifies for
// `feedd parse`. Pure.
#pragma once

#include <string>

#include "feeds/model.hpp"

namespace feedd::feeds {

std::string to_json(const feed& f);

}  // namespace feedd::feeds
