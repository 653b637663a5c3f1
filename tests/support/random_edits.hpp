// Random byte edits for "never crashes" tests: a seeded generator makes them reproducible.
#pragma once

#include <cstddef>
#include <random>
#include <string>
#include <string_view>

namespace feedd::test {

// 1 to 8 edits, each overwriting a byte with any value, erasing up to `max_erase` bytes or
// inserting one of `inserts`; the result is never empty.
inline std::string randomly_edited(std::string doc, std::mt19937& rng, std::size_t max_erase,
                                   std::string_view inserts) {
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
        const std::size_t pos = rng() % doc.size();
        switch (rng() % 3) {
            case 0:
                doc[pos] = static_cast<char>(rng() % 256);
                break;
            case 1:
                doc.erase(pos, 1 + rng() % max_erase);
                break;
            default:
                doc.insert(pos, 1, inserts[rng() % inserts.size()]);
        }
        if (doc.empty()) doc.push_back('<');  // assigning "<" trips g++ 12's -Wrestrict
    }
    return doc;
}

}  // namespace feedd::test
