#include "feeds/identity.hpp"

#include <gtest/gtest.h>

namespace feedd::feeds {
namespace {

using namespace std::chrono;

TEST(identity, guid_wins_and_is_trimmed) {
    item it;
    it.id = "  abc  ";
    it.link = "http://example.com/1";
    EXPECT_EQ(item_key(it), "id:abc");
}

TEST(identity, empty_guid_falls_back_to_link) {
    item it;
    it.id = "   ";
    it.link = "http://example.com/1";
    EXPECT_EQ(item_key(it), "link:http://example.com/1");
}

TEST(identity, hash_of_title_and_date_when_nothing_else) {
    item a;
    a.title = "Title";
    a.published = sys_days{2024y / 1 / 2} + 3h;
    const std::string key = item_key(a);
    EXPECT_EQ(key.rfind("hash:", 0), 0U);
    EXPECT_EQ(key.size(), 5U + 16U);
    EXPECT_EQ(item_key(a), key);  // stable

    item b = a;
    b.published = sys_days{2024y / 1 / 3};
    EXPECT_NE(item_key(b), key);

    item c = a;
    c.summary = "ignored when there is a date";
    EXPECT_EQ(item_key(c), key);
}

TEST(identity, hash_uses_summary_without_a_date) {
    item a;
    a.title = "Title";
    a.summary = "one";
    item b = a;
    b.summary = "two";
    EXPECT_NE(item_key(a), item_key(b));
}

TEST(identity, known_value_is_stable_across_runs) {
    // XXH3-64 of "T\n" is fixed by the algorithm; a change here breaks stored keys.
    item it;
    it.title = "T";
    EXPECT_EQ(item_key(it), "hash:fca0011c210c8344");
}

}  // namespace
}  // namespace feedd::feeds
