#include "stories/fold.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include <utf8proc.h>
// Inlined: one short word per call, no call through the PLT.
#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "feeds/charset.hpp"
#include "feeds/text.hpp"

namespace feedd::stories {

namespace {

#if defined(__SSE2__)
// 16 bytes with A-Z lower-cased. Signed compares: bytes >= 0x80 are negative, never letters.
__m128i lower16(__m128i x) {
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('A' - 1)),
                                        _mm_cmplt_epi8(x, _mm_set1_epi8('Z' + 1)));
    return _mm_add_epi8(x, _mm_and_si128(upper, _mm_set1_epi8(0x20)));
}

__m128i load16(const char* p) {
    return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

unsigned mask16(__m128i bytes) {
    return static_cast<unsigned>(_mm_movemask_epi8(bytes)) & 0xffffU;
}

// The first n (<= 16) of the 16 readable bytes at p, the others zero.
__m128i first_bytes(const char* p, std::size_t n) {
    static constexpr auto ones_then_zeros = [] {
        std::array<char, 32> a{};
        for (std::size_t i = 0; i < 16; ++i)
            a[i] = static_cast<char>(0xff);
        return a;
    }();
    return _mm_and_si128(load16(p), load16(ones_then_zeros.data() + 16 - n));
}
#endif

// n ASCII bytes from `in`, lower-cased, to `out`.
void lower_ascii(const char* in, std::size_t n, char* out) {
    std::size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= n; i += 16)
        _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), lower16(load16(in + i)));
#endif
    for (; i < n; ++i)
        out[i] = feeds::ascii_lower(in[i]);
}

// The position of the first byte >= 0x80 at or after `from`, or text.size().
std::size_t first_non_ascii(std::string_view text, std::size_t from) {
    std::size_t i = from;
#if defined(__SSE2__)
    for (; i + 16 <= text.size(); i += 16) {
        if (const unsigned high = mask16(load16(text.data() + i)); high != 0)
            return i + static_cast<std::size_t>(std::countr_zero(high));
    }
#endif
    while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80)
        ++i;
    return i;
}

// The whole fold for valid UTF-8, through utf8proc.
void append_utf8proc_folded(std::string& out, std::string_view valid) {
    utf8proc_uint8_t* mapped = nullptr;
    const auto options =
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE);
    const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(valid.data()),
                                     static_cast<utf8proc_ssize_t>(valid.size()), &mapped, options);
    if (length < 0) {  // only on allocation failure: valid is valid UTF-8
        out += valid;
        return;
    }
    const std::unique_ptr<utf8proc_uint8_t, decltype(&std::free)> owner(mapped, &std::free);
    out.append(reinterpret_cast<const char*>(mapped), static_cast<std::size_t>(length));
}

// One non-ASCII run (with the ASCII character before it) folded by utf8proc, through a small
// per-thread cache: utf8proc allocates and decomposes, and news text repeats its few such runs
// ("n’t", "’s", "é") from item to item. Runs longer than cached_run_bytes (a whole text in
// another script) are folded into `scratch` instead, so the cache stays small. A view into
// the cache or `scratch`, valid until the next call.
std::string_view fold_run(std::string_view valid, std::string& scratch) {
    constexpr std::size_t cached_run_bytes = 64;
    if (valid.size() > cached_run_bytes) {
        scratch.clear();
        append_utf8proc_folded(scratch, valid);
        return scratch;
    }
    struct entry {
        std::string raw, folded;
    };
    thread_local std::array<entry, 256> cache;
    std::uint32_t h = 2166136261U;  // FNV-1a: runs are a few bytes
    for (const char c : valid)
        h = (h ^ static_cast<unsigned char>(c)) * 16777619U;
    auto& e = cache[h & (cache.size() - 1)];
    if (e.raw != valid) {
        e.raw = valid;
        e.folded.clear();
        append_utf8proc_folded(e.folded, valid);
    }
    return e.folded;
}

// Most feed text is ASCII, which folds to its lower case (no ASCII character has a
// compatibility form, a mark or a default-ignorable property). utf8proc only sees
// the non-ASCII runs, each with the ASCII character before it: that one may be the
// base a following combining mark composes with. Nothing composes with a following
// ASCII character (ASCII characters are starters and never the second of a
// composition), so the runs fold independently, exactly as the whole would.
// The folded bytes go to `sink`: ascii(bytes) still to be lower-cased, folded(bytes) as they are.
template <class Sink>
void fold_into(std::string_view utf8, Sink& sink) {
    std::string checked;
    if (!feeds::is_valid_utf8(utf8)) {
        checked = feeds::to_valid_utf8(utf8);
        utf8 = checked;
    }
    std::string scratch;
    std::size_t i = 0;
    while (i < utf8.size()) {
        const std::size_t j = first_non_ascii(utf8, i);
        if (j == utf8.size()) {
            sink.ascii(utf8.substr(i));
            break;
        }
        const std::size_t start = j > i ? j - 1 : j;  // the base before the run
        sink.ascii(utf8.substr(i, start - i));
        std::size_t k = j;
        while (k < utf8.size() && static_cast<unsigned char>(utf8[k]) >= 0x80)
            ++k;
        sink.folded(fold_run(utf8.substr(start, k - start), scratch));
        i = k;
    }
}

// fold_text's sink: the folded text itself.
struct text_sink {
    std::string out;

    void ascii(std::string_view bytes) {
        const std::size_t at = out.size();
        out.resize(at + bytes.size());
        lower_ascii(bytes.data(), bytes.size(), out.data() + at);
    }
    void folded(std::string_view bytes) { out += bytes; }
};

// The kept words of one fold_words_once call, as offsets into its output: an open-addressing
// table (linear probing, at most half full) that lives on in the thread, each call's entries
// told apart by a generation number, so a call neither allocates nor clears it. It replaced a
// boost::unordered_flat_set per call, whose reserve, insert path and the memcmp per probe cost
// ~60 % of fold_words_once's instructions (docs/benchmarks.md, session 7).
class kept_words {
  public:
    kept_words(const std::string& buf, std::size_t expected_words) : t_(table()), buf_(buf) {
        auto& t = t_;
        if (++t.generation == 0) {  // wrapped: entries of an old call could look current
            std::fill(t.slots.begin(), t.slots.end(), slot{});
            t.generation = 1;
        }
        const std::size_t wanted = std::bit_ceil(2 * expected_words + 16);
        if (t.slots.size() < wanted) t.slots.assign(wanted, slot{});
    }
    // A table grown for a huge text is not kept for the thread's life.
    ~kept_words() {
        constexpr std::size_t kept_slots = std::size_t{1} << 16;  // 1 MiB
        if (auto& t = table(); t.slots.size() > kept_slots) std::vector<slot>().swap(t.slots);
    }
    kept_words(const kept_words&) = delete;
    kept_words& operator=(const kept_words&) = delete;

    // Adds the `size` bytes at buf[at] unless they are kept already; true when added.
    bool insert(std::size_t at, std::size_t size) {
        auto& t = t_;
        const auto hash = XXH3_64bits(buf_.data() + at, size);
        const auto tag = static_cast<std::uint32_t>(hash >> 32);
        const std::size_t mask = t.slots.size() - 1;
        for (std::size_t i = static_cast<std::size_t>(hash) & mask;; i = (i + 1) & mask) {
            slot& e = t.slots[i];
            if (e.generation != t.generation) {
                e = {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(size), tag,
                     t.generation};
                if (2 * ++count_ > t.slots.size()) grow(t);
                return true;
            }
            if (e.tag == tag && e.size == size && same_bytes(e.at, at, size)) return false;
        }
    }

  private:
    struct slot {
        std::uint32_t at = 0, size = 0, tag = 0, generation = 0;
    };
    struct storage {
        std::vector<slot> slots;
        std::uint32_t generation = 0;
    };
    static storage& table() {
        thread_local storage t;
        return t;
    }

    storage& t_;  // table(), looked up once: a thread_local's access goes through its guard
    const std::string& buf_;
    std::size_t count_ = 0;

    // Words of up to 16 bytes compare as one 16-byte block: buf always holds 16 bytes from a
    // kept word's start and from the word being added (distinct_words_sink::room).
    bool same_bytes(std::size_t a, std::size_t b, std::size_t size) const {
        const char* const pa = buf_.data() + a;
        const char* const pb = buf_.data() + b;
#if defined(__SSE2__)
        if (size <= 16)
            return mask16(_mm_cmpeq_epi8(first_bytes(pa, size), first_bytes(pb, size))) == 0xffffU;
#endif
        return std::memcmp(pa, pb, size) == 0;
    }

    void grow(storage& t) {
        std::vector<slot> old(2 * t.slots.size());
        old.swap(t.slots);
        const std::size_t mask = t.slots.size() - 1;
        for (const slot& e : old) {
            if (e.generation != t.generation) continue;
            std::size_t i =
                static_cast<std::size_t>(XXH3_64bits(buf_.data() + e.at, e.size)) & mask;
            while (t.slots[i].generation == t.generation)
                i = (i + 1) & mask;
            t.slots[i] = e;
        }
    }
};

// fold_words_once's sink. Each word is written (lower-cased) after the kept ones, and at the
// space that ends it either kept, with a space after it, or dropped by moving back to its
// start. kept_ holds kept words as offsets into buf_, so growing buf_ moves nothing.
class distinct_words_sink {
  public:
    explicit distinct_words_sink(std::size_t input_size)
        : buf_(input_size + 2 * block, '\0'), kept_(buf_, input_size / 8 + 8) {}
    // kept_ points at buf_.
    distinct_words_sink(const distinct_words_sink&) = delete;
    distinct_words_sink& operator=(const distinct_words_sink&) = delete;

    void ascii(std::string_view bytes) {
        room(bytes.size());
        const char* const in = bytes.data();
        const std::size_t n = bytes.size();
        std::size_t p = 0;
#if defined(__SSE2__)
        // 16 bytes lower-cased to the write position at once; the first space among them
        // ends the word (what follows it is written again from there).
        while (p + block <= n) {
            const __m128i x = load16(in + p);
            _mm_storeu_si128(reinterpret_cast<__m128i*>(buf_.data() + w_), lower16(x));
            const unsigned spaces = mask16(_mm_cmpeq_epi8(x, _mm_set1_epi8(' ')));
            if (spaces == 0) {
                w_ += block;
                p += block;
                continue;
            }
            const auto before = static_cast<std::size_t>(std::countr_zero(spaces));
            w_ += before;
            p += before + 1;
            end_word();
        }
#endif
        for (; p < n; ++p) {
            if (in[p] == ' ')
                end_word();
            else
                buf_[w_++] = feeds::ascii_lower(in[p]);
        }
    }

    void folded(std::string_view bytes) {
        room(bytes.size());
        for (const char c : bytes) {
            if (c == ' ')
                end_word();
            else
                buf_[w_++] = c;
        }
    }

    std::string finish() && {
        end_word();
        if (w_ > 0) --w_;  // the space after the last kept word
        buf_.resize(w_);
        return std::move(buf_);
    }

  private:
    static constexpr std::size_t block = 16;

    std::string buf_;
    kept_words kept_;
    std::size_t w_ = 0;           // write position
    std::size_t word_start_ = 0;  // where the word being written began

    // Every input byte writes at most one byte (a letter, or the space after a kept word),
    // and a 16-byte store may write past the write position.
    void room(std::size_t n) {
        if (w_ + n + block > buf_.size()) buf_.resize(std::max(2 * buf_.size(), w_ + n + block));
    }

    void end_word() {
        const std::size_t size = w_ - word_start_;
        if (size == 0) return;  // two spaces in a row, or one first
        if (kept_.insert(word_start_, size)) {
            buf_[w_++] = ' ';
            word_start_ = w_;
        } else {
            w_ = word_start_;
        }
    }
};

}  // namespace

std::string fold_with_utf8proc(std::string_view valid_utf8) {
    std::string out;
    append_utf8proc_folded(out, valid_utf8);
    return out;
}

std::string fold_text(std::string_view utf8) {
    text_sink sink;
    sink.out.reserve(utf8.size());
    fold_into(utf8, sink);
    return std::move(sink.out);
}

std::string fold_words_once(std::string_view utf8) {
    distinct_words_sink sink(utf8.size());
    fold_into(utf8, sink);
    return std::move(sink).finish();
}

}  // namespace feedd::stories
