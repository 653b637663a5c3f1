#include "stories/clusterer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <charconv>
#include <limits>
#include <stdexcept>

namespace feedd::stories {
namespace {

constexpr std::uint32_t headline_only_flag = 1;

struct member {
    item_id item = 0;
    story_id story = 0;
    std::int64_t time = 0;
    std::uint32_t shingles = 0;
    std::uint8_t flags = 0;
    std::uint8_t title_words = 0;
    std::array<std::uint16_t, max_title_words> title{};
    // The query that last listed this member as a candidate (clusterer::state::mark): the
    // lists of a query are deduplicated by it instead of sorted. In what was padding.
    std::uint16_t mark = 0;
};
static_assert(sizeof(member) == 56, "member's mark must fit in what was padding");

// Members per block of their stored values and chain links (see clusterer::state::blocks).
constexpr std::size_t block_shift = 10;
constexpr std::size_t block_members = std::size_t{1} << block_shift;

struct ring_block {
    std::unique_ptr<member[]> members;        // one per member
    std::unique_ptr<std::uint16_t[]> values;  // `hashes` per member (once known)
    std::unique_ptr<std::uint32_t[]> older;   // `bands` per member (once known)
};

struct entry {
    std::uint32_t key = 0;  // 0: empty slot; live keys have the low bit set
    std::uint32_t seq = 0;  // low 32 bits of the member's sequence number
};

}  // namespace

struct clusterer::state {
    story_id next_story = 1;
    int hashes = 0;  // MinHash values per signature, fixed by the first signature seen
    // Per member, in blocks of block_members consecutive sequence numbers (a ring of blocks,
    // block number mod blocks.size()): the member itself (a block, not a std::deque: a deque
    // of these 56-byte records holds 9 per node, and its index arithmetic divided by 9 on
    // every candidate), its `hashes` values (low 16 bits of each MinHash value),
    // contiguous so verification is one tight loop, and per band the sequence number of the
    // previous member with the same band key. The table holds one entry per key (its newest
    // member), so a query walks that key's members newest first and stops after the few it
    // verifies: templated feeds, whose items all share band keys, cost a bounded walk per query
    // instead of the whole window. Blocks come and go with the window, so the memory follows the
    // windowed items: no power-of-two slack, and growing never holds an old and a new copy.
    std::vector<ring_block> blocks;
    ring_block spare;  // the last block the window left, for the next one it enters
    int bands = 0;     // band keys per member, fixed with `hashes`

    std::size_t count = 0;  // members in the window: sequence numbers base_seq ...

    ring_block& block_of(std::uint64_t seq) {
        return blocks[(seq >> block_shift) & (blocks.size() - 1)];
    }

    member& member_at(std::uint64_t seq) {
        return block_of(seq).members[seq & (block_members - 1)];
    }

    std::uint32_t* older_of(std::uint64_t seq) {
        return block_of(seq).older.get() +
               (seq & (block_members - 1)) * static_cast<std::size_t>(bands);
    }

    std::uint16_t* values_of(std::uint64_t seq) {
        return block_of(seq).values.get() +
               (seq & (block_members - 1)) * static_cast<std::size_t>(hashes);
    }

    // Room for the next member, its values and chain links (no values are stored before the
    // first signature fixes `hashes`).
    void reserve_one() {
        const std::uint64_t seq = base_seq + count;
        const std::uint64_t first = base_seq >> block_shift, last = seq >> block_shift;
        if (last - first + 1 > blocks.size()) {
            std::size_t size = std::max<std::size_t>(4, blocks.size() * 2);
            while (size < last - first + 1)
                size *= 2;
            std::vector<ring_block> grown(size);
            for (std::uint64_t b = first; b <= last && !blocks.empty(); ++b)
                grown[b & (grown.size() - 1)] = std::move(blocks[b & (blocks.size() - 1)]);
            blocks.swap(grown);
        }
        auto& block = block_of(seq);
        if (!block.members) {
            if (spare.members) {
                block = std::move(spare);
            } else {
                block.members = std::make_unique<member[]>(block_members);
            }
        }
        if (hashes == 0 || block.values) return;
        // Not zeroed (as a reused spare block is not): a member's values and links are written
        // when it enters, and a chain only reaches indexed members.
        block.values = std::make_unique_for_overwrite<std::uint16_t[]>(
            block_members * static_cast<std::size_t>(hashes));
        block.older = std::make_unique_for_overwrite<std::uint32_t[]>(
            block_members * static_cast<std::size_t>(bands));
    }

    // The window has left the block of `seq`: keep it as the spare or free it.
    void release_block(std::uint64_t seq) {
        if (blocks.empty()) return;
        auto& block = block_of(seq);
        if (!block.members) return;
        if (!spare.members) {
            spare = std::move(block);
        } else {
            block = ring_block{};
        }
    }
    std::uint64_t base_seq = 0;  // sequence number of the oldest member
    std::vector<entry> table = std::vector<entry>(1024);
    std::size_t used = 0;
    std::vector<std::uint32_t> candidates;  // scratch
    std::uint16_t mark = 0;                 // of the current query (member::mark)

    // A new mark for a query; when the 16 bits wrap, the windowed members' marks are cleared
    // (members enter the window unmarked), so no member carries the new mark yet.
    std::uint16_t next_mark() {
        if (++mark == 0) {
            for (std::uint64_t seq = base_seq; seq < base_seq + count; ++seq)
                member_at(seq).mark = 0;
            mark = 1;
        }
        return mark;
    }
    std::vector<std::uint16_t> same_counts;  // scratch: per candidate

    std::size_t mask() const { return table.size() - 1; }
    static std::size_t home(std::uint32_t key, std::size_t mask) {
        return static_cast<std::size_t>((key ^ (key >> 15)) * 0x2c1b3c6dU) & mask;
    }

    // Entries of expired members stay in the table until the next rebuild (lazy deletion):
    // expiry then costs nothing per entry, and band keys can hash the full 32-bit MinHash values,
    // which the ring (16 bits per value) could not give back for a deletion.
    std::uint64_t rebuilt_at_seq = 0;  // base_seq at the last rebuild

    // An entry's member is in the window (the unsigned difference wraps for expired ones).
    bool live(const entry& e) const {
        return e.key != 0 && e.seq - static_cast<std::uint32_t>(base_seq) < count;
    }

    // Makes member e.seq the newest of its band key, chained to the previous newest.
    void insert_entry(entry e, int band) {
        // An expired entry kept for 2^31 members would alias a live sequence number: rebuild
        // long before.
        if ((used + 1) * 4 > table.size() * 3 || base_seq - rebuilt_at_seq > (1ULL << 30)) {
            rebuild();
        }
        // No older member: a sequence number before the window, which never becomes live.
        std::uint32_t previous = static_cast<std::uint32_t>(base_seq) - 1;
        std::size_t i = home(e.key, mask());
        while (table[i].key != 0 && table[i].key != e.key)
            i = (i + 1) & mask();
        if (table[i].key == 0) {
            ++used;
        } else {
            previous = table[i].seq;
        }
        older_of(e.seq)[band] = previous;
        table[i] = e;
    }

    // Drops expired entries; doubles the table while the live ones fill more than half. Sized
    // by the keys left, not by members x bands: members that share a key (copies, templated
    // text) share its entry, and counting them doubled the table past any need (a 4M-entry,
    // 33.5 MB table for 1.6M band keys of which 670k were distinct in the 1M-item stream).
    void rebuild() {
        compact();
        std::size_t size = table.size();
        while ((used + 1) * 2 > size)
            size *= 2;
        if (size != table.size()) {
            std::vector<entry> old(size);
            old.swap(table);
            used = 0;
            for (const auto& e : old) {
                if (e.key != 0) place(e);
            }
        }
        rebuilt_at_seq = base_seq;
    }

    void place(entry e) {
        std::size_t i = home(e.key, mask());
        while (table[i].key != 0)
            i = (i + 1) & mask();
        table[i] = e;
        ++used;
    }

    // In place, so peak memory stays one table: empty the expired slots, then re-place each live
    // entry in probe order starting after a slot that was already empty (no probe chain crosses
    // it), so an entry only ever moves back towards its home slot, into processed territory.
    void compact() {
        std::size_t start = 0;
        while (table[start].key != 0)
            ++start;  // exists: the table is at most 3/4 full
        for (auto& e : table) {
            if (e.key != 0 && !live(e)) e = entry{};
        }
        used = 0;
        for (std::size_t k = 1; k <= table.size(); ++k) {
            const std::size_t i = (start + k) & mask();
            if (table[i].key == 0) continue;
            const entry e = table[i];
            table[i] = entry{};
            place(e);
        }
    }
};

namespace {

// Members verified per add: the newest this many listed by any band, and when that cap cuts the
// walk, each band's next rare_key_depth members and the members of its rare keys (below). On
// templated feeds (the feed farm) nearly every add lists hundreds, each a chain step, a
// verification and cache misses; what finds a copy there is depth in every band (a copy leads
// the chain of a key only its story shares), not the newest members of all bands together.
// 16 + 4 per band: a farm add ~2.4x cheaper than 128 + 2 per band, and more true joins (farm
// pairwise recall 0.297 -> 0.376, precision 0.804 -> 0.826); on the evaluation sets, where
// adds list up to 83 members (wire-full 51, wire-feed 60, uci-headlines 83) and so are cut
// now, and on bench/cluster-holdout the decisions are the same as with 128 + 2 (docs/design.md,
// "Candidate cap").
constexpr std::size_t max_verified_candidates = 16;
// When that cap cuts the walk, each band's next members up to this depth are verified as well.
constexpr std::size_t rare_key_depth = 4;
// A band key whose newest key_probe_depth members belong to common_key_stories or more stories
// is common: a template sentence or stock phrase that unrelated items share says as little about
// the story as a common word does in IDF weighting. A rare key's members (up to that depth) are
// verified whatever the cap, and a text candidate must share at least one rare key.
constexpr std::size_t key_probe_depth = 8;
constexpr std::size_t common_key_stories = 4;

// The full 32-bit values: a chance collision between unrelated items is then 1 in 2^31 per band
// (with the ring's 16 bits every band of a 100,000-item window listed ~1.5 strangers).
std::uint32_t band_key(const std::uint32_t* values, int band, int rows) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(band + 1);
    for (int r = 0; r < rows; ++r) {
        h ^= values[band * rows + r];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return static_cast<std::uint32_t>(h) | 1U;
}

// The keys of the first `bands` bands into keys[]; the default one row per band unrolled.
void band_keys(const std::vector<std::uint32_t>& values, int bands, int rows, std::uint32_t* keys) {
    if (rows == 1) {
        for (int b = 0; b < bands; ++b)
            keys[b] = band_key(values.data(), b, 1);
        return;
    }
    for (int b = 0; b < bands; ++b)
        keys[b] = band_key(values.data(), b, rows);
}

double title_overlap(const member& m, const signature& sig) {
    if (m.title_words == 0 || sig.title_words == 0) return 0;
    std::size_t a = 0, b = 0, common = 0;
    while (a < m.title_words && b < sig.title_words) {
        if (m.title[a] == sig.title[b]) {
            ++common;
            ++a;
            ++b;
        } else if (m.title[a] < sig.title[b]) {
            ++a;
        } else {
            ++b;
        }
    }
    return static_cast<double>(common) / std::min(m.title_words, sig.title_words);
}

void append_fixed2(std::string& out, double v) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed, 2);
    out.append(buf, r.ptr);
}

// "rule (jaccard 0.82, containment 0.91 of 120 shingles, title 0.50)". std::to_chars, not
// snprintf: this runs for every joining item and snprintf was 2% of `feedd cluster`.
std::string describe(const char* rule, const match_features& f) {
    std::string out(rule);
    out += " (jaccard ";
    append_fixed2(out, f.jaccard);
    out += ", containment ";
    append_fixed2(out, f.containment);
    out += " of ";
    out += std::to_string(f.smaller_shingles);
    out += " shingles, title ";
    append_fixed2(out, f.title_overlap);
    out += ')';
    return out;
}

// Where a query walks the band chains: state::older_of without the state, so the walk can be
// compiled for AVX2 on its own.
struct chain_walk {
    const ring_block* blocks;
    std::size_t block_mask;
    std::size_t bands;
    std::uint64_t base_seq;
    std::uint32_t window;

    // The member at a window index and its values, with the ring's layout in locals (through
    // state, every access reloaded the blocks vector's bounds).
    const ring_block& block_at(std::uint32_t index) const {
        return blocks[((base_seq + index) >> block_shift) & block_mask];
    }
    const member& member_at(std::uint32_t index) const {
        return block_at(index).members[(base_seq + index) & (block_members - 1)];
    }
    const std::uint16_t* values_at(std::uint32_t index, std::size_t hashes) const {
        return block_at(index).values.get() + ((base_seq + index) & (block_members - 1)) * hashes;
    }
    // The member at a window index and its chain links, from one block lookup.
    struct place {
        member* m;
        const std::uint32_t* older;
    };
    place place_of(std::uint32_t index) const {
        const std::uint64_t seq = base_seq + index;
        const ring_block& block = blocks[(seq >> block_shift) & block_mask];
        const std::size_t at = seq & (block_members - 1);
        return {&block.members[at], block.older.get() + at * bands};
    }
    // Whether the member at a window index is not yet listed by the query of `mark`; marks it.
    bool mark_listed(std::uint32_t index, std::uint16_t mark) const {
        member& m = block_at(index).members[(base_seq + index) & (block_members - 1)];
        if (m.mark == mark) return false;
        m.mark = mark;
        return true;
    }
};

// Each band key's members, newest first, merged: the newest `limit` members listed by any band
// (head[b]: band b's next member as window index + 1, 0 when exhausted), written to `out` newest
// first; returns how many. A member that several bands list moves all of them on at once from
// one cache line (its chain links are adjacent). Branch-free per band, so both loops vectorise:
// templated feeds, whose items share band keys, list `limit` members on every query.
std::size_t merge_chains_any(const chain_walk& walk, std::uint32_t* head, std::uint32_t* out,
                             std::size_t limit) {
    const auto base32 = static_cast<std::uint32_t>(walk.base_seq);
    std::size_t count = 0;
    while (count < limit) {
        std::uint32_t newest = 0;
        for (std::size_t b = 0; b < walk.bands; ++b)
            newest = std::max(newest, head[b]);
        if (newest == 0) break;  // past the first expired member all are expired
        out[count++] = newest - 1;
        const std::uint64_t seq = walk.base_seq + newest - 1;
        const std::uint32_t* older =
            walk.blocks[(seq >> block_shift) & walk.block_mask].older.get() +
            (seq & (block_members - 1)) * walk.bands;
        for (std::size_t b = 0; b < walk.bands; ++b) {
            const std::uint32_t index = older[b] - base32;
            const std::uint32_t next = index < walk.window ? index + 1 : 0;
            head[b] = head[b] == newest ? next : head[b];
        }
    }
    return count;
}

constexpr std::size_t default_bands = 16;
constexpr std::size_t default_hashes = 64;

// merge_chains_any for the default 16 bands, held in two registers of 8 lanes (GCC vector
// extensions: one AVX2 register each, two SSE registers in the default clone) for the whole
// walk: about half the instructions per step of the generic loops.
using lanes = std::uint32_t __attribute__((vector_size(32)));

// An AVX2 clone chosen at load time where the CPU has it (x86-64 only; other targets build
// the default code alone).
#if defined(__x86_64__)
#define FEEDD_AVX2_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define FEEDD_AVX2_CLONES
#endif

FEEDD_AVX2_CLONES std::size_t merge_chains16(const chain_walk& walk, std::uint32_t* head,
                                             std::uint32_t* out, std::size_t limit) {
    const auto base32 = static_cast<std::uint32_t>(walk.base_seq);
    lanes low, high;
    std::memcpy(&low, head, sizeof low);
    std::memcpy(&high, head + 8, sizeof high);
    const lanes base = lanes{} + base32, window = lanes{} + walk.window, zero{}, one = zero + 1;
    std::size_t count = 0;
    while (count < limit) {
        lanes m = low > high ? low : high;
        m = m > __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3)
                ? m
                : __builtin_shufflevector(m, m, 4, 5, 6, 7, 0, 1, 2, 3);
        m = m > __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5)
                ? m
                : __builtin_shufflevector(m, m, 2, 3, 0, 1, 6, 7, 4, 5);
        const std::uint32_t newest = std::max(m[0], m[1]);
        if (newest == 0) break;  // past the first expired member all are expired
        out[count++] = newest - 1;
        const std::uint64_t seq = walk.base_seq + newest - 1;
        const std::uint32_t* older =
            walk.blocks[(seq >> block_shift) & walk.block_mask].older.get() +
            (seq & (block_members - 1)) * default_bands;
        lanes older_low, older_high;
        std::memcpy(&older_low, older, sizeof older_low);
        std::memcpy(&older_high, older + 8, sizeof older_high);
        const lanes index_low = older_low - base, index_high = older_high - base;
        const lanes next_low = index_low < window ? index_low + one : zero;
        const lanes next_high = index_high < window ? index_high + one : zero;
        const lanes at = lanes{} + newest;
        low = low == at ? next_low : low;
        high = high == at ? next_high : high;
    }
    std::memcpy(head, &low, sizeof low);
    std::memcpy(head + 8, &high, sizeof high);
    return count;
}

std::size_t merge_chains(const chain_walk& walk, std::uint32_t* head, std::uint32_t* out,
                         std::size_t limit) {
    if (walk.bands == default_bands) return merge_chains16(walk, head, out, limit);
    return merge_chains_any(walk, head, out, limit);
}

// MinHash values two members share: the Jaccard estimate's numerator. N: the count when fixed
// at compile time (the default's 64: unrolled, no loop control), 0 for n.
template <std::size_t N>
[[gnu::always_inline]] inline std::size_t count_equal_of(const std::uint16_t* a,
                                                         const std::uint16_t* b, std::size_t n) {
    const std::size_t values = N != 0 ? N : n;
    std::uint16_t same = 0;  // n <= 1024 values fit; 16-bit lanes vectorise twice as wide
    for (std::size_t i = 0; i < values; ++i)
        same = static_cast<std::uint16_t>(same + (a[i] == b[i] ? 1 : 0));
    return same;
}

// count_equal_of for each candidate (window indexes) against the query, into same[]: one call per
// query, the unrolled count inlined into the loop.
FEEDD_AVX2_CLONES void count_equal_all(const chain_walk& walk, const std::uint32_t* candidates,
                                       std::size_t count, const std::uint16_t* query,
                                       std::size_t hashes, std::uint16_t* same) {
    if (hashes == default_hashes) {
        for (std::size_t k = 0; k < count; ++k) {
            same[k] = static_cast<std::uint16_t>(count_equal_of<default_hashes>(
                walk.values_at(candidates[k], hashes), query, hashes));
        }
        return;
    }
    for (std::size_t k = 0; k < count; ++k) {
        same[k] = static_cast<std::uint16_t>(
            count_equal_of<0>(walk.values_at(candidates[k], hashes), query, hashes));
    }
}

// Whether a member shares the query's value in a band whose key is rare (see key_probe_depth).
bool shares_rare_key(const std::uint16_t* values, const std::uint16_t* query, const bool* rare,
                     int bands, int rows) {
    for (int b = 0; b < bands; ++b) {
        if (!rare[b]) continue;
        bool same = true;
        for (int r = 0; r < rows; ++r)
            same = same && values[b * rows + r] == query[b * rows + r];
        if (same) return true;
    }
    return false;
}

// The least text evidence any rule of verify() accepts: Jaccard, or containment of a text of
// at least min_contained_shingles. Computed from the options exactly as verify() compares.
struct text_floor {
    std::size_t same;    // equal MinHash values for that Jaccard (same / hashes >= it)
    double containment;  // above 1 (never reached) for headline-only items
};

// The containment floor of text_floor as bounds on a member's shingle count, per `same` below
// text_floor::same, for one query: a member of at least the query's size is below the floor
// when it has fewer than low[same] shingles, a smaller one when it has more than high[same].
// Comparing one count replaces the floor's floating-point test for most candidates; the bounds
// are loosened by a relative 1e-6, so a member they call below is below by far more than any
// rounding, and every other member takes the exact test.
class containment_floors {
  public:
    containment_floors(const text_floor& floor, std::uint32_t query_shingles, int hashes)
        : query_(query_shingles) {
        usable_ = std::min<std::size_t>(floor.same, low_.size());
        const double c = floor.containment * (1 - 1e-9), q = query_shingles;
        for (std::size_t same = 1; same < usable_; ++same) {
            const double j = static_cast<double>(same) / hashes;
            // a >= q: below when j (a + q) < c q (1 + j); a < q: when j (a + q) < c a (1 + j).
            low_[same] = (c * q * (1 + j) / j - q) * (1 - 1e-6) - 1e-6;
            const double slope = c * (1 + j) - j;
            high_[same] = slope > 0 ? j * q / slope * (1 + 1e-6) + 1e-6
                                    : std::numeric_limits<double>::infinity();
        }
    }

    bool below(std::size_t same, std::uint32_t member_shingles) const {
        if (same == 0 || same >= usable_) return false;  // the exact test decides
        const double a = member_shingles;
        return member_shingles >= query_ ? a < low_[same] : a > high_[same];
    }

  private:
    std::uint32_t query_;
    std::size_t usable_ = 0;
    std::array<double, 64> low_{}, high_{};
};

text_floor text_floor_of(const cluster_options& o, bool headline_only, int hashes) {
    const double jaccard = headline_only
                               ? o.headline_threshold
                               : std::min({o.strong_threshold, o.threshold, o.threshold / 2});
    text_floor floor{0, headline_only
                            ? 2.0
                            : std::min({o.strong_containment, o.containment, o.containment * 0.7})};
    // The same division as add() makes, so the comparison agrees with verify()'s exactly.
    while (floor.same <= static_cast<std::size_t>(hashes) &&
           static_cast<double>(floor.same) / hashes < jaccard) {
        ++floor.same;
    }
    return floor;
}

}  // namespace

match_verdict verify(const match_features& f, const cluster_options& o) {
    const double score = std::max(f.jaccard, f.containment);
    if (f.headline_only) {
        if (f.jaccard >= o.headline_threshold && f.title_overlap >= o.headline_threshold) {
            return {"same headline", f.jaccard};
        }
        return {};
    }
    // Titles agree, or say nothing (too few content words to judge).
    const bool titles_agree = !f.title_known || f.title_overlap >= o.title_support;
    const bool contained_enough = f.smaller_shingles >= o.min_contained_shingles;
    // Titles with no word in common veto text evidence from a short text: an outlet's stock
    // intro or sign-off shared by unrelated stories looks like a near-duplicate otherwise. Not
    // a nearly identical text longer than such a sentence: a copy under a rewritten headline.
    const bool titles_conflict = f.title_known && f.title_overlap == 0;
    const bool same_text = f.jaccard >= o.title_veto_exempt_jaccard &&
                           f.smaller_shingles >= o.title_veto_exempt_shingles;
    if (titles_conflict && f.smaller_shingles < o.title_veto_shingles && !same_text) return {};
    if (f.jaccard >= o.strong_threshold) return {"text", score};
    if (f.containment >= o.strong_containment &&
        f.smaller_shingles >= 2 * o.min_contained_shingles) {
        return {"contained text", score};
    }
    if (titles_agree && f.jaccard >= o.threshold) return {"text + title", score};
    if (titles_agree && contained_enough && f.containment >= o.containment) {
        return {"contained text + title", score};
    }
    if (f.title_known && f.title_overlap >= o.title_match &&
        (f.jaccard >= o.threshold / 2 ||
         (f.containment >= o.containment * 0.7 && contained_enough))) {
        return {"same title + some text", score};
    }
    return {};
}

clusterer::clusterer(cluster_options options, story_id first_story_id)
    : options_(options), state_(std::make_unique<state>()) {
    state_->next_story = first_story_id;
    options_.bands = std::max(1, options_.bands);
    options_.rows = std::max(1, options_.rows);
}

clusterer::~clusterer() = default;
clusterer::clusterer(clusterer&&) noexcept = default;
clusterer& clusterer::operator=(clusterer&&) noexcept = default;

cluster_decision clusterer::add(item_id item, std::int64_t time, const signature& sig) {
    expire(time);
    auto& s = *state_;
    cluster_decision best;
    best.reason = "no candidate";
    const bool has_words = !sig.minhash.empty();
    if (has_words && s.hashes == 0) s.hashes = static_cast<int>(sig.minhash.size());
    if (has_words && static_cast<int>(sig.minhash.size()) != s.hashes) {
        throw std::invalid_argument("clusterer: signature with " +
                                    std::to_string(sig.minhash.size()) + " hashes, index has " +
                                    std::to_string(s.hashes));
    }
    if (!has_words) best.reason = "no words";
    const char* best_rule = nullptr;
    match_features best_features;
    const int bands = std::min(options_.bands, s.hashes / options_.rows);
    // The band keys, computed once for the query and the insertion (the first `bands` are set).
    std::array<std::uint32_t, 1024> keys;
    const bool keyed = has_words && bands > 0;
    if (keyed) {
        std::array<std::uint16_t, 1024> query;  // the first `hashes` are set and read
        for (int i = 0; i < s.hashes; ++i) {
            query[static_cast<std::size_t>(i)] =
                static_cast<std::uint16_t>(sig.minhash[static_cast<std::size_t>(i)]);
        }
        // Room for every list: the walk's, each band's next rare_key_depth and newest
        // key_probe_depth members; `listed` of them are set.
        const std::size_t room = max_verified_candidates + static_cast<std::size_t>(bands) *
                                                               (rare_key_depth + key_probe_depth);
        if (s.candidates.size() < room) s.candidates.resize(room);
        std::uint32_t* const cands = s.candidates.data();
        std::size_t listed = 0;
        const auto base32 = static_cast<std::uint32_t>(s.base_seq);
        // All band keys first, their table slots prefetched together: the probes are cache
        // misses on a large window, and overlapping them is most of the query's cost.
        band_keys(sig.minhash, bands, options_.rows, keys.data());
        for (int b = 0; b < bands; ++b)
            __builtin_prefetch(&s.table[state::home(keys[static_cast<std::size_t>(b)], s.mask())]);
        // Each band key's members, newest first, merged: the newest max_verified_candidates
        // members listed by any band, which is what is verified. A member that several bands
        // list moves all of them on at once from one cache line (its chain links are adjacent),
        // so templated feeds, whose items share every band key, cost one line per candidate.
        // Per band: its next member's window index + 1, 0 when the chain is exhausted.
        std::array<std::uint32_t, 1024> head;  // the first `bands` are set and read
        const auto window = static_cast<std::uint32_t>(s.count);
        for (int b = 0; b < bands; ++b) {
            const std::uint32_t key = keys[static_cast<std::size_t>(b)];
            std::size_t i = state::home(key, s.mask());
            while (s.table[i].key != 0 && s.table[i].key != key)
                i = (i + 1) & s.mask();
            const std::uint32_t index = s.table[i].seq - base32;
            head[static_cast<std::size_t>(b)] =
                s.table[i].key != 0 && index < window ? index + 1 : 0;
        }
        std::array<std::uint32_t, 1024> first_head;  // the walk moves `head` on
        std::copy_n(head.begin(), bands, first_head.begin());
        const chain_walk walk{s.blocks.data(), s.blocks.size() - 1, static_cast<std::size_t>(bands),
                              s.base_seq, window};
        listed = merge_chains(walk, head.data(), cands, max_verified_candidates);
        // The lists below overlap (a member several bands list) and are made unique by marking
        // each member listed, not by sorting: the verdict depends on which members are compared,
        // never on their order (see `better`). Their order follows the table's layout, which
        // depends on its history (expired entries, rebuilds) that a restart does not repeat.
        const bool cut = listed == max_verified_candidates;
        const std::uint16_t mark = cut ? s.next_mark() : 0;
        // Which band keys are rare (few stories share them), and their newest members. Only
        // when needed: the cap cut the walk, or a candidate below strong Jaccard verifies (on
        // the evaluation sets most adds need neither).
        std::array<bool, 1024> rare;  // set for every band by finish_probe()
        // The rare keys' members go past the room of the lists above.
        std::uint32_t* const rare_members =
            cands + max_verified_candidates + static_cast<std::size_t>(bands) * rare_key_depth;
        std::size_t rare_count = 0;
        bool probed = false;
        // A key's probe: its newest members, up to key_probe_depth or common_key_stories stories.
        struct key_probe {
            // The distinct stories seen; slots past `distinct` hold the first (so comparing with
            // them never counts a story twice).
            std::array<story_id, common_key_stories> stories;
            std::size_t distinct = 0, steps = 0, first = 0;  // first: its rare_members
            bool on() const { return steps < key_probe_depth && distinct < common_key_stories; }
            void see(story_id story) {
                static_assert(common_key_stories == 4);  // compared with the first three below
                if (distinct == 0) stories.fill(story);
                const bool seen = distinct > 0 && (stories[0] == story || stories[1] == story ||
                                                   stories[2] == story);
                if (!seen) stories[distinct++] = story;
                ++steps;
            }
        };
        const auto finish_probe = [&](int b, const key_probe& p) {
            if (p.distinct >= common_key_stories) rare_count = p.first;
            rare[static_cast<std::size_t>(b)] = p.distinct > 0 && p.distinct < common_key_stories;
        };
        // Down band b's chain from h (window index + 1, 0: its end), in one pass: probes the key
        // while the probe is on and lists the next `older_wanted` members.
        const auto walk_chain = [&](int b, std::uint32_t h, key_probe& p,
                                    std::size_t older_wanted) {
            std::size_t older = 0;
            while (h != 0 && (older < older_wanted || p.on())) {
                const chain_walk::place at = walk.place_of(h - 1);
                if (p.on()) {
                    p.see(at.m->story);
                    rare_members[rare_count++] = h - 1;
                }
                if (older < older_wanted) {
                    ++older;
                    if (at.m->mark != mark) {
                        at.m->mark = mark;
                        cands[listed++] = h - 1;
                    }
                }
                const std::uint32_t index = at.older[b] - base32;
                h = index < window ? index + 1 : 0;
            }
        };
        const auto probe_keys = [&] {
            probed = true;
            for (int b = 0; b < bands; ++b) {
                key_probe p;
                p.first = rare_count;
                walk_chain(b, first_head[static_cast<std::size_t>(b)], p, 0);
                finish_probe(b, p);
            }
        };
        if (cut) {
            for (std::size_t k = 0; k < listed; ++k)
                walk.mark_listed(cands[k], mark);
            // The cap cut the walk: common band keys (stock phrases, templates) listed the
            // newest members. A copy from further back still leads the chain of a key only it
            // and its story share, so each band's next few members are listed too: from
            // head[b], its first member the merge did not list (it listed every chain member
            // from the oldest it listed up). The key's probe goes down the same chain: its
            // members the merge listed first, then on with those.
            const std::uint32_t cutoff = cands[listed - 1];
            probed = true;
            for (int b = 0; b < bands; ++b) {
                key_probe p;
                p.first = rare_count;
                std::uint32_t h = first_head[static_cast<std::size_t>(b)];
                while (h != 0 && h - 1 >= cutoff && p.on()) {
                    const chain_walk::place at = walk.place_of(h - 1);
                    p.see(at.m->story);
                    rare_members[rare_count++] = h - 1;
                    const std::uint32_t index = at.older[b] - base32;
                    h = index < window ? index + 1 : 0;
                }
                walk_chain(b, head[static_cast<std::size_t>(b)], p, rare_key_depth);
                finish_probe(b, p);
            }
            // Uncut, the walk listed every live member of every chain, these included. In place:
            // the k-th rare member is read before any list entry at or past it is written.
            const std::size_t rare_total = rare_count;
            for (std::size_t k = 0; k < rare_total; ++k) {
                const std::uint32_t index = rare_members[k];
                if (walk.mark_listed(index, mark)) cands[listed++] = index;
            }
        } else {
            // The members were not loaded yet (marking them does when cut).
            for (std::size_t k = 0; k < listed; ++k)
                __builtin_prefetch(&walk.member_at(cands[k]));
        }
        const auto hashes = static_cast<std::size_t>(s.hashes);
        auto& same_counts = s.same_counts;
        if (same_counts.size() < listed) same_counts.resize(listed);
        count_equal_all(walk, cands, listed, query.data(), hashes, same_counts.data());
        const bool headline_only = sig.text_words < 3;
        const text_floor floor = text_floor_of(options_, headline_only, s.hashes);
        const containment_floors sizes(floor, sig.shingles, s.hashes);
        double best_score = -1;
        double best_jaccard = -1;
        std::uint32_t best_index = 0;
        for (std::size_t k = 0; k < listed; ++k) {
            const member& m = walk.member_at(cands[k]);
            if (((m.flags & headline_only_flag) != 0) != headline_only) continue;
            const std::size_t same = same_counts[k];
            const std::uint32_t smaller = std::min(m.shingles, sig.shingles);
            // Below every rule's floor verify() cannot join, whatever the titles say: skip the
            // title comparison (most candidates on templated feeds end here). Without divisions:
            // containment is inter / smaller with inter = jaccard * (a + b) / (1 + jaccard); the
            // margin leaves every case a rounding could decide to verify() itself.
            if (same < floor.same) {
                if (smaller < options_.min_contained_shingles) continue;
                if (sizes.below(same, m.shingles)) continue;
                const double j = static_cast<double>(same) / s.hashes;
                if (j * (static_cast<double>(m.shingles) + sig.shingles) <
                    floor.containment * smaller * (1 + j) * (1 - 1e-9)) {
                    continue;
                }
            }
            const double jaccard = static_cast<double>(same) / s.hashes;
            const double small = smaller;
            const double inter =
                jaccard * (static_cast<double>(m.shingles) + sig.shingles) / (1 + jaccard);
            const double contained = std::min(1.0, inter / small);
            const double title = title_overlap(m, sig);
            match_features f;
            f.jaccard = jaccard;
            f.containment = contained;
            f.smaller_shingles = static_cast<std::uint32_t>(small);
            f.title_overlap = title;
            f.title_known = std::min(m.title_words, sig.title_words) >= 2;
            f.headline_only = headline_only;
            const match_verdict v = verify(f, options_);
            if (v.rule == nullptr) continue;
            // Text that shares only common band keys joins on strong Jaccard alone, or as a
            // contained text whose title nearly matches (a summary of a long copy).
            const bool contained_copy = f.title_known && f.title_overlap >= options_.title_match &&
                                        f.containment >= options_.strong_containment;
            if (!headline_only && f.jaccard < options_.strong_threshold && !contained_copy) {
                if (!probed) probe_keys();
                if (!shares_rare_key(walk.values_at(cands[k], hashes), query.data(), rare.data(),
                                     bands, options_.rows)) {
                    continue;
                }
            }
            const double score = v.score;
            // Best match wins; on an exact tie the higher Jaccard, then the older story, then
            // the older member (the lower window index), whatever order the candidates come in.
            const std::uint32_t index = cands[k];
            const bool better =
                score > best_score ||
                (score == best_score &&
                 (jaccard > best_jaccard ||
                  (jaccard == best_jaccard &&
                   (m.story < best.story || (m.story == best.story && index < best_index)))));
            if (!better) continue;
            best_score = score;
            best_jaccard = jaccard;
            best_index = index;
            best.story = m.story;
            best.new_story = false;
            best.similarity = score;
            best.matched_item = m.item;
            best_rule = v.rule;
            best_features = f;
        }
    }
    if (best.new_story) {
        best.story = s.next_story++;
    } else {
        best.reason = describe(best_rule, best_features);
    }
    insert(item, best.story, time, sig, keyed ? keys.data() : nullptr);
    return best;
}

void clusterer::restore(item_id item, story_id story, std::int64_t time, const signature& sig) {
    insert(item, story, time, sig, nullptr);
}

void clusterer::insert(item_id item, story_id story, std::int64_t time, const signature& sig,
                       const std::uint32_t* known_keys) {
    auto& s = *state_;
    if (story >= s.next_story) s.next_story = story + 1;
    member m;
    m.item = item;
    m.story = story;
    m.time = time;
    m.shingles = sig.shingles;
    m.flags = sig.text_words < 3 ? headline_only_flag : 0;
    m.title_words = sig.title_words;
    m.title = sig.title;
    const bool has_words = !sig.minhash.empty();
    if (has_words && s.hashes == 0) s.hashes = static_cast<int>(sig.minhash.size());
    const bool indexed = has_words && static_cast<int>(sig.minhash.size()) == s.hashes;
    const std::uint64_t seq = s.base_seq + s.count;
    if (indexed && s.bands == 0) s.bands = std::min(options_.bands, s.hashes / options_.rows);
    s.reserve_one();
    s.member_at(seq) = m;
    ++s.count;
    if (!indexed) {
        if (s.hashes > 0) std::fill_n(s.values_of(seq), s.hashes, std::uint16_t{0});
        s.member_at(seq).shingles = 0;
        return;
    }
    std::uint16_t* values = s.values_of(seq);
    const std::uint32_t* minhash = sig.minhash.data();
    for (int i = 0; i < s.hashes; ++i)
        values[i] = static_cast<std::uint16_t>(minhash[i]);
    const int bands = std::min(options_.bands, s.hashes / options_.rows);
    std::array<std::uint32_t, 1024> computed;  // the first `bands` are set and read
    const std::uint32_t* keys = known_keys;
    if (keys == nullptr) {
        band_keys(sig.minhash, bands, options_.rows, computed.data());
        keys = computed.data();
    }
    for (int b = 0; b < bands; ++b)
        __builtin_prefetch(&s.table[state::home(keys[b], s.mask())]);
    for (int b = 0; b < bands; ++b)
        s.insert_entry({keys[b], static_cast<std::uint32_t>(seq)}, b);
}

void clusterer::set_next_story_id(story_id next) {
    state_->next_story = next;
}

story_id clusterer::next_story_id() const {
    return state_->next_story;
}

void clusterer::expire(std::int64_t now) {
    auto& s = *state_;
    const std::int64_t oldest = now - options_.window.count();
    // Their table entries die with them (state::live); the next rebuild reclaims the slots.
    while (s.count > 0 && s.member_at(s.base_seq).time < oldest) {
        --s.count;
        ++s.base_seq;
        if ((s.base_seq & (block_members - 1)) == 0) s.release_block(s.base_seq - 1);
    }
}

std::size_t clusterer::windowed_items() const {
    return state_->count;
}

std::size_t clusterer::memory_bytes() const {
    const auto& s = *state_;
    std::size_t blocks = s.spare.members ? 1 : 0;
    for (const auto& b : s.blocks)
        blocks += b.members ? 1 : 0;
    const std::size_t per_member = sizeof(member) +
                                   static_cast<std::size_t>(s.hashes) * sizeof(std::uint16_t) +
                                   static_cast<std::size_t>(s.bands) * sizeof(std::uint32_t);
    return blocks * block_members * per_member + s.blocks.capacity() * sizeof(ring_block) +
           s.table.capacity() * sizeof(entry) + s.candidates.capacity() * sizeof(std::uint32_t);
}

}  // namespace feedd::stories
