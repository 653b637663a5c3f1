#include "stories/signature.hpp"

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

// Inlined: the same XXH3 values, without a call through the PLT per word (the words are short).
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "stories/normalise.hpp"

namespace feedd::stories {
namespace {

constexpr std::uint8_t format_version = 1;
constexpr int max_hashes = 1024;

// splitmix64: expands the seed into per-slot multipliers.
std::uint64_t splitmix(std::uint64_t& state) {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

struct slot_family {
    std::uint64_t seed = 0;
    std::vector<std::uint32_t> mul, add;
};

// Slot i of a 32-bit shingle hash x is ((x ^ add[i]) * mul[i]) with an xor-shift (mul odd): a
// bijection of the 32-bit space per slot. x is already uniformly random (XXH3 of the words), so
// each slot orders the shingles independently at the cost of one 32-bit multiply instead of one
// XXH3 call; 32-bit lanes vectorise (8 per AVX2 register).
const slot_family& family(std::uint64_t seed, int hashes) {
    thread_local slot_family f;
    if (f.seed != seed || static_cast<int>(f.mul.size()) != hashes) {
        f.seed = seed;
        f.mul.resize(static_cast<std::size_t>(hashes));
        f.add.resize(static_cast<std::size_t>(hashes));
        std::uint64_t state = seed;
        for (std::size_t i = 0; i < f.mul.size(); ++i) {
            f.mul[i] = static_cast<std::uint32_t>(splitmix(state)) | 1U;
            f.add[i] = static_cast<std::uint32_t>(splitmix(state));
        }
    }
    return f;
}

std::uint64_t hash_word(std::string_view word, std::uint64_t seed) {
    return XXH3_64bits_withSeed(word.data(), word.size(), seed);
}

// Hashes of the space-separated words of a normalised text.
void word_hashes(std::string_view text, std::uint64_t seed, std::vector<std::uint64_t>& out) {
    out.clear();
    std::size_t start = 0;
    while (start < text.size()) {
        auto end = text.find(' ', start);
        if (end == std::string_view::npos) end = text.size();
        if (end > start) out.push_back(hash_word(text.substr(start, end - start), seed));
        start = end + 1;
    }
}

// Slot i of shingle value x: ((x ^ add[i]) * mul[i]) with an xor-shift; `folded` holds each
// shingle's 32-bit value x.
void min_hashes_any(const std::uint32_t* folded, std::size_t count, const std::uint32_t* mul,
                    const std::uint32_t* add, std::uint32_t* mins, std::size_t slots) {
    for (std::size_t s = 0; s < count; ++s) {
        const std::uint32_t x = folded[s];
        for (std::size_t i = 0; i < slots; ++i) {
            std::uint32_t v = (x ^ add[i]) * mul[i];
            v ^= v >> 15;
            mins[i] = mins[i] < v ? mins[i] : v;
        }
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2"), always_inline)) inline __m256i load8(const std::uint32_t* p) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
}

__attribute__((target("avx2"), always_inline)) inline __m256i slot8(__m256i x, __m256i a,
                                                                    __m256i m) {
    const __m256i v = _mm256_mullo_epi32(_mm256_xor_si256(x, a), m);
    return _mm256_xor_si256(v, _mm256_srli_epi32(v, 15));
}

// The same for a multiple of 32 slots on AVX2: 32 slots at a time, their minimums,
// multipliers and offsets held in twelve registers over all shingles, so each shingle is
// broadcast once per 32 slots and nothing is loaded or stored per slot (the slot-major loop
// above, even vectorised, loads three and stores one register per 8 slots and shingle).
__attribute__((target("avx2"))) void min_hashes_avx2(const std::uint32_t* folded, std::size_t count,
                                                     const std::uint32_t* mul,
                                                     const std::uint32_t* add, std::uint32_t* mins,
                                                     std::size_t slots) {
    for (std::size_t i = 0; i < slots; i += 32) {
        const __m256i m0 = load8(mul + i), m1 = load8(mul + i + 8), m2 = load8(mul + i + 16),
                      m3 = load8(mul + i + 24);
        const __m256i a0 = load8(add + i), a1 = load8(add + i + 8), a2 = load8(add + i + 16),
                      a3 = load8(add + i + 24);
        __m256i low0 = load8(mins + i), low1 = load8(mins + i + 8), low2 = load8(mins + i + 16),
                low3 = load8(mins + i + 24);
        for (std::size_t s = 0; s < count; ++s) {
            const __m256i x = _mm256_set1_epi32(static_cast<int>(folded[s]));
            low0 = _mm256_min_epu32(low0, slot8(x, a0, m0));
            low1 = _mm256_min_epu32(low1, slot8(x, a1, m1));
            low2 = _mm256_min_epu32(low2, slot8(x, a2, m2));
            low3 = _mm256_min_epu32(low3, slot8(x, a3, m3));
        }
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(mins + i), low0);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(mins + i + 8), low1);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(mins + i + 16), low2);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(mins + i + 24), low3);
    }
}

#endif

// The hot loop. `folded`: room for each shingle's 32-bit value, filled here.
void min_hashes(const std::uint64_t* shingles, std::size_t count, const std::uint32_t* mul,
                const std::uint32_t* add, std::uint32_t* mins, std::size_t slots,
                std::uint32_t* folded) {
    for (std::size_t s = 0; s < count; ++s)
        folded[s] = static_cast<std::uint32_t>(shingles[s] ^ (shingles[s] >> 32));
#if defined(__x86_64__)
    static const bool avx2 = __builtin_cpu_supports("avx2");
    if (avx2 && slots % 32 == 0) {
        min_hashes_avx2(folded, count, mul, add, mins, slots);
        return;
    }
#endif
    min_hashes_any(folded, count, mul, add, mins, slots);
}

// Little-endian at out[at...]; returns the position after it.
std::size_t put_u32(std::string& out, std::size_t at, std::uint32_t v) {
    for (std::size_t i = 0; i < 4; ++i)
        out[at + i] = static_cast<char>((v >> (8 * i)) & 0xffU);
    return at + 4;
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) {
        v |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    }
    return v;
}

}  // namespace

signature make_signature(std::string_view title, std::string_view text_html,
                         const signature_options& options) {
    signature sig;
    const int hashes = std::clamp(options.hashes, 1, max_hashes);
    const std::size_t k = static_cast<std::size_t>(std::max(1, options.shingle_words));
    thread_local std::vector<std::uint64_t> words;
    thread_local std::vector<std::uint64_t> shingles;
    thread_local std::vector<std::uint32_t> folded;
    // Sized first and written by index: a push_back per word and shingle cost a fifth of
    // this function's own instructions.
    const auto& text =
        text_words(text_html, static_cast<std::size_t>(std::max(0, options.max_words)));
    words.resize(text.size());
    for (std::size_t i = 0; i < text.size(); ++i)
        words[i] = hash_word(text[i], options.seed);
    sig.text_words = static_cast<std::uint32_t>(words.size());
    // A headline-only item (no usable text) is fingerprinted by its headline.
    const bool headline_only = words.size() < 3;
    const std::string norm_title = normalise_title(title, !headline_only);
    if (headline_only) word_hashes(norm_title, options.seed, words);

    shingles.clear();
    if (!words.empty()) {
        const std::size_t n = words.size() >= k ? words.size() - k + 1 : 1;
        const std::size_t width = std::min(k, words.size());
        shingles.resize(n);
        const std::uint64_t start = options.seed ^ 0x5368696e676c65ULL;
        auto step = [](std::uint64_t h, std::uint64_t word) {
            return (std::rotl(h, 23) ^ word) * 0x9e3779b97f4a7c15ULL;
        };
        if (width == 3) {  // the default: the three steps unrolled
            for (std::size_t i = 0; i < n; ++i) {
                const std::uint64_t h =
                    step(step(step(start, words[i]), words[i + 1]), words[i + 2]);
                shingles[i] = h ^ (h >> 29);
            }
        } else {
            for (std::size_t i = 0; i < n; ++i) {
                std::uint64_t h = start;
                for (std::size_t j = 0; j < width; ++j)
                    h = step(h, words[i + j]);
                shingles[i] = h ^ (h >> 29);
            }
        }
    }
    sig.shingles = static_cast<std::uint32_t>(shingles.size());
    if (!shingles.empty()) {
        const auto& f = family(options.seed, hashes);
        sig.minhash.assign(static_cast<std::size_t>(hashes),
                           std::numeric_limits<std::uint32_t>::max());
        folded.resize(shingles.size());
        min_hashes(shingles.data(), shingles.size(), f.mul.data(), f.add.data(), sig.minhash.data(),
                   sig.minhash.size(), folded.data());
    }

    // Title sketch: the smallest distinct 16-bit hashes of its content words (bottom-k), with
    // a kicker's when the item has text: without "Pension reform", "Pension reform: what we
    // know so far" is any other "...: what we know so far". Headline-only items keep the
    // sketch without it: the title is all their evidence, and a kicker one copy lacks lowers
    // the overlap (uci-headlines lost a true pair, "First Look: The CW's 'Flash' ...").
    std::array<std::uint16_t, 64> title_hashes{};
    std::size_t count = 0;
    for (const auto word : title_content_words(norm_title)) {
        if (count == title_hashes.size()) break;
        auto h = static_cast<std::uint16_t>(hash_word(word, options.seed) & 0xffffU);
        if (h == 0) h = 1;
        title_hashes[count++] = h;
    }
    std::sort(title_hashes.begin(), title_hashes.begin() + static_cast<std::ptrdiff_t>(count));
    const auto end = std::unique(title_hashes.begin(),
                                 title_hashes.begin() + static_cast<std::ptrdiff_t>(count));
    count = std::min<std::size_t>(static_cast<std::size_t>(end - title_hashes.begin()),
                                  max_title_words);
    std::copy_n(title_hashes.begin(), count, sig.title.begin());
    sig.title_words = static_cast<std::uint8_t>(count);
    return sig;
}

std::string encode_signature(const signature& sig) {
    // Sized once and written in place: a push_back per byte cost more than the signing's
    // MinHash loop.
    std::string out(1 + 3 * 4 + 1 + 2 * std::size_t{sig.title_words} + 4 * sig.minhash.size(),
                    '\0');
    out[0] = static_cast<char>(format_version);
    std::size_t at = put_u32(out, 1, static_cast<std::uint32_t>(sig.minhash.size()));
    at = put_u32(out, at, sig.shingles);
    at = put_u32(out, at, sig.text_words);
    out[at++] = static_cast<char>(sig.title_words);
    for (std::size_t i = 0; i < sig.title_words; ++i) {
        out[at++] = static_cast<char>(sig.title[i] & 0xffU);
        out[at++] = static_cast<char>(sig.title[i] >> 8);
    }
    if constexpr (std::endian::native == std::endian::little) {
        // The values' own bytes are the little-endian encoding: one copy, not 4 stores each
        // (none for an empty signature, whose data() may be null).
        if (!sig.minhash.empty())
            std::memcpy(out.data() + at, sig.minhash.data(), 4 * sig.minhash.size());
    } else {
        for (const auto v : sig.minhash)
            at = put_u32(out, at, v);
    }
    return out;
}

std::optional<signature> decode_signature(std::string_view bytes) {
    constexpr std::size_t header = 1 + 4 + 4 + 4 + 1;
    if (bytes.size() < header || static_cast<std::uint8_t>(bytes[0]) != format_version) {
        return std::nullopt;
    }
    const std::uint32_t hashes = get_u32(bytes, 1);
    signature sig;
    sig.shingles = get_u32(bytes, 5);
    sig.text_words = get_u32(bytes, 9);
    sig.title_words = static_cast<std::uint8_t>(bytes[13]);
    if (hashes > max_hashes || sig.title_words > max_title_words) return std::nullopt;
    if ((hashes == 0) != (sig.shingles == 0)) return std::nullopt;
    const std::size_t expected =
        header + 2 * std::size_t{sig.title_words} + 4 * std::size_t{hashes};
    if (bytes.size() != expected) return std::nullopt;
    std::size_t at = header;
    for (std::size_t i = 0; i < sig.title_words; ++i, at += 2) {
        sig.title[i] = static_cast<std::uint16_t>(static_cast<unsigned char>(bytes[at]) |
                                                  (static_cast<unsigned char>(bytes[at + 1]) << 8));
    }
    sig.minhash.resize(hashes);
    for (auto& v : sig.minhash) {
        v = get_u32(bytes, at);
        at += 4;
    }
    return sig;
}

}  // namespace feedd::stories
