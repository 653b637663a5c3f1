// libFuzzer target for feeds::parse (RSS, RDF, Atom, JSON Feed). Besides the
// sanitizers' checks it asserts the parser's contract: a result or an error,
// never both or neither, and every text field of a result is well-formed UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "feeds/charset.hpp"
#include "feeds/model.hpp"
#include "feeds/parse.hpp"
#include "feeds/parse_json.hpp"

namespace {

using namespace feedd::feeds;

void require(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "parse_fuzzer: contract broken: %s\n", what);
        std::abort();
    }
}

void check_text(const std::optional<std::string>& text, const char* field) {
    if (text) require(is_valid_utf8(*text), field);
}

void check_person(const person& p) {
    check_text(p.name, "author name is not UTF-8");
    check_text(p.email, "author email is not UTF-8");
    check_text(p.url, "author url is not UTF-8");
}

void check_feed(const feed& f) {
    check_text(f.version, "feed version is not UTF-8");
    check_text(f.title, "feed title is not UTF-8");
    check_text(f.link, "feed link is not UTF-8");
    check_text(f.feed_url, "feed url is not UTF-8");
    check_text(f.description, "feed description is not UTF-8");
    check_text(f.language, "feed language is not UTF-8");
    check_text(f.image, "feed image is not UTF-8");
    for (const auto& it : f.items) {
        check_text(it.id, "item id is not UTF-8");
        check_text(it.title, "item title is not UTF-8");
        check_text(it.link, "item link is not UTF-8");
        check_text(it.summary, "item summary is not UTF-8");
        check_text(it.content_html, "item content_html is not UTF-8");
        for (const auto& a : it.authors)
            check_person(a);
        for (const auto& c : it.categories)
            require(is_valid_utf8(c), "category is not UTF-8");
        for (const auto& e : it.enclosures) {
            require(is_valid_utf8(e.url), "enclosure url is not UTF-8");
            check_text(e.type, "enclosure type is not UTF-8");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto result = parse(bytes, "https://example.org/news/feed.xml", "");
    require(result.feed.has_value() != !result.error.empty(), "exactly one of feed and error");
    if (result) {
        check_feed(*result.feed);
        require(is_valid_utf8(to_json(*result.feed)), "to_json output is not UTF-8");
    }
    return 0;
}
