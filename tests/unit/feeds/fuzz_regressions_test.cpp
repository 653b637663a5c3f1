// Replays every input the fuzzers (fuzz/, docs/fuzzing.md) once found to crash,
// hang or break a contract: tests/data/fuzz-regressions/<target>/<file>. Each must
// now give a result or an error, and a result's text must be well-formed UTF-8.
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "feeds/charset.hpp"
#include "feeds/parse.hpp"
#include "feeds/parse_json.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

namespace fs = std::filesystem;

// The kept inputs of one fuzz target, sorted so failures read the same each run.
std::vector<fs::path> regressions(const std::string& target) {
    std::vector<fs::path> files;
    const fs::path dir = fs::path(FEEDD_TEST_DATA) / "fuzz-regressions" / target;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    return files;
}

TEST(fuzz_regressions, parse_gives_a_feed_or_an_error) {
    const auto files = regressions("parse");
    ASSERT_FALSE(files.empty());
    for (const auto& file : files) {
        SCOPED_TRACE(file.filename().string());
        const auto result = parse(test::read_file(file), "https://example.org/news/feed.xml", "");
        EXPECT_NE(result.feed.has_value(), !result.error.empty()) << result.error;
        if (result) {
            EXPECT_TRUE(is_valid_utf8(to_json(*result.feed)));
        }
    }
}

}  // namespace
}  // namespace feedd::feeds
