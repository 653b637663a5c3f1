#pragma once
// A compact, comparable fingerprint of one item's words: MinHash over word shingles of the
// normalised text (see stories/normalise.hpp) plus a small sketch of the title's content words.
// Pure: the same title and text always give the same bytes, on every machine.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace feedd::stories {

struct signature_options {
    int shingle_words = 3;  // words per shingle
    int hashes = 64;        // MinHash values (XXH3-64 with per-slot seeds, kept 32 bits)
    // Only the first max_words words of the text count (0: all): copies share their start, and
    // cuts, dropped paragraphs and appended updates mostly touch the end. 200 scores as all
    // (docs/design.md) at half the cost on long texts.
    int max_words = 200;
    std::uint64_t seed = 0x66656564;  // changes every value; stored signatures need the same seed
};

inline constexpr std::size_t max_title_words = 12;

struct signature {
    // Minimum hash (low 32 bits of XXH3) per slot over the shingles of title + text; empty when
    // the item has no words at all.
    std::vector<std::uint32_t> minhash;
    std::uint32_t shingles = 0;  // shingles hashed: the set size for containment (repeats are rare)
    std::uint32_t text_words = 0;  // words in the normalised text (0: headline-only item)
    // Sorted, distinct 16-bit hashes of the title's content words (stop words and outlet
    // decorations removed); title_words of them are used.
    std::array<std::uint16_t, max_title_words> title{};
    std::uint8_t title_words = 0;

    friend bool operator==(const signature&, const signature&) = default;
};

signature make_signature(std::string_view title, std::string_view text_html,
                         const signature_options& options = {});

// Bytes for a SQLite BLOB: a version byte, the counts, then the values little-endian.
std::string encode_signature(const signature& sig);
// nullopt when the bytes are not a signature this version wrote (wrong version, size or counts).
std::optional<signature> decode_signature(std::string_view bytes);

}  // namespace feedd::stories
