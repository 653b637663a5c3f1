#include "stories/normalise.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <iterator>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <utf8proc.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "feeds/text.hpp"
#include "stories/fold.hpp"

namespace feedd::stories {
namespace {

constexpr std::array<bool, 256> alnum_table = [] {
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    return t;
}();

bool is_ascii_alnum_fast(char c) {
    return alnum_table[static_cast<unsigned char>(c)];
}

using feeds::is_ascii_alnum;
using feeds::is_ascii_alpha;

// Words the normaliser treats specially, found with one hash probe per word.
struct word_info {
    std::string_view word;
    std::string_view canonical;  // house-style variants that mean the same word → one spelling
    bool cue = false;            // first word of a furniture phrase (see below)
    bool url = false;            // "http", "https", "www": part of a URL
    bool sentence_cue = false;   // first word of a sentence-furniture or byline phrase
    // Number of the canonical spelling when that is in the table, else 0: phrases compare these
    // numbers instead of strings.
    std::uint8_t id = 0;
};

class word_table {
  public:
    word_table() {
        static constexpr std::pair<std::string_view, std::string_view> variants[] = {
            {"percent", "pct"},   {"pc", "pct"},           {"pcts", "pct"},
            {"million", "mln"},   {"mn", "mln"},           {"millions", "mln"},
            {"mlns", "mln"},      {"billion", "bln"},      {"bn", "bln"},
            {"billions", "bln"},  {"dollars", "dlrs"},     {"dollar", "dlrs"},
            {"dlr", "dlrs"},      {"cents", "cts"},        {"cent", "cts"},
            {"ct", "cts"},        {"sterling", "stg"},     {"said", "say"},
            {"says", "say"},      {"thousand", "000"},     {"january", "jan"},
            {"february", "feb"},  {"march", "mar"},        {"april", "apr"},
            {"june", "jun"},      {"july", "jul"},         {"august", "aug"},
            {"september", "sep"}, {"sept", "sep"},         {"october", "oct"},
            {"november", "nov"},  {"december", "dec"},     {"corp", "corporation"},
            {"co", "company"},    {"inc", "incorporated"}, {"ltd", "limited"},
            {"plc", "limited"},   {"usa", "us"},           {"shr", "share"},
            {"shrs", "share"}};
        static constexpr std::string_view cues[] = {
            "additional", "advertisement", "all",         "appeared", "click",      "compiled",
            "continue",   "copyright",     "editing",     "follow",   "more",       "newsletter",
            "our",        "read",          "recommended", "related",  "reporting",  "see",
            "share",      "sign",          "subscribe",   "the",      "trust",      "writing",
            "your",       "story",         "listen",      "staff",    "originally", "posted",
            "photo",      "image",         "file"};
        for (const auto& [from, to] : variants)
            slot(from).canonical = fits(to);
        for (const auto cue : cues)
            slot(cue).cue = true;
        for (const auto url : {"http", "https", "www"})
            slot(url).url = true;
        for (const auto word : {"your", "story", "listen", "originally", "share", "appeared", "all",
                                "click", "follow", "sign", "subscribe", "staff", "posted"})
            slot(word).sentence_cue = true;
        // The other words of furniture phrases (below): phrases are matched by id.
        static constexpr std::string_view phrase_words[] = {
            "by",     "first",    "more",      "up",     "us",        "here",       "reading",
            "rights", "reserved", "post",      "also",   "standards", "principles", "coverage",
            "this",   "from",     "full",      "inbox",  "continues", "below",      "to",
            "writer", "reporter", "published", "photos", "wire",      "and"};
        for (const auto word : phrase_words)
            slot(word);
        std::uint8_t next = 0;
        for (auto& e : slots_) {
            if (!e.word.empty()) e.id = ++next;
        }
        for (auto& e : slots_) {
            if (e.word.empty() || e.canonical == e.word) continue;
            const word_info* to = find(e.canonical);
            e.id = to != nullptr ? to->id : 0;
        }
    }

    // The id of a word the table holds under its own spelling; a phrase word missing from the
    // table is a bug in this file.
    std::uint8_t id_of(std::string_view word) const {
        const word_info* info = find(word);
        if (info == nullptr || info->canonical != word) {
            throw std::logic_error("normalise: phrase word \"" + std::string(word) +
                                   "\" is not in the word table");
        }
        return info->id;
    }

    const word_info* find(std::string_view word) const {
        if (word.empty() || word.size() > 13) return nullptr;
        // Most words have a first and last letter and length no table word has: no hash, no
        // probe. (By the first letter alone, nearly every word was probed.)
        if (((lengths_[ends(word)] >> word.size()) & 1U) == 0) {
            return nullptr;
        }
        for (std::size_t i = hash(word);; i = (i + 1) & (size - 1)) {
            const auto& e = slots_[i];
            if (e.word.empty()) return nullptr;
            // Most probes meet another word: size and first letter decide without memcmp.
            if (e.word.size() == word.size() && e.word[0] == word[0] && e.word == word) return &e;
        }
    }

  private:
    static constexpr std::size_t size = 256;
    std::array<word_info, size> slots_{};
    // Per first and last byte (their low 5 bits), bit n set when a table word of n bytes
    // starts and ends with them (all are <= 13). Bytes that share their low bits (a digit and
    // a letter) only let a word on to the probe.
    std::array<std::uint16_t, 1024> lengths_{};

    static std::size_t ends(std::string_view w) {
        return ((static_cast<std::size_t>(static_cast<unsigned char>(w.front())) & 31U) << 5) |
               (static_cast<std::size_t>(static_cast<unsigned char>(w.back())) & 31U);
    }

    static std::size_t hash(std::string_view w) {
        const auto a = static_cast<unsigned char>(w.front());
        const auto b = static_cast<unsigned char>(w.back());
        const auto c = static_cast<unsigned char>(w[w.size() / 2]);
        return (w.size() * 61 + a * 7 + b * 131 + c * 17) & (size - 1);
    }

    // Special words and canonical spellings stay under 16 bytes: lengths_ keeps one bit per
    // length, and the tokenizer reserves room for the longest canonical (reserve_chars).
    static std::string_view fits(std::string_view word) {
        if (word.empty() || word.size() >= 16) {
            throw std::logic_error("normalise: special word \"" + std::string(word) +
                                   "\" is not 1-15 bytes");
        }
        return word;
    }

    word_info& slot(std::string_view word) {
        fits(word);
        for (std::size_t i = hash(word);; i = (i + 1) & (size - 1)) {
            auto& e = slots_[i];
            if (e.word.empty()) {
                e.word = word;
                e.canonical = word;
                lengths_[ends(word)] |= static_cast<std::uint16_t>(1U << word.size());
            }
            if (e.word == word) return e;
        }
    }
};

const word_table& special_words() {
    static const word_table table;
    return table;
}

bool is_word_code_point(std::int32_t cp) {
    switch (utf8proc_category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
        case UTF8PROC_CATEGORY_MN:
        case UTF8PROC_CATEGORY_MC:
            return true;
        default:
            return false;
    }
}

// One pass over the raw text (plain or HTML): tags skipped (block tags end a paragraph),
// entities decoded, words lower-cased and folded, punctuation dropped. Each word keeps the few
// facts the boilerplate rules need (inside parentheses, after a spaced dash, starts a sentence,
// part of a URL).
enum word_flag : std::uint8_t {
    in_parens = 1,
    dash_before = 2,
    sentence_before = 4,
    url_part = 8,
    paragraph_start = 16,
    cue = 32,  // first word of some furniture phrase: only these are matched against phrases
    sentence_cue = 64,  // first word of a sentence-furniture or byline phrase
};

struct word_ref {
    std::uint32_t begin = 0;
    std::uint32_t size = 0;
    std::uint8_t flags = 0;
    std::uint8_t id = 0;  // word_info::id of the (canonical) word, 0: not in the word table
};

// The run of ASCII letters and digits at the start of 16 readable bytes: its length, and
// the 16 bytes with bit 0x20 set (lower case for letters, digits unchanged) written to `out`
// (only the first `length` of them are the word's). One SSE2 pass instead of a table lookup,
// a bound check and a store per byte.
std::size_t lower_alnum16(const char* in, char* out) {
#if defined(__SSE2__)
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in));
    const __m128i lower = _mm_or_si128(x, _mm_set1_epi8(0x20));
    // Signed byte compares: bytes >= 0x80 are negative, so neither letters nor digits.
    const __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                         _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                        _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out), lower);
    const auto mask = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(letter, digit)));
    return static_cast<std::size_t>(std::countr_one(mask & 0xffffU));
#else
    std::size_t n = 0;
    while (n < 16 && is_ascii_alnum_fast(in[n])) {
        out[n] = static_cast<char>(in[n] | 0x20);
        ++n;
    }
    return n;
#endif
}

class tokenizer {
  public:
    // Stops after about max_words words (0: no limit).
    void run(std::string_view text, std::size_t max_words = 0) {
        std::size_t i = 0;
        const std::size_t limit = max_words == 0 ? words_.max_size() : max_words;
        while (i < text.size() && words_.size() < limit) {
            const char c = text[i];
            if (c == '<') {
                i = tag(text, i);
                continue;
            }
            if (c == '&') {
                std::string decoded;
                if (const std::size_t used = entity(text, i, decoded); used > 0) {
                    put_text(decoded);
                    i += used;
                    continue;
                }
            }
            if (is_ascii_alnum_fast(c) && !dot_pending_) {
                // Fast path: a run of ASCII letters and digits, lower-cased as it is scanned
                // (setting bit 0x20 lower-cases letters and keeps digits).
                std::size_t j = i;
                if (word_.empty()) {
                    // Lower-cased straight into the word store, where push_word would copy it.
                    reserve_chars(short_word);
                    char* const lowered = chars_.data() + used_;
                    std::size_t n = 0;
                    if (text.size() - j >= 16) {
                        n = lower_alnum16(text.data() + j, lowered);
                        j += n;
                    }
                    if (n == 0 || n == 16) {
                        while (j < text.size() && n < short_word && is_ascii_alnum_fast(text[j]))
                            lowered[n++] = static_cast<char>(text[j++] | 0x20);
                    }
                    if (j < text.size() && text[j] == ' ') {
                        // The commonest case, a whole word before a space, which put_ascii(' ')
                        // would end: no copy through word_.
                        dot_pending_ = acronym_ = false;
                        store_word(n);
                        after_space_ = true;
                        i = j + 1;
                        continue;
                    }
                    if (j < text.size() && !acronym_ && ends_word_plainly(text[j], lowered, n)) {
                        // The next commonest, a word before punctuation: what put_ascii does
                        // for it after end_word, without the copy through word_.
                        const char next = text[j];
                        dot_pending_ = acronym_ = false;
                        store_word(n);
                        if (next == '.' || next == '!' || next == '?') {
                            pending_ |= sentence_before;
                        } else if (next == ')' || next == ']') {
                            parens_ = std::max(0, parens_ - 1);
                        }
                        after_space_ = false;
                        i = j + 1;
                        if (i < text.size() && text[i] == ' ') {  // and the space after it
                            after_space_ = true;
                            ++i;
                        }
                        continue;
                    }
                    word_.append(lowered, n);
                }
                for (; j < text.size() && is_ascii_alnum_fast(text[j]); ++j)
                    word_.push_back(static_cast<char>(text[j] | 0x20));
                after_space_ = false;
                i = j;
                continue;
            }
            if (static_cast<unsigned char>(c) < 0x80) {
                put_ascii(c);
                ++i;
                continue;
            }
            utf8proc_int32_t cp = 0;
            const auto used =
                utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                                 static_cast<utf8proc_ssize_t>(text.size() - i), &cp);
            const std::size_t step = used < 1 ? 1 : static_cast<std::size_t>(used);
            put_code_point(used < 1 ? 0xfffd : cp, text.substr(i, used < 1 ? 0 : step));
            i += step;
        }
        end_word();
    }

    // Clears the words but keeps the buffers' capacity.
    void reset() {
        used_ = 0;
        words_.clear();
        word_.clear();
        word_ascii_ = true;
        acronym_ = dot_pending_ = false;
        after_space_ = true;
        parens_ = 0;
        pending_ = paragraph_start;
    }

    std::string_view word(const word_ref& w) const {
        return std::string_view(chars_.data() + w.begin, w.size);
    }
    const std::vector<word_ref>& words() const { return words_; }

  private:
    static constexpr std::size_t short_word = 32;
    const word_table& specials_ = special_words();
    // The words' bytes, back to back: the first used_ bytes of chars_, whose size is the
    // store's capacity (written in place, no append per word).
    std::string chars_;
    std::size_t used_ = 0;
    std::vector<word_ref> words_;
    std::string word_;
    std::array<std::pair<std::string, std::string>, 64> fold_cache_;  // raw -> fold_text(raw)
    bool word_ascii_ = true;
    bool acronym_ = false;
    bool dot_pending_ = false;
    bool after_space_ = true;
    int parens_ = 0;
    std::uint8_t pending_ = paragraph_start;

    void paragraph() {
        end_word();
        pending_ |= paragraph_start;
        after_space_ = true;
    }

    void end_word() {
        dot_pending_ = false;
        acronym_ = false;
        if (word_.empty()) return;
        if (!word_ascii_) fold_word();
        word_ascii_ = true;
        push_word(word_);
        word_.clear();
    }

    // word_ = fold_text(word_), through a small cache: fold_text allocates and runs utf8proc,
    // and a feed repeats its few non-ASCII words (names, places) from item to item.
    void fold_word() {
        std::uint32_t h = 2166136261U;  // FNV-1a
        for (const char c : word_)
            h = (h ^ static_cast<unsigned char>(c)) * 16777619U;
        auto& [raw, folded] = fold_cache_[h & (fold_cache_.size() - 1)];
        if (raw != word_) {
            raw = word_;
            folded = fold_text(word_);
        }
        word_ = folded;
    }

    // Room for a word of n bytes after the stored ones, and for any canonical spelling (and
    // for lower_alnum16's 16 bytes).
    void reserve_chars(std::size_t n) {
        constexpr std::size_t longest_canonical = 16;
        if (used_ + n + longest_canonical > chars_.size()) {
            chars_.resize(std::max(2 * chars_.size(), used_ + n + longest_canonical + 256));
        }
    }

    // Appends a finished (folded, lower-case) word in its canonical spelling.
    void push_word(std::string_view raw) {
        reserve_chars(raw.size());
        std::copy(raw.begin(), raw.end(), chars_.begin() + static_cast<std::ptrdiff_t>(used_));
        store_word(raw.size());
    }

    // Stores the word whose n bytes are already written after the stored ones. Inlined: the
    // call and its register saves were a sixth of its cost per word.
    [[gnu::always_inline]] inline void store_word(std::size_t n) {
        const word_info* info = specials_.find(std::string_view(chars_.data() + used_, n));
        if (info != nullptr) {  // special words only: most words are none of these
            store_special(n, *info);
            return;
        }
        const auto flags = static_cast<std::uint8_t>(pending_ | (parens_ > 0 ? in_parens : 0));
        words_.push_back(
            {static_cast<std::uint32_t>(used_), static_cast<std::uint32_t>(n), flags, 0});
        used_ += n;
        pending_ = 0;
    }

    // store_word for a word of the table, stored in its canonical spelling.
    void store_special(std::size_t n, const word_info& info) {
        const std::string_view raw(chars_.data() + used_, n);
        std::size_t at = used_;
        std::string_view w = info.canonical;
        std::uint8_t id = info.id;
        std::uint8_t flags = pending_;
        if (info.cue) flags |= cue;
        if (info.url) flags |= url_part;
        if (info.sentence_cue) flags |= sentence_cue;
        if (raw == "cent" && !words_.empty() && (pending_ & paragraph_start) == 0 &&
            word(words_.back()) == "per") {
            at = words_.back().begin;
            words_.pop_back();
            w = "pct";
            id = 0;  // "pct" is only ever a canonical spelling, never a table word
        }
        // From the table's own strings, never from chars_: no overlap.
        std::copy(w.begin(), w.end(), chars_.begin() + static_cast<std::ptrdiff_t>(at));
        if (parens_ > 0) flags |= in_parens;
        words_.push_back(
            {static_cast<std::uint32_t>(at), static_cast<std::uint32_t>(w.size()), flags, id});
        used_ = at + w.size();
        pending_ = 0;
    }

    void put_text(std::string_view decoded) {
        std::size_t i = 0;
        while (i < decoded.size()) {
            const auto uc = static_cast<unsigned char>(decoded[i]);
            if (uc < 0x80) {
                put_ascii(decoded[i]);
                ++i;
                continue;
            }
            utf8proc_int32_t cp = 0;
            const auto used =
                utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(decoded.data() + i),
                                 static_cast<utf8proc_ssize_t>(decoded.size() - i), &cp);
            const std::size_t step = used < 1 ? 1 : static_cast<std::size_t>(used);
            put_code_point(used < 1 ? 0xfffd : cp, decoded.substr(i, used < 1 ? 0 : step));
            i += step;
        }
    }

    void put_code_point(std::int32_t cp, std::string_view bytes) {
        if (!bytes.empty() && is_word_code_point(cp)) {
            if (dot_pending_) end_word();
            word_.append(bytes);
            word_ascii_ = false;
            after_space_ = false;
            return;
        }
        end_word();
        if (cp == 0x2014 || cp == 0x2013) {
            if (after_space_) pending_ |= dash_before;
            after_space_ = false;
            return;
        }
        after_space_ = cp == 0xa0 || cp == 0x2009 || cp == 0x202f;
    }

    // Whether put_ascii(c) right after the ASCII word lowered[0, n) (held in word_, no dot
    // pending, no acronym) would only end the word and note a sentence end or a closing
    // parenthesis: punctuation other than spaces, '%', '(', '[', '-', and a '.' that could
    // join single letters ("u.s").
    static bool ends_word_plainly(char c, const char* lowered, std::size_t n) {
        switch (c) {
            case ',':
            case ';':
            case ':':
            case '!':
            case '?':
            case ')':
            case ']':
            case '"':
            case '\'':
                return true;
            case '.':
                return n > 1 || !is_ascii_alpha(lowered[0]);
            default:
                return false;
        }
    }

    void put_ascii(char c) {
        if (is_ascii_alnum(c)) {
            if (dot_pending_) {
                // "u.s": a dot between single letters joins them into one word.
                if (is_ascii_alpha(c)) {
                    acronym_ = true;
                    dot_pending_ = false;
                } else {
                    end_word();
                }
            }
            word_.push_back(feeds::ascii_lower(c));
            after_space_ = false;
            return;
        }
        if (c == '.' && !dot_pending_ &&
            ((word_.size() == 1 && is_ascii_alpha(word_[0])) || acronym_)) {
            dot_pending_ = true;
            return;
        }
        const bool was_dot = dot_pending_;
        end_word();
        switch (c) {
            case ' ':
            case '\t':
            case '\r':
                if (was_dot) pending_ |= sentence_before;
                after_space_ = true;
                return;
            case '\n':
                paragraph();
                return;
            case '%':
                word_ = "percent";
                end_word();
                break;
            case '(':
            case '[':
                ++parens_;
                break;
            case ')':
            case ']':
                parens_ = std::max(0, parens_ - 1);
                break;
            case '-':
                if (after_space_) pending_ |= dash_before;
                break;
            case '.':
            case '!':
            case '?':
                pending_ |= sentence_before;
                break;
            default:
                break;
        }
        after_space_ = false;
    }

    // "&amp;", "&#8217;", "&#x2019;" → UTF-8; 0 when not a reference.
    static std::size_t entity(std::string_view text, std::size_t at, std::string& out) {
        const auto semi = text.find(';', at + 1);
        if (semi == std::string_view::npos || semi - at > 12 || semi == at + 1) return 0;
        const std::string_view name = text.substr(at + 1, semi - at - 1);
        std::uint32_t cp = 0;
        if (name[0] == '#') {
            const bool hex = name.size() > 1 && (name[1] == 'x' || name[1] == 'X');
            const std::string_view digits = name.substr(hex ? 2 : 1);
            if (digits.empty()) return 0;
            for (const char d : digits) {
                int v = -1;
                if (d >= '0' && d <= '9')
                    v = d - '0';
                else if (hex && d >= 'a' && d <= 'f')
                    v = d - 'a' + 10;
                else if (hex && d >= 'A' && d <= 'F')
                    v = d - 'A' + 10;
                if (v < 0) return 0;
                cp = cp * (hex ? 16U : 10U) + static_cast<std::uint32_t>(v);
                if (cp > 0x10ffff) return 0;
            }
        } else {
            const auto named = feeds::html_entity(name);
            if (!named) return 0;
            cp = static_cast<std::uint32_t>(*named);
        }
        feeds::append_utf8(out, static_cast<char32_t>(cp));
        return semi - at + 1;
    }

    // Skips a tag (or comment) starting at `at`; a block tag ends the paragraph. A '<' that
    // opens no tag is punctuation.
    std::size_t tag(std::string_view text, std::size_t at) {
        if (text.substr(at, 4) == "<!--") {
            const auto end = text.find("-->", at + 4);
            return end == std::string_view::npos ? text.size() : end + 3;
        }
        std::size_t j = at + 1;
        const bool closing = j < text.size() && text[j] == '/';
        if (closing) ++j;
        if (j >= text.size() || !(is_ascii_alpha(text[j]) || text[j] == '!' || text[j] == '?')) {
            put_ascii('<');
            return at + 1;
        }
        std::size_t name_end = j;
        while (name_end < text.size() && is_ascii_alnum(text[name_end]))
            ++name_end;
        std::string name = feeds::ascii_lower(text.substr(j, name_end - j));
        std::size_t k = name_end;
        char quote = 0;
        while (k < text.size()) {
            const char ch = text[k];
            if (quote != 0) {
                if (ch == quote) quote = 0;
            } else if ((ch == '"' || ch == '\'') && text[k - 1] == '=') {
                quote = ch;
            } else if (ch == '>') {
                break;
            }
            ++k;
        }
        const std::size_t next = k < text.size() ? k + 1 : text.size();
        static constexpr std::string_view blocks[] = {
            "p",  "br", "div", "li", "ul", "ol", "h1",      "h2",         "h3",   "h4",
            "h5", "h6", "tr",  "td", "th", "hr", "section", "blockquote", "table"};
        if (std::find(std::begin(blocks), std::end(blocks), name) != std::end(blocks)) {
            paragraph();
        } else {
            end_word();
            after_space_ = true;
        }
        if (!closing && (name == "script" || name == "style")) {
            const std::string close = "</" + name;
            std::size_t end = next;
            while ((end = text.find("</", end)) != std::string_view::npos) {
                if (feeds::ascii_lower(text.substr(end, close.size())) == close) break;
                end += 2;
            }
            if (end == std::string_view::npos) return text.size();
            const auto gt = text.find('>', end);
            return gt == std::string_view::npos ? text.size() : gt + 1;
        }
        return next;
    }
};

// A phrase: up to three words, matched word by word.
struct phrase {
    std::array<std::string_view, 3> words;
};

// The same phrase as word table ids (0 ends a shorter phrase).
using phrase_ids = std::array<std::uint8_t, 3>;

template <std::size_t N>
std::array<phrase_ids, N> ids_of(const phrase (&phrases)[N]) {
    std::array<phrase_ids, N> out{};
    for (std::size_t i = 0; i < N; ++i) {
        for (std::size_t k = 0; k < 3 && !phrases[i].words[k].empty(); ++k)
            out[i][k] = special_words().id_of(phrases[i].words[k]);
    }
    return out;
}

bool match_at(const tokenizer& t, std::size_t at, std::size_t end, const phrase_ids& p) {
    for (const auto id : p) {
        if (id == 0) return true;
        if (at >= end || t.words()[at].id != id) return false;
        ++at;
    }
    return true;
}

template <std::size_t N>
bool starts_with_phrase(const tokenizer& t, std::size_t begin, std::size_t end,
                        const std::array<phrase_ids, N>& phrases) {
    return std::any_of(phrases.begin(), phrases.end(),
                       [&](const phrase_ids& p) { return match_at(t, begin, end, p); });
}

// The position of the first phrase in [begin, end), or end.
template <std::size_t N>
std::size_t find_phrase(const tokenizer& t, std::size_t begin, std::size_t end,
                        const std::array<phrase_ids, N>& phrases) {
    for (std::size_t i = begin; i < end; ++i) {
        if ((t.words()[i].flags & cue) != 0 && starts_with_phrase(t, i, end, phrases)) return i;
    }
    return end;
}

// Paragraph openings that only outlet furniture uses.
constexpr phrase furniture_openings[] = {{{"reporting", "by"}}, {{"additional", "reporting"}},
                                         {{"writing", "by"}},   {{"editing", "by"}},
                                         {{"compiled", "by"}},  {{"the", "post"}},
                                         {{"read", "more"}},    {{"continue", "reading"}},
                                         {{"related"}},         {{"see", "also"}},
                                         {{"sign", "up"}},      {{"subscribe"}},
                                         {{"follow", "us"}},    {{"copyright"}},
                                         {{"all", "rights"}},   {{"our", "standards"}},
                                         {{"click", "here"}},   {{"advertisement"}},
                                         {{"share", "this"}},   {{"more", "from"}},
                                         {{"recommended"}},     {{"newsletter"}}};

// Phrases that mark a short paragraph as furniture wherever they appear in it.
constexpr phrase furniture_phrases[] = {{{"appeared", "first"}},   {{"all", "rights", "reserved"}},
                                        {{"copyright"}},           {{"reporting", "by"}},
                                        {{"editing", "by"}},       {{"writing", "by"}},
                                        {{"newsletter"}},          {{"sign", "up"}},
                                        {{"subscribe"}},           {{"trust", "principles"}},
                                        {{"read", "more"}},        {{"continue", "reading"}},
                                        {{"related", "coverage"}}, {{"follow", "us"}},
                                        {{"click", "here"}}};

constexpr phrase tail_phrases[] = {
    {{"continue", "reading"}}, {{"read", "more"}}, {{"click", "here"}}, {{"read", "the", "full"}}};

// Phrases that only web furniture uses, matched inside a paragraph, sentence by sentence (a feed
// summary flattens a byline, a caption or a promotion into the lede's paragraph): a short
// sentence (<= 14 words: longer ones more often carry story words too) holding one goes.
constexpr phrase sentence_furniture[] = {{{"your", "inbox"}},
                                         {{"story", "continues"}},
                                         {{"listen", "to", "this"}},
                                         {{"originally", "published"}},
                                         {{"share", "this"}},
                                         {{"appeared", "first"}},
                                         {{"all", "rights", "reserved"}},
                                         {{"click", "here"}},
                                         {{"follow", "us"}},
                                         {{"sign", "up"}},
                                         {{"subscribe", "to"}}};

// A byline run into the lede ("By Jane Roe, Staff Writer WASHINGTON - ..."): near a sentence's
// start, it goes with the words before it.
constexpr phrase byline_phrases[] = {
    {{"staff", "writer"}}, {{"staff", "reporter"}}, {{"posted", "by"}}, {{"staff", "and", "wire"}}};

// "The post <headline> appeared first on <outlet>." (WordPress feeds) closing a paragraph.
constexpr phrase post_phrases[] = {{{"the", "post"}}};
constexpr phrase appeared_phrases[] = {{{"appeared", "first"}}};

constexpr phrase credit_phrases[] = {
    {{"reporting", "by"}},         {{"editing", "by"}}, {{"writing", "by"}}, {{"compiled", "by"}},
    {{"additional", "reporting"}}, {{"photo"}},         {{"image"}},         {{"file", "photo"}}};

// Words of the phrase of `phrases` that starts at `at` (0: none).
template <std::size_t N>
std::size_t phrase_length_at(const tokenizer& t, std::size_t at, std::size_t end,
                             const std::array<phrase_ids, N>& phrases) {
    for (const auto& p : phrases) {
        if (match_at(t, at, end, p)) {
            return static_cast<std::size_t>(
                std::count_if(p.begin(), p.end(), [](std::uint8_t id) { return id != 0; }));
        }
    }
    return 0;
}

// Drops from each sentence of [begin, end) a byline phrase within its first 8 words with the
// words before it, when more than 8 words follow (the lede); then a sentence of <= 14 words
// holding a furniture phrase goes whole.
template <std::size_t B, std::size_t F>
void drop_furniture_sentences(const tokenizer& t, std::size_t begin, std::size_t end,
                              const std::array<phrase_ids, B>& bylines,
                              const std::array<phrase_ids, F>& furniture,
                              std::vector<std::uint8_t>& keep) {
    const auto& words = t.words();
    const auto drop = [&](std::size_t from, std::size_t to) {
        std::fill(keep.begin() + static_cast<std::ptrdiff_t>(from),
                  keep.begin() + static_cast<std::ptrdiff_t>(to), std::uint8_t{0});
    };
    for (std::size_t sb = begin; sb < end;) {
        std::size_t se = sb + 1;
        while (se < end && (words[se].flags & sentence_before) == 0)
            ++se;
        const std::size_t near = std::min(se, sb + 8);
        const std::size_t at = find_phrase(t, sb, near, bylines);
        if (at < near) {
            const std::size_t lead = at + phrase_length_at(t, at, se, bylines);
            if (se - lead > 8) {
                drop(sb, lead);
                sb = lead;  // the rest may hold more: "By A, Staff Writer Get ... your inbox."
                continue;
            }
        }
        if (se - sb <= 14 && find_phrase(t, sb, se, furniture) < se) drop(sb, se);
        sb = se;
    }
}

// Calls emit(word) for each word of the text that is story text, not outlet furniture.
template <typename Emit>
void story_words(std::string_view text_html, std::size_t max_words, Emit&& emit) {
    static const auto opening_ids = ids_of(furniture_openings);
    static const auto furniture_ids = ids_of(furniture_phrases);
    static const auto tail_ids = ids_of(tail_phrases);
    static const auto credit_ids = ids_of(credit_phrases);
    static const auto post_ids = ids_of(post_phrases);
    static const auto appeared_ids = ids_of(appeared_phrases);
    static const auto sentence_ids = ids_of(sentence_furniture);
    static const auto byline_ids = ids_of(byline_phrases);
    thread_local tokenizer t;
    t.reset();
    // Read a margin past the limit, so furniture dropped from the start does not shorten it.
    t.run(text_html, max_words == 0 ? 0 : max_words + max_words / 2);
    const auto& words = t.words();
    thread_local std::vector<std::uint8_t> keep;
    keep.assign(words.size(), 1);
    bool first = true;
    std::size_t begin = 0;
    while (begin < words.size()) {
        std::size_t end = begin + 1;
        while (end < words.size() && (words[end].flags & paragraph_start) == 0)
            ++end;
        const std::size_t count = end - begin;
        bool drop = false;
        if (!first || end < words.size()) {
            drop = starts_with_phrase(t, begin, end, opening_ids);
        }
        if (!first && !drop && count <= 40) {
            drop = find_phrase(t, begin, end, furniture_ids) < end ||
                   std::any_of(words.begin() + static_cast<std::ptrdiff_t>(begin),
                               words.begin() + static_cast<std::ptrdiff_t>(end),
                               [](const word_ref& w) { return (w.flags & url_part) != 0; });
        }
        if (drop) {
            std::fill(keep.begin() + static_cast<std::ptrdiff_t>(begin),
                      keep.begin() + static_cast<std::ptrdiff_t>(end), std::uint8_t{0});
            begin = end;
            continue;
        }
        if (std::any_of(words.begin() + static_cast<std::ptrdiff_t>(begin),
                        words.begin() + static_cast<std::ptrdiff_t>(end),
                        [](const word_ref& w) { return (w.flags & sentence_cue) != 0; })) {
            drop_furniture_sentences(t, begin, end, byline_ids, sentence_ids, keep);
        }
        std::size_t from = begin;
        while (from < end && keep[from] == 0)
            ++from;
        if (first) {
            // Dateline: "WASHINGTON, March 3 -" or "LOWELL (Reuters) -", a few words before a
            // spaced dash and before any sentence end.
            const std::size_t start = from;
            for (std::size_t i = start + 1; i < end && i <= start + 7; ++i) {
                if ((words[i].flags & sentence_before) != 0) break;
                if ((words[i].flags & dash_before) != 0) {
                    from = i;
                    break;
                }
            }
        }
        // A summary's link text at its end: "... Continue reading", "Read more".
        const std::size_t tail_from = end > from + 12 ? end - 12 : from;
        std::size_t tail = find_phrase(t, tail_from, end, tail_ids);
        // "The post ... appeared first on ...": from the last "the post" before "appeared
        // first" (a headline's length back), never "the post" alone: "named to the post of
        // chief executive" is story text.
        if (const std::size_t appeared =
                find_phrase(t, end > from + 12 ? end - 12 : from, end, appeared_ids);
            appeared < end) {
            std::size_t last = appeared;
            for (std::size_t i = appeared > from + 30 ? appeared - 30 : from;
                 (i = find_phrase(t, i, appeared, post_ids)) < appeared; ++i)
                last = i;
            tail = std::min(tail, last);
        }
        for (std::size_t i = begin; i < end; ++i) {
            if (i < from || i >= tail || (words[i].flags & url_part) != 0) keep[i] = 0;
        }
        if (from >= tail) {
            begin = end;
            continue;
        }
        // "(Reporting by A; Editing by B)" inside the paragraph.
        for (std::size_t i = from; i < tail;) {
            if ((words[i].flags & in_parens) == 0) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < tail && (words[j].flags & in_parens) != 0)
                ++j;
            if (find_phrase(t, i, j, credit_ids) < j) {
                std::fill(keep.begin() + static_cast<std::ptrdiff_t>(i),
                          keep.begin() + static_cast<std::ptrdiff_t>(j), std::uint8_t{0});
            }
            i = j;
        }
        if (std::any_of(keep.begin() + static_cast<std::ptrdiff_t>(begin),
                        keep.begin() + static_cast<std::ptrdiff_t>(end),
                        [](std::uint8_t k) { return k != 0; })) {
            first = false;
        }
        begin = end;
    }
    std::size_t emitted = 0;
    for (std::size_t i = 0; i < words.size() && (max_words == 0 || emitted < max_words); ++i) {
        if (keep[i] != 0) {
            emit(t.word(words[i]));
            ++emitted;
        }
    }
}

// A fixed set of short words, found with one hash probe (the word_table's hash): title words
// are checked against ~110 of them.
class word_set {
  public:
    template <std::size_t N>
    explicit word_set(const std::string_view (&words)[N]) {
        static_assert(N < size / 2);
        for (const auto word : words) {
            std::size_t i = hash(word);
            while (!slots_[i].empty() && slots_[i] != word)
                i = (i + 1) & (size - 1);
            slots_[i] = word;
        }
    }

    bool contains(std::string_view word) const {
        if (word.empty()) return false;
        for (std::size_t i = hash(word);; i = (i + 1) & (size - 1)) {
            const auto& e = slots_[i];
            if (e.empty()) return false;
            if (e.size() == word.size() && e[0] == word[0] && e == word) return true;
        }
    }

  private:
    static constexpr std::size_t size = 256;
    std::array<std::string_view, size> slots_{};

    static std::size_t hash(std::string_view w) {
        const auto a = static_cast<unsigned char>(w.front());
        const auto b = static_cast<unsigned char>(w.back());
        return (w.size() * 61 + a * 7 + b * 131) & (size - 1);
    }
};

bool is_title_decoration(std::string_view word) {
    static constexpr std::string_view words[] = {
        "update",  "updated",  "exclusive", "corrected", "correction", "refile",
        "wrapup",  "breaking", "report",    "reports",   "analysis",   "factbox",
        "insight", "preview",  "rpt",       "urgent",    "flash",      "video",
        "watch",   "live",     "explainer", "reuters",   "opinion",    "developing"};
    static const word_set set(words);
    return set.contains(word);
}

bool is_stop_word(std::string_view word) {
    static constexpr std::string_view words[] = {
        "company",  "corporation", "incorporated", "limited", "group", "holding",
        "holdings", "unit",        "units",        "a",       "an",    "the",
        "and",      "or",          "of",           "to",      "in",    "on",
        "at",       "for",         "by",           "with",    "from",  "as",
        "is",       "are",         "was",          "were",    "be",    "been",
        "it",       "its",         "this",         "that",    "these", "has",
        "have",     "had",         "will",         "say",     "not",   "no",
        "but",      "up",          "down",         "over",    "after", "into",
        "than",     "new",         "more",         "s",       "his",   "her",
        "their",    "he",          "she",          "we",      "you",   "they",
        "i",        "our",         "your",         "my",      "what",  "who",
        "how",      "why",         "when",         "where",   "which", "so",
        "do",       "does",        "did",          "can",     "could", "would",
        "should",   "about",       "all",          "just",    "here",  "there",
        "if"};
    static const word_set set(words);
    return set.contains(word);
}

// view.rfind(sep) for a separator " X " (X one or more bytes): std::string_view::rfind calls
// memcmp at every space of a headline, this compares in line.
std::size_t rfind_spaced(std::string_view view, std::string_view sep) {
    if (view.size() < sep.size()) return std::string_view::npos;
    // Most headlines hold no '|', dash or its lead byte at all: one memchr says so.
    if (view.find(sep[1]) == std::string_view::npos) return std::string_view::npos;
    for (std::size_t at = view.size() - sep.size() + 1; at-- > 0;) {
        if (view[at] != ' ' || view[at + 1] != sep[1]) continue;
        std::size_t k = 2;
        while (k < sep.size() && view[at + k] == sep[k])
            ++k;
        if (k == sep.size()) return at;
    }
    return std::string_view::npos;
}

std::size_t count_spaces(std::string_view text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), ' '));
}

}  // namespace

std::string normalise_text(std::string_view text_html) {
    std::string out;
    out.reserve(text_html.size());
    story_words(text_html, 0, [&](std::string_view w) {
        if (!out.empty()) out.push_back(' ');
        out.append(w);
    });
    return out;
}

const std::vector<std::string_view>& text_words(std::string_view text_html, std::size_t max_words) {
    thread_local std::vector<std::string_view> out;
    out.clear();
    story_words(text_html, max_words, [&](std::string_view w) { out.push_back(w); });
    return out;
}

std::string normalise_title(std::string_view title, bool keep_kicker) {
    std::string text = feeds::html_to_text(title);
    std::string_view view(text);
    // Trailing outlet: "... | Outlet", "... - Reuters", "... (Reuters)".
    if (const auto bar = rfind_spaced(view, " | "); bar != std::string_view::npos && bar > 0) {
        view = view.substr(0, bar);
    }
    for (const std::string_view dash : {" - ", " \xe2\x80\x94 ", " \xe2\x80\x93 "}) {
        const auto at = rfind_spaced(view, dash);
        if (at != std::string_view::npos && at > 0 &&
            count_spaces(view.substr(at + dash.size())) <= 3) {
            view = view.substr(0, at);
        }
    }
    if (!view.empty() && view.back() == ')') {
        const auto open = view.rfind('(');
        if (open != std::string_view::npos && open > 0 && count_spaces(view.substr(open)) <= 2) {
            view = view.substr(0, open);
        }
    }
    // Leading decoration: "UPDATE 1-", "EXCLUSIVE-", "Breaking: ", "Report: ".
    {
        std::size_t i = 0;
        while (i < view.size() && is_ascii_alpha(view[i]))
            ++i;
        const std::string word = feeds::ascii_lower(view.substr(0, i));
        std::size_t j = i;
        if (j < view.size() && view[j] == ' ' && j + 1 < view.size() && view[j + 1] >= '0' &&
            view[j + 1] <= '9') {
            j += 1;
            while (j < view.size() && view[j] >= '0' && view[j] <= '9')
                ++j;
        }
        if (i > 0 && is_title_decoration(word) && j < view.size() &&
            (view[j] == '-' || view[j] == ':')) {
            view.remove_prefix(j + 1);
        } else if (const auto colon = view.find(": ");
                   !keep_kicker && colon != std::string_view::npos && colon < 30 &&
                   count_spaces(view.substr(0, colon)) <= 1 && count_spaces(view) >= 4) {
            view.remove_prefix(colon + 2);  // "Kremlin: ...": a one-word kicker
        }
    }
    std::string out;
    thread_local tokenizer t;
    t.reset();
    t.run(view);
    std::size_t size = 0;
    for (const auto& w : t.words())
        size += w.size + 1;
    out.reserve(size);  // one allocation, not one per doubling past 15 bytes
    for (const auto& w : t.words()) {
        if (!out.empty()) out.push_back(' ');
        out.append(t.word(w));
    }
    return out;
}

const std::vector<std::string_view>& title_content_words(std::string_view normalised_title) {
    thread_local std::vector<std::string_view> out;  // reused: a vector per title cost mallocs
    out.clear();
    std::size_t start = 0;
    while (start < normalised_title.size()) {
        auto end = normalised_title.find(' ', start);
        if (end == std::string_view::npos) end = normalised_title.size();
        const auto word = normalised_title.substr(start, end - start);
        if (word.size() >= 2 && !is_stop_word(word) && !is_title_decoration(word)) {
            out.push_back(word);
        }
        start = end + 1;
    }
    return out;
}

}  // namespace feedd::stories
