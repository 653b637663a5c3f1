// The stable identity of an item inside its feed: guid/id, else link, else a
// hash of title + date. Storage keys items on (feed, item_key) so polling the
// same item again never stores it twice. Pure.
#pragma once

#include <string>

#include "feeds/model.hpp"

namespace feedd::feeds {

// Prefixed by kind ("id:", "link:", "hash:") so a guid never collides with a link.
std::string item_key(const item& it);

}  // namespace feedd::feeds
