#include "storage/folded_tokenizer.hpp"

#include <bit>
#include <cstring>
#include <new>
#include <string>
#include <stdexcept>
#include <string_view>

#include <SQLiteCpp/Statement.h>
#include <fmt/format.h>
#include <sqlite3.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "feeds/text.hpp"

namespace feedd::storage {
namespace {

constexpr const char* tokenizer_name = "feedd_folded";

// Sixteen bytes from `at`, one bit each (bit i: byte at + i; bytes past the end are zeros,
// which separate): in a run (an ASCII letter or digit, or any byte of 0x80 and up), of 0x80 and
// up, an ASCII capital.
struct block {
    unsigned run;
    unsigned high;
    unsigned upper;
};

constexpr std::size_t block_bytes = 16;

#if defined(__SSE2__)
// Whether each unsigned byte of x lies in [lo, hi]: x - lo <= hi - lo as unsigned, compared as
// signed bytes after moving the range down by 0x80.
__m128i in_range(__m128i x, unsigned char lo, unsigned char hi) {
    const auto moved = _mm_xor_si128(_mm_sub_epi8(x, _mm_set1_epi8(static_cast<char>(lo))),
                                     _mm_set1_epi8(static_cast<char>(0x80)));
    return _mm_cmplt_epi8(moved, _mm_set1_epi8(static_cast<char>(hi - lo - 127)));
}

block classify(const unsigned char* bytes) {
    const auto v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(bytes));
    const auto letters = in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), 'a', 'z');
    const auto digits = in_range(v, '0', '9');
    const auto high = static_cast<unsigned>(_mm_movemask_epi8(v));
    return {static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(letters, digits))) | high, high,
            static_cast<unsigned>(_mm_movemask_epi8(in_range(v, 'A', 'Z')))};
}
#else
block classify(const unsigned char* bytes) {
    block b{0, 0, 0};
    for (unsigned i = 0; i < block_bytes; ++i) {
        const auto c = bytes[i];
        const unsigned bit = 1U << i;
        if (c >= 0x80) b.high |= bit;
        if (c >= 'A' && c <= 'Z') b.upper |= bit;
        // unicode61's word characters among ASCII (its default categories L*, N*, Co hold no other
        // ASCII character); every other ASCII byte separates words.
        if (c >= 0x80 || feeds::is_ascii_alnum(static_cast<char>(c))) b.run |= bit;
    }
    return b;
}
#endif

block classify(const unsigned char* text, std::size_t size, std::size_t at) {
    if (size - at >= block_bytes) return classify(text + at);
    unsigned char padded[block_bytes] = {};
    std::memcpy(padded, text + at, size - at);
    return classify(padded);
}

struct folded_tokenizer {
    fts5_tokenizer unicode{};                   // unicode61's methods
    Fts5Tokenizer* unicode_instance = nullptr;  // created with the same options
};

// A run handed to unicode61: its words' offsets are shifted to the whole text's.
struct unicode_run {
    void* context;
    int (*emit)(void*, int, const char*, int, int, int);
    int offset;
};

int unicode_word(void* context, int flags, const char* word, int bytes, int start, int end) {
    const auto* run = static_cast<const unicode_run*>(context);
    return run->emit(run->context, flags, word, bytes, start + run->offset, end + run->offset);
}

int create(void* user_data, const char** args, int arg_count, Fts5Tokenizer** out) {
    *out = nullptr;
    // Options that change which ASCII bytes are word characters would break the fast path.
    for (int i = 0; i + 1 < arg_count; i += 2) {
        if (std::strcmp(args[i], "remove_diacritics") != 0) return SQLITE_ERROR;
    }
    if (arg_count % 2 != 0) return SQLITE_ERROR;
    auto* api = static_cast<fts5_api*>(user_data);
    auto tokenizer = std::make_unique<folded_tokenizer>();
    void* unicode_data = nullptr;
    int rc = api->xFindTokenizer(api, "unicode61", &unicode_data, &tokenizer->unicode);
    if (rc != SQLITE_OK) return rc;
    rc = tokenizer->unicode.xCreate(unicode_data, args, arg_count, &tokenizer->unicode_instance);
    if (rc != SQLITE_OK) return rc;
    *out = reinterpret_cast<Fts5Tokenizer*>(tokenizer.release());
    return SQLITE_OK;
}

void destroy(Fts5Tokenizer* instance) {
    auto* tokenizer = reinterpret_cast<folded_tokenizer*>(instance);
    if (tokenizer == nullptr) return;
    if (tokenizer->unicode_instance != nullptr)
        tokenizer->unicode.xDelete(tokenizer->unicode_instance);
    delete tokenizer;
}

int tokenize(Fts5Tokenizer* instance, void* context, int flags, const char* text, int bytes,
             int (*emit)(void*, int, const char*, int, int, int)) {
    auto* tokenizer = reinterpret_cast<folded_tokenizer*>(instance);
    const auto size = static_cast<std::size_t>(bytes > 0 ? bytes : 0);
    const auto* in = reinterpret_cast<const unsigned char*>(text);
    std::string lowered;  // folded text has no capitals; a query may
    // One run between ASCII separators: a word of its own when all ASCII, else unicode61's.
    const auto pass_run = [&](std::size_t start, std::size_t end, bool ascii, bool upper) {
        const char* word = text + start;
        const auto length = static_cast<int>(end - start);
        if (!ascii) {
            unicode_run run{context, emit, static_cast<int>(start)};
            return tokenizer->unicode.xTokenize(tokenizer->unicode_instance, &run, flags, word,
                                                length, &unicode_word);
        }
        if (upper) {
            try {
                lowered.assign(word, end - start);
            } catch (const std::bad_alloc&) {
                return SQLITE_NOMEM;  // nothing may be thrown through SQLite
            }
            for (auto& c : lowered)
                c = feeds::ascii_lower(c);
            word = lowered.data();
        }
        return emit(context, 0, word, length, static_cast<int>(start), static_cast<int>(end));
    };
    // Every run starting or ending in a block is found from its bits, one block at a time.
    bool open = false;      // a run goes on past the blocks read so far
    std::size_t start = 0;  // where it began
    unsigned high = 0;      // its bits of bytes from 0x80 up, and of capitals, so far
    unsigned upper = 0;
    for (std::size_t at = 0; at < size; at += block_bytes) {
        const auto b = classify(in, size, at);
        unsigned from = 0;  // bits below have been dealt with
        for (;;) {
            const unsigned rest = 0xFFFFU & ~((1U << from) - 1);
            if (!open) {
                const auto starts = b.run & rest;
                if (starts == 0) break;
                from = static_cast<unsigned>(std::countr_zero(starts));
                start = at + from;
                high = upper = 0;
                open = true;
                continue;
            }
            const auto stops = ~b.run & rest;
            const auto to = stops == 0 ? 16U : static_cast<unsigned>(std::countr_zero(stops));
            const unsigned within = rest & ((1U << to) - 1);
            high |= b.high & within;
            upper |= b.upper & within;
            if (stops == 0) break;
            open = false;
            const int rc = pass_run(start, at + to, high == 0, upper != 0);
            if (rc != SQLITE_OK) return rc;
            from = to;
        }
    }
    // Past the end is a separator; a run reaching the end of the last full block ends there.
    return open ? pass_run(start, size, high == 0, upper != 0) : SQLITE_OK;
}

fts5_api* fts5_of(SQLite::Database& db) {
    fts5_api* api = nullptr;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db.getHandle(), "SELECT fts5(?1)", -1, &stmt, nullptr) == SQLITE_OK) {
        sqlite3_bind_pointer(stmt, 1, static_cast<void*>(&api), "fts5_api_ptr", nullptr);
        sqlite3_step(stmt);
    }
    sqlite3_finalize(stmt);
    return api;
}

}  // namespace

void register_folded_tokenizer(SQLite::Database& db) {
    auto* api = fts5_of(db);
    if (api == nullptr) {
        throw std::runtime_error(
            fmt::format("{}: this SQLite has no FTS5 (full-text search)", db.getFilename()));
    }
    fts5_tokenizer methods{&create, &destroy, &tokenize};
    const int rc = api->xCreateTokenizer(api, tokenizer_name, api, &methods, nullptr);
    if (rc != SQLITE_OK) {
        throw std::runtime_error(fmt::format("{}: cannot register the FTS5 tokenizer {}: {}",
                                             db.getFilename(), tokenizer_name, sqlite3_errstr(rc)));
    }
}

}  // namespace feedd::storage
