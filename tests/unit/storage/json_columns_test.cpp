// The direct JSON writer of the items columns against Boost.JSON's serializer: stored rows
// must not change by a byte.
#include "storage/json_columns.hpp"

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

namespace feedd::storage {
namespace {

namespace json = boost::json;

json::value boost_optional(const std::optional<std::string>& value) {
    return value ? json::value(*value) : json::value(nullptr);
}

std::string boost_authors(const std::vector<feeds::person>& authors) {
    json::array out;
    for (const auto& a : authors) {
        out.push_back(json::object{{"name", boost_optional(a.name)},
                                   {"email", boost_optional(a.email)},
                                   {"url", boost_optional(a.url)}});
    }
    return json::serialize(out);
}

std::string boost_enclosures(const std::vector<feeds::enclosure>& enclosures) {
    json::array out;
    for (const auto& e : enclosures) {
        out.push_back(
            json::object{{"url", e.url},
                         {"type", boost_optional(e.type)},
                         {"length", e.length ? json::value(*e.length) : json::value(nullptr)}});
    }
    return json::serialize(out);
}

// Every byte value alone and in company, escapes at both ends, invalid UTF-8, empty.
std::vector<std::string> awkward_strings() {
    std::vector<std::string> out = {"",
                                    "plain words",
                                    "\"quoted\"",
                                    "back\\slash",
                                    "tab\there\nnew\rline\f\b",
                                    "\x01\x1f\x7f",
                                    "caf\xc3\xa9 \xe2\x80\x94 \xf0\x9f\x98\x80",
                                    "\xff\xfe\xc3",
                                    "a/b</script>",
                                    std::string("nul\0inside", 10),
                                    "\"",
                                    "\\"};
    std::string all;
    for (int c = 0; c < 256; ++c) {
        const std::string one(1, static_cast<char>(c));
        out.push_back(one);
        out.push_back("x" + one + "y");
        all += one;
    }
    out.push_back(all);
    return out;
}

TEST(json_columns, strings_match_boost_byte_for_byte) {
    const auto strings = awkward_strings();
    EXPECT_EQ(strings_to_json({}), json::serialize(json::value_from(std::vector<std::string>{})));
    for (const auto& s : strings) {
        const std::vector<std::string> one = {s};
        EXPECT_EQ(strings_to_json(one), json::serialize(json::value_from(one))) << s;
    }
    EXPECT_EQ(strings_to_json(strings), json::serialize(json::value_from(strings)));
}

TEST(json_columns, escapes_as_json_requires) {
    std::string out;
    append_json_string(out, std::string("a\"b\\c\n\x01", 7));
    EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
    EXPECT_EQ(strings_to_json({"x", ""}), R"(["x",""])");
}

TEST(json_columns, authors_match_boost_byte_for_byte) {
    const auto strings = awkward_strings();
    std::vector<feeds::person> authors;
    EXPECT_EQ(authors_to_json(authors), boost_authors(authors));
    authors.push_back({});
    for (std::size_t i = 0; i < strings.size(); ++i) {
        feeds::person p;
        if (i % 2 == 0) p.name = strings[i];
        if (i % 3 == 0) p.email = strings[strings.size() - 1 - i];
        if (i % 5 != 0) p.url = strings[(i * 7) % strings.size()];
        authors.push_back(p);
        const std::vector<feeds::person> one = {p};
        EXPECT_EQ(authors_to_json(one), boost_authors(one)) << i;
    }
    EXPECT_EQ(authors_to_json(authors), boost_authors(authors));
    EXPECT_EQ(authors_to_json({feeds::person{"Jo", std::nullopt, "http://a/"}}),
              R"([{"name":"Jo","email":null,"url":"http://a/"}])");
}

TEST(json_columns, enclosures_match_boost_byte_for_byte) {
    const auto strings = awkward_strings();
    const std::int64_t lengths[] = {0,
                                    1,
                                    -1,
                                    9,
                                    10,
                                    123456789,
                                    std::numeric_limits<std::int64_t>::max(),
                                    std::numeric_limits<std::int64_t>::min()};
    std::vector<feeds::enclosure> enclosures;
    EXPECT_EQ(enclosures_to_json(enclosures), boost_enclosures(enclosures));
    for (std::size_t i = 0; i < strings.size(); ++i) {
        feeds::enclosure e;
        e.url = strings[i];
        if (i % 2 == 1) e.type = strings[(i * 3) % strings.size()];
        if (i % 3 != 2) e.length = lengths[i % std::size(lengths)];
        enclosures.push_back(e);
        const std::vector<feeds::enclosure> one = {e};
        EXPECT_EQ(enclosures_to_json(one), boost_enclosures(one)) << i;
    }
    EXPECT_EQ(enclosures_to_json(enclosures), boost_enclosures(enclosures));
    EXPECT_EQ(enclosures_to_json({feeds::enclosure{"u", std::nullopt, -5}}),
              R"([{"url":"u","type":null,"length":-5}])");
}

}  // namespace
}  // namespace feedd::storage
