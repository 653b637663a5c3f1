// libFuzzer target for charset detection and decoding. The input's first line is
// a Content-Type header value, the rest the document, so the fuzzer explores
// HTTP charset > BOM > XML declaration > UTF-8. Contract: a decoded document is
// well-formed UTF-8 and carries no error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "feeds/charset.hpp"

namespace {

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "charset_fuzzer: contract broken: %s\n", what);
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace feedd::feeds;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const auto newline = input.find('\n');
    const auto header =
        newline == std::string_view::npos ? std::string_view{} : input.substr(0, newline);
    const auto document = newline == std::string_view::npos ? input : input.substr(newline + 1);
    const auto decoded = decode_document(document, charset_from_content_type(header));
    if (decoded.utf8) {
        require(is_valid_utf8(*decoded.utf8), "decoded text is not UTF-8");
        require(decoded.error.empty(), "error set on success");
    } else {
        require(!decoded.error.empty(), "neither text nor error");
    }
    return 0;
}
