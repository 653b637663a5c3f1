// The polling hints RSS carries (ttl, skipHours, skipDays, the syndication module),
// read into feeds::feed for the daemon's scheduler.
#include <string>

#include <gtest/gtest.h>

#include "feeds/parse.hpp"

namespace feedd::feeds {
namespace {

feed parse_ok(std::string_view xml) {
    auto result = parse(xml, "http://example.com/rss.xml", "");
    EXPECT_TRUE(result) << result.error;
    return result.feed.value_or(feed{});
}

TEST(parse_polling_hints, rss2_ttl_skip_hours_and_days) {
    const auto f = parse_ok(R"(<rss version="2.0"><channel><title>t</title>
  <ttl> 60 </ttl>
  <skipHours><hour>0</hour><hour>23</hour><hour>24</hour><hour>25</hour><hour>x</hour></skipHours>
  <skipDays><day>Saturday</day><day>sunday</day><day>Caturday</day></skipDays>
</channel></rss>)");
    EXPECT_EQ(f.ttl, std::chrono::minutes(60));
    EXPECT_EQ(f.skip_hours, (std::vector<int>{0, 23, 0}));  // 24 means midnight; 25, x dropped
    EXPECT_EQ(f.skip_days, (std::vector<std::string>{"Saturday", "Sunday"}));
    EXPECT_FALSE(f.update_period);
}

TEST(parse_polling_hints, bad_ttl_is_dropped_not_an_error) {
    EXPECT_FALSE(parse_ok(R"(<rss version="2.0"><channel><ttl>-5</ttl></channel></rss>)").ttl);
    EXPECT_FALSE(parse_ok(R"(<rss version="2.0"><channel><ttl>1h</ttl></channel></rss>)").ttl);
    EXPECT_FALSE(parse_ok(R"(<rss version="2.0"><channel><ttl>0</ttl></channel></rss>)").ttl);
}

TEST(parse_polling_hints, syndication_module_in_rss1_and_rss2) {
    const auto rdf = parse_ok(R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
    xmlns="http://purl.org/rss/1.0/" xmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
  <channel rdf:about="http://example.com/"><title>t</title>
    <sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>2</sy:updateFrequency>
  </channel></rdf:RDF>)");
    EXPECT_EQ(rdf.update_period, "hourly");
    EXPECT_EQ(rdf.update_frequency, "2");

    const auto rss = parse_ok(R"(<rss version="2.0"
    xmlns:syn="http://purl.org/rss/1.0/modules/syndication/"><channel><title>t</title>
  <syn:updatePeriod> daily </syn:updatePeriod></channel></rss>)");
    EXPECT_EQ(rss.update_period, "daily") << "any prefix bound to the namespace, trimmed";
    EXPECT_FALSE(rss.update_frequency);
}

TEST(parse_polling_hints, absent_hints_are_empty) {
    const auto f = parse_ok(R"(<rss version="2.0"><channel><title>t</title></channel></rss>)");
    EXPECT_FALSE(f.ttl);
    EXPECT_TRUE(f.skip_hours.empty());
    EXPECT_TRUE(f.skip_days.empty());
    EXPECT_FALSE(f.update_period);
}

}  // namespace
}  // namespace feedd::feeds
