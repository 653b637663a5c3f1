// Accept-Encoding reading and the gzip the HTTP handler sends.
#include "daemon/http_gzip.hpp"

#include <gtest/gtest.h>

#include "tests/support/http_server.hpp"

namespace feedd::daemon {
namespace {

TEST(http_gzip, accept_encoding_is_read_with_q_values) {
    EXPECT_TRUE(accepts_gzip("gzip"));
    EXPECT_TRUE(accepts_gzip("deflate, GZip;q=0.5"));
    EXPECT_TRUE(accepts_gzip("br, *"));
    EXPECT_TRUE(accepts_gzip("x-gzip"));
    EXPECT_FALSE(accepts_gzip(""));
    EXPECT_FALSE(accepts_gzip("br, identity"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip;q=0, *"));  // named beats the wildcard
    EXPECT_FALSE(accepts_gzip("*;q=0"));
    EXPECT_FALSE(accepts_gzip("gzip;q=2"));  // malformed: ignored
    EXPECT_FALSE(accepts_gzip("gzipx"));
}

TEST(http_gzip, round_trips_through_a_real_inflate) {
    const std::string text(100000, 'a');
    const auto packed = gzip(text);
    EXPECT_LT(packed.size(), 1000u);
    EXPECT_EQ(test::gunzip(packed), text);
    EXPECT_EQ(test::gunzip(gzip("")), "");
}

}  // namespace
}  // namespace feedd::daemon
