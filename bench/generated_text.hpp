// Distinct, reproducible texts for benchmarks: sentences of twelve words drawn from a fixed
// vocabulary, seeded by n, so text n is the same in every run and unlike text m.
#pragma once

#include <random>
#include <string>
#include <vector>

namespace feedd::bench {

inline std::string generated_text(unsigned n, int words) {
    static const std::vector<std::string> vocabulary = [] {
        std::vector<std::string> w;
        std::mt19937 gen(7);
        for (int i = 0; i < 4000; ++i) {
            std::string word;
            for (int c = 0; c < 3 + static_cast<int>(gen() % 6); ++c)
                word += static_cast<char>('a' + gen() % 26);
            w.push_back(word);
        }
        return w;
    }();
    std::mt19937 gen(n);
    std::string text;
    for (int i = 0; i < words; ++i)
        text += vocabulary[gen() % vocabulary.size()] + (i % 12 == 11 ? ". " : " ");
    return text;
}

}  // namespace feedd::bench
