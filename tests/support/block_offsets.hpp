// Places for a piece of text at every offset across the 16-byte blocks the parser's byte
// scans read (feeds/byte_scan.hpp), so a test can check each piece is found wherever it falls.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::test {

struct block_offset {
    std::string left;   // filler before the piece ("a" * offset)
    std::string right;  // filler after it ("b" * (40 - offset))

    std::string with(std::string_view piece) const { return left + std::string(piece) + right; }
};

// Offsets 0 to 39: the piece starts in each position of two and a half blocks.
inline std::vector<block_offset> block_offsets() {
    std::vector<block_offset> out;
    for (std::size_t offset = 0; offset < 40; ++offset) {
        out.push_back({std::string(offset, 'a'), std::string(40 - offset, 'b')});
    }
    return out;
}

}  // namespace feedd::test
