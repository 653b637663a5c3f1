#pragma once
// Unicode folding shared by clustering signatures and topic matching: two texts that a reader
// would call "the same words" (case, accents, compatibility forms like ligatures or full-width
// letters) fold to the same bytes. Pure; invalid UTF-8 bytes become U+FFFD instead of failing.
#include <string>
#include <string_view>

namespace feedd::stories {

// NFKC + Unicode case fold + combining marks removed ("Café" and "CAFE" fold alike).
std::string fold_text(std::string_view utf8);

}  // namespace feedd::stories
