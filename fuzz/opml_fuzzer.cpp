// libFuzzer target for feeds::parse_opml: sanitizers plus the contract that a
// readable document yields only non-empty feed URLs and non-empty tags.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "feeds/opml.hpp"

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "opml_fuzzer: contract broken: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto result = feedd::feeds::parse_opml(bytes);
    if (!result) {
        require(result.feeds.empty(), "feeds returned along with an error");
        return 0;
    }
    for (const auto& f : result.feeds) {
        require(!f.url.empty(), "empty feed url");
        for (const auto& tag : f.tags)
            require(!tag.empty(), "empty tag");
    }
    return 0;
}
