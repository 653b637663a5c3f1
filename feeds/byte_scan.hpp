// Byte searches the parser runs over whole documents and fields (internal): 16 bytes at a
// time with SSE2 (every x86-64), one at a time elsewhere. They decide nothing themselves; each
// caller keeps its own rules for what it finds.
#pragma once

#include <bit>
#include <cstddef>
#include <string_view>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace feedd::feeds::scan {

#if defined(__SSE2__)
inline __m128i load16(std::string_view text, std::size_t at) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + at));
}

inline unsigned mask16(__m128i lanes) {
    return static_cast<unsigned>(_mm_movemask_epi8(lanes));
}

inline __m128i splat16(unsigned char byte) {
    return _mm_set1_epi8(static_cast<char>(byte));
}
#endif

// The position of the first byte in text[from, size) for which the SSE2 lane test `lanes`
// (16 bytes → a byte mask) or, past the last full block, the byte test `one` holds; else size.
template <typename Lanes, typename One>
std::size_t find_first(std::string_view text, std::size_t from, [[maybe_unused]] Lanes lanes,
                       One one) {
    std::size_t i = from;
#if defined(__SSE2__)
    for (; i + 16 <= text.size(); i += 16) {
        if (const unsigned hits = mask16(lanes(load16(text, i))); hits != 0) {
            return i + static_cast<std::size_t>(std::countr_zero(hits));
        }
    }
#endif
    while (i < text.size() && !one(text[i])) {
        ++i;
    }
    return i;
}

// The first byte equal to one of Needles at or after `from`, or text.size().
template <char... Needles>
std::size_t find_any(std::string_view text, std::size_t from) {
#if defined(__SSE2__)
    auto lanes = [](__m128i x) { return (_mm_cmpeq_epi8(x, _mm_set1_epi8(Needles)) | ...); };
#else
    auto lanes = nullptr;
#endif
    return find_first(text, from, lanes, [](char c) { return ((c == Needles) || ...); });
}

// The first byte at or after `from` that is not ASCII (0x80 or above), or text.size().
inline std::size_t find_non_ascii(std::string_view text, std::size_t from) {
#if defined(__SSE2__)
    auto lanes = [](__m128i x) { return x; };  // movemask takes each byte's high bit
#else
    auto lanes = nullptr;
#endif
    return find_first(text, from, lanes,
                      [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
}

// A C0 control character XML forbids (below 0x20 but tab, LF and CR); feeds carry them by
// accident.
inline bool is_xml_control(char c) {
    return static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

#if defined(__SSE2__)
// is_xml_control for 16 bytes at once: 0xFF in each lane that holds one.
inline __m128i xml_control_lanes(__m128i x) {
    const __m128i below_20 = _mm_cmpeq_epi8(_mm_min_epu8(x, splat16(0x1F)), x);
    const __m128i allowed = _mm_cmpeq_epi8(x, splat16('\t')) | _mm_cmpeq_epi8(x, splat16('\n')) |
                            _mm_cmpeq_epi8(x, splat16('\r'));
    return _mm_andnot_si128(allowed, below_20);
}
#endif

// The first '<', '&' or is_xml_control byte at or after `from`, or text.size().
inline std::size_t find_markup_or_control(std::string_view text, std::size_t from) {
#if defined(__SSE2__)
    auto lanes = [](__m128i x) {
        return xml_control_lanes(x) | _mm_cmpeq_epi8(x, splat16('<')) |
               _mm_cmpeq_epi8(x, splat16('&'));
    };
#else
    auto lanes = nullptr;
#endif
    return find_first(text, from, lanes,
                      [](char c) { return c == '<' || c == '&' || is_xml_control(c); });
}

// The first byte at or after `from` that is an is_xml_control byte, DEL (0x7F) or 0xC2 (the
// lead byte of U+0080–U+00BF, C1 controls among them), or text.size().
inline std::size_t find_control_candidate(std::string_view text, std::size_t from) {
#if defined(__SSE2__)
    auto lanes = [](__m128i x) {
        return xml_control_lanes(x) | _mm_cmpeq_epi8(x, splat16(0x7F)) |
               _mm_cmpeq_epi8(x, splat16(0xC2));
    };
#else
    auto lanes = nullptr;
#endif
    return find_first(text, from, lanes,
                      [](char c) { return is_xml_control(c) || c == '\x7F' || c == '\xC2'; });
}

}  // namespace feedd::feeds::scan
