#pragma once
// Unicode folding shared by clustering signatures and topic matching: two texts that a reader
// would call "the same words" (case, accents, compatibility forms like ligatures or full-width
// letters) fold to the same bytes. Pure; invalid UTF-8 bytes become U+FFFD instead of failing.
#include <string>
#include <string_view>

namespace feedd::stories {

// NFKC + Unicode case fold + combining marks removed ("Café" and "CAFE" fold alike).
std::string fold_text(std::string_view utf8);

// fold_text's words (its runs between single spaces), each once, in order of first
// appearance, joined by single spaces: what the full-text index is handed
// (storage/search.cpp fold_for_index), folded and deduplicated in one pass without the
// folded text in between.
std::string fold_words_once(std::string_view utf8);

// The same fold done by utf8proc over the whole text, without fold_text's ASCII fast
// path (the reference its tests compare against). Takes valid UTF-8 only.
std::string fold_with_utf8proc(std::string_view valid_utf8);

}  // namespace feedd::stories
