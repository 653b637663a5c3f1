#include "stories/clusterer.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
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
};

struct entry {
    std::uint32_t key = 0;  // 0: empty slot; live keys have the low bit set
    std::uint32_t seq = 0;  // low 32 bits of the member's sequence number
};

std::string format_reason(const char* what, double value) {
    char buf[48];
    std::snprintf(buf, sizeof buf, "%s %.3f", what, value);
    return buf;
}

}  // namespace

struct clusterer::state {
    story_id next_story = 1;
    int hashes = 0;  // MinHash values per signature, fixed by the first signature seen
    std::deque<member> members;
    std::deque<std::uint16_t> values;  // hashes per member, low 16 bits of each MinHash value
    std::uint64_t base_seq = 0;        // sequence number of members.front()
    std::vector<entry> table = std::vector<entry>(1024);
    std::size_t used = 0;
    std::vector<std::uint32_t> candidates;  // scratch

    std::size_t mask() const { return table.size() - 1; }
    static std::size_t home(std::uint32_t key, std::size_t mask) {
        return static_cast<std::size_t>((key ^ (key >> 15)) * 0x2c1b3c6dU) & mask;
    }

    void insert_entry(entry e) {
        if ((used + 1) * 4 > table.size() * 3) grow();
        std::size_t i = home(e.key, mask());
        while (table[i].key != 0)
            i = (i + 1) & mask();
        table[i] = e;
        ++used;
    }

    void grow() {
        std::vector<entry> old(table.size() * 2);
        old.swap(table);
        for (const auto& e : old) {
            if (e.key == 0) continue;
            std::size_t i = home(e.key, mask());
            while (table[i].key != 0)
                i = (i + 1) & mask();
            table[i] = e;
        }
    }

    // Linear probing with backward-shift deletion: no tombstones, so probes stay short.
    void erase_entry(entry e) {
        std::size_t i = home(e.key, mask());
        while (table[i].key != 0 && !(table[i].key == e.key && table[i].seq == e.seq)) {
            i = (i + 1) & mask();
        }
        if (table[i].key == 0) return;  // not present: nothing to do
        table[i] = entry{};
        --used;
        std::size_t j = i;
        for (;;) {
            j = (j + 1) & mask();
            if (table[j].key == 0) return;
            const std::size_t h = home(table[j].key, mask());
            const bool stays = i <= j ? (i < h && h <= j) : (i < h || h <= j);
            if (stays) continue;
            table[i] = table[j];
            table[j] = entry{};
            i = j;
        }
    }
};

namespace {

std::uint32_t band_key(const std::uint16_t* values, int band, int rows) {
    std::uint64_t h = 0x9e3779b97f4a7c15ULL * static_cast<std::uint64_t>(band + 1);
    for (int r = 0; r < rows; ++r) {
        h ^= values[band * rows + r];
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return static_cast<std::uint32_t>(h) | 1U;
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

}  // namespace

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
    const int bands = std::min(options_.bands, s.hashes / options_.rows);
    if (has_words && bands > 0) {
        std::array<std::uint16_t, 1024> query{};
        for (int i = 0; i < s.hashes; ++i) {
            query[static_cast<std::size_t>(i)] =
                static_cast<std::uint16_t>(sig.minhash[static_cast<std::size_t>(i)]);
        }
        auto& cands = s.candidates;
        cands.clear();
        const auto base32 = static_cast<std::uint32_t>(s.base_seq);
        for (int b = 0; b < bands; ++b) {
            const std::uint32_t key = band_key(query.data(), b, options_.rows);
            for (std::size_t i = state::home(key, s.mask()); s.table[i].key != 0;
                 i = (i + 1) & s.mask()) {
                if (s.table[i].key == key) cands.push_back(s.table[i].seq - base32);
            }
        }
        std::sort(cands.begin(), cands.end());
        cands.erase(std::unique(cands.begin(), cands.end()), cands.end());
        const bool headline_only = sig.text_words < 3;
        double best_score = -1;
        double best_jaccard = -1;
        for (const std::uint32_t index : cands) {
            const member& m = s.members[index];
            if (((m.flags & headline_only_flag) != 0) != headline_only) continue;
            const std::size_t at =
                static_cast<std::size_t>(index) * static_cast<std::size_t>(s.hashes);
            int same = 0;
            for (int i = 0; i < s.hashes; ++i) {
                same += s.values[at + static_cast<std::size_t>(i)] ==
                        query[static_cast<std::size_t>(i)];
            }
            const double jaccard = static_cast<double>(same) / s.hashes;
            const double small = std::min(m.shingles, sig.shingles);
            const double inter =
                jaccard * (static_cast<double>(m.shingles) + sig.shingles) / (1 + jaccard);
            const double contained = std::min(1.0, inter / small);
            const double title = title_overlap(m, sig);
            double score = 0;
            std::string reason;
            if (headline_only) {
                if (jaccard >= options_.headline_threshold) {
                    score = jaccard;
                    reason = format_reason("headline jaccard", jaccard);
                }
            } else if (jaccard >= options_.threshold) {
                score = jaccard;
                reason = format_reason("jaccard", jaccard);
            } else if (contained >= options_.containment &&
                       small >= options_.min_contained_shingles) {
                score = contained;
                reason = format_reason("containment", contained);
            } else if (title >= options_.title_support &&
                       (jaccard >= options_.threshold / 2 ||
                        (contained >= options_.containment * 0.7 &&
                         small >= options_.min_contained_shingles))) {
                score = std::max(jaccard, contained * 0.7);
                reason = format_reason("title + text", std::max(jaccard, contained));
            }
            if (reason.empty()) continue;
            // Best match wins; on an exact tie the higher Jaccard, then the older story.
            const bool better =
                score > best_score ||
                (score == best_score &&
                 (jaccard > best_jaccard || (jaccard == best_jaccard && m.story < best.story)));
            if (!better) continue;
            best_score = score;
            best_jaccard = jaccard;
            best.story = m.story;
            best.new_story = false;
            best.similarity = score;
            best.matched_item = m.item;
            best.reason = std::move(reason);
        }
    }
    if (best.new_story) best.story = s.next_story++;
    restore(item, best.story, time, sig);
    return best;
}

void clusterer::restore(item_id item, story_id story, std::int64_t time, const signature& sig) {
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
    const std::uint64_t seq = s.base_seq + s.members.size();
    s.members.push_back(m);
    const std::size_t at = s.values.size();
    for (int i = 0; i < s.hashes; ++i) {
        s.values.push_back(
            indexed ? static_cast<std::uint16_t>(sig.minhash[static_cast<std::size_t>(i)]) : 0);
    }
    if (!indexed) {
        s.members.back().shingles = 0;
        return;
    }
    const int bands = std::min(options_.bands, s.hashes / options_.rows);
    for (int b = 0; b < bands; ++b) {
        const std::uint32_t key = band_key(&s.values[at], b, options_.rows);
        s.insert_entry({key, static_cast<std::uint32_t>(seq)});
    }
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
    const int bands = s.hashes == 0 ? 0 : std::min(options_.bands, s.hashes / options_.rows);
    while (!s.members.empty() && s.members.front().time < oldest) {
        if (s.members.front().shingles != 0) {
            std::array<std::uint16_t, 1024> values{};
            std::copy_n(s.values.begin(), s.hashes, values.begin());
            for (int b = 0; b < bands; ++b) {
                s.erase_entry({band_key(values.data(), b, options_.rows),
                               static_cast<std::uint32_t>(s.base_seq)});
            }
        }
        s.members.pop_front();
        s.values.erase(s.values.begin(), s.values.begin() + s.hashes);
        ++s.base_seq;
    }
}

std::size_t clusterer::windowed_items() const {
    return state_->members.size();
}

std::size_t clusterer::memory_bytes() const {
    const auto& s = *state_;
    return s.members.size() * sizeof(member) + s.values.size() * sizeof(std::uint16_t) +
           s.table.capacity() * sizeof(entry) + s.candidates.capacity() * sizeof(std::uint32_t);
}

}  // namespace feedd::stories
