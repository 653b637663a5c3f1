// One hand-written fixture per feed format and version (tests/data/formats/), each
// checked on the fields that format is known for.
#include <string>

#include <gtest/gtest.h>

#include "feeds/parse.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

feed parse_fixture(const std::string& name, std::string_view url = "") {
    const std::string bytes = test::read_file(std::string(FEEDD_TEST_DATA) + "/formats/" + name);
    EXPECT_FALSE(bytes.empty()) << name;
    auto result = parse(bytes, url, "");
    EXPECT_TRUE(result) << name << ": " << result.error;
    return result.feed.value_or(feed{});
}

std::string date(const std::optional<timestamp>& t) {
    return t ? format_rfc3339(*t) : "null";
}

TEST(formats, rss_0_90) {
    const auto f = parse_fixture("rss090.rdf");
    EXPECT_EQ(f.format, feed_format::rdf);
    EXPECT_EQ(f.version, "0.90");
    EXPECT_EQ(f.title, "Harbour Watch");
    EXPECT_EQ(f.image, "http://harbour.example/flag.gif");
    ASSERT_EQ(f.items.size(), 2U);
    EXPECT_EQ(f.items[1].title, "Ferry delayed");
    EXPECT_EQ(f.items[1].link, "http://harbour.example/ferry");
}

TEST(formats, rss_0_91_netscape_with_dtd_entities) {
    const auto f = parse_fixture("rss091_netscape.xml");
    EXPECT_EQ(f.format, feed_format::rss);
    EXPECT_EQ(f.version, "0.91");
    EXPECT_EQ(f.title, "Caf\u00e9 Notes");  // latin-1 document, HTML entity the DTD names
    EXPECT_EQ(f.language, "fr");
    EXPECT_EQ(f.image, "http://cafe.example/cup.png");
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].summary, "Dark & smoky");
}

TEST(formats, rss_0_91_userland) {
    const auto f = parse_fixture("rss091_userland.xml");
    EXPECT_EQ(f.version, "0.91");
    EXPECT_EQ(date(f.updated), "2004-06-07T08:00:00Z");  // channel pubDate
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].summary, "A short note.");  // escaped HTML → plain text
}

TEST(formats, rss_0_92_untitled_item_with_enclosure) {
    const auto f = parse_fixture("rss092.xml");
    EXPECT_EQ(f.version, "0.92");
    EXPECT_EQ(date(f.updated), "2004-06-08T19:00:00Z");
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_FALSE(it.title.has_value());
    EXPECT_EQ(it.summary, "Episode 12: the harbour at night");
    EXPECT_EQ(it.categories, std::vector<std::string>{"Harbour"});
    ASSERT_EQ(it.enclosures.size(), 1U);
    EXPECT_EQ(it.enclosures[0].url, "http://radio.example/ep12.mp3");
    EXPECT_EQ(it.enclosures[0].length, 24986239);
    EXPECT_EQ(it.enclosures[0].type, "audio/mpeg");
}

TEST(formats, rss_0_93_several_enclosures) {
    const auto f = parse_fixture("rss093.xml");
    EXPECT_EQ(f.version, "0.93");
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(date(f.items[0].published), "2004-06-09T11:30:00Z");  // EST = -5
    ASSERT_EQ(f.items[0].enclosures.size(), 2U);
    EXPECT_EQ(f.items[0].enclosures[1].type, "audio/mpeg");
}

TEST(formats, rss_0_94_guid_and_author) {
    const auto f = parse_fixture("rss094.xml");
    EXPECT_EQ(f.version, "0.94");
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_EQ(it.id, "http://garden.example/2004/06/tomatoes");
    EXPECT_EQ(it.link, "http://garden.example/2004/06/tomatoes");  // permalink guid
    ASSERT_EQ(it.authors.size(), 1U);
    EXPECT_EQ(it.authors[0].name, "Ann Gardener");
    EXPECT_EQ(it.authors[0].email, "ann@garden.example");
}

TEST(formats, rss_2_0_extensions) {
    const auto f = parse_fixture("rss20_extensions.xml", "https://night.example/feeds/night.xml");
    EXPECT_EQ(f.version, "2.0");
    EXPECT_EQ(f.feed_url, "https://night.example/feeds/night.xml");  // atom:link rel=self
    EXPECT_EQ(f.language, "en-gb");                                  // dc:language
    EXPECT_EQ(date(f.updated), "2024-03-01T22:00:00Z");              // dc:date
    ASSERT_EQ(f.items.size(), 2U);
    const auto& first = f.items[0];
    EXPECT_EQ(first.id, "night-0001");
    EXPECT_EQ(first.link, "https://night.example/2024/03/bridge");  // relative, resolved
    EXPECT_EQ(first.content_html, "<p>The bridge is <em>open</em> again.</p>");
    EXPECT_EQ(first.summary, "The bridge is open again.");
    ASSERT_EQ(first.authors.size(), 1U);
    EXPECT_EQ(first.authors[0].name, "Sam Reporter");
    EXPECT_EQ(first.categories, std::vector<std::string>{"Transport"});
    EXPECT_EQ(date(first.published), "2024-03-01T20:15:00Z");  // dc:date fills both
    EXPECT_EQ(date(first.updated), "2024-03-01T20:15:00Z");
    // media:content stands in for a missing enclosure; the thumbnail is not a file.
    ASSERT_EQ(first.enclosures.size(), 1U);
    EXPECT_EQ(first.enclosures[0].url, "https://cdn.night.example/bridge.jpg");
    EXPECT_EQ(first.enclosures[0].length, 52000);
    // With a real enclosure, media:content adds nothing.
    const auto& second = f.items[1];
    EXPECT_EQ(second.link, "https://night.example/podcast/7");
    ASSERT_EQ(second.enclosures.size(), 1U);
    EXPECT_EQ(second.enclosures[0].url, "https://cdn.night.example/7.mp3");
}

TEST(formats, rss_1_0_with_dc_content_and_syndication_modules) {
    const auto f = parse_fixture("rdf10_modules.rdf");
    EXPECT_EQ(f.format, feed_format::rdf);
    EXPECT_EQ(f.version, "1.0");
    EXPECT_EQ(f.language, "de");
    EXPECT_EQ(date(f.updated), "2004-06-11T07:00:00Z");
    EXPECT_EQ(f.image, "http://library.example/logo.png");
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_EQ(it.id, "http://library.example/b/1");  // rdf:about
    EXPECT_EQ(it.summary, "Maps & more");
    EXPECT_EQ(it.content_html, "<p>Maps &amp; <b>more</b></p>");
    EXPECT_EQ(it.categories, std::vector<std::string>{"Geography"});
    ASSERT_EQ(it.authors.size(), 1U);
    EXPECT_EQ(it.authors[0].name, "R. Cartographer");
    EXPECT_EQ(date(it.published), "2004-06-10T13:30:00Z");
}

TEST(formats, atom_0_3_escaped_and_base64_modes) {
    const auto f = parse_fixture("atom03.xml");
    EXPECT_EQ(f.format, feed_format::atom);
    EXPECT_EQ(f.version, "0.3");
    EXPECT_EQ(f.description, "Still here");
    EXPECT_EQ(f.link, "http://old.example/");
    EXPECT_EQ(f.language, "en");
    EXPECT_EQ(date(f.updated), "2004-06-12T10:00:00Z");  // modified
    ASSERT_EQ(f.items.size(), 2U);
    const auto& escaped = f.items[0];
    EXPECT_EQ(date(escaped.published), "2004-06-12T12:00:00Z");  // issued
    EXPECT_EQ(date(escaped.updated), "2004-06-12T09:00:00Z");    // modified
    EXPECT_EQ(escaped.summary, "Short & sweet");
    EXPECT_EQ(escaped.content_html, "<p>Long <i>version</i></p>");
    EXPECT_EQ(f.items[1].content_html, "<p>Decoded <b>base64</b> body</p>");
}

TEST(formats, atom_1_0_constructs_base_people_and_links) {
    const auto f = parse_fixture("atom10_constructs.xml", "http://ignored.example/");
    EXPECT_EQ(f.version, "1.0");
    EXPECT_EQ(f.title, "Less <than> three");  // type="text" keeps its brackets
    EXPECT_EQ(f.description, "A bold subtitle");
    EXPECT_EQ(f.feed_url, "http://atom.example/blog/feed.atom");
    EXPECT_EQ(f.link, "http://atom.example/blog/");  // the text/html alternate
    EXPECT_EQ(f.image, "http://atom.example/blog/img/logo.png");
    EXPECT_EQ(f.language, "en-GB");
    ASSERT_EQ(f.items.size(), 2U);
    const auto& first = f.items[0];
    EXPECT_EQ(first.title, "An xhtml title");
    EXPECT_EQ(first.link, "http://atom.example/blog/2024/02/first.html");  // nested xml:base
    EXPECT_EQ(first.id, "http://atom.example/blog/2024/02/first");
    EXPECT_EQ(date(first.published), "2024-02-01T07:00:00Z");
    EXPECT_EQ(date(first.updated), "2024-02-02T07:00:00Z");
    ASSERT_GE(first.authors.size(), 1U);
    EXPECT_EQ(first.authors[0].name, "Bea");
    EXPECT_EQ(first.authors[0].url, "http://atom.example/blog/2024/02/bea");
    EXPECT_EQ(first.categories, std::vector<std::string>{"notes"});
    EXPECT_EQ(first.summary, "Summary & more");
    EXPECT_EQ(first.content_html, "<p>Hello <a href=\"x.html\">link</a></p>");
    ASSERT_EQ(first.enclosures.size(), 1U);  // rel="enclosure" only, not related/replies
    EXPECT_EQ(first.enclosures[0].url, "http://atom.example/blog/2024/02/first.mp3");
    EXPECT_EQ(first.enclosures[0].length, 3000);
    const auto& second = f.items[1];
    EXPECT_EQ(second.title, "Plain <b> title");  // no type: text
    // Another media type: base64 data, kept as (escaped) text.
    ASSERT_TRUE(second.content_html.has_value());
    EXPECT_NE(second.content_html->find("PNG-not-really"), std::string::npos);
}

TEST(formats, json_feed_1_0) {
    const auto f = parse_fixture("jsonfeed10.json");
    EXPECT_EQ(f.format, feed_format::json);
    EXPECT_EQ(f.version, "1.0");
    EXPECT_EQ(f.title, "Ten Feed");
    EXPECT_EQ(f.link, "https://ten.example/");
    EXPECT_EQ(f.feed_url, "https://ten.example/feed.json");
    EXPECT_EQ(f.image, "https://ten.example/icon.png");
    ASSERT_EQ(f.items.size(), 2U);
    const auto& first = f.items[0];
    EXPECT_EQ(first.id, "1");
    EXPECT_EQ(first.summary, "Hello");
    EXPECT_EQ(first.content_html, "<p>Hello &amp; welcome</p>");
    EXPECT_EQ(date(first.published), "2024-04-01T15:00:00Z");
    EXPECT_EQ(date(first.updated), "2024-04-02T10:00:00Z");
    EXPECT_EQ(first.categories, (std::vector<std::string>{"intro", "news"}));
    ASSERT_EQ(first.authors.size(), 1U);
    EXPECT_EQ(first.authors[0].name, "Tess");
    ASSERT_EQ(first.enclosures.size(), 1U);
    EXPECT_EQ(first.enclosures[0].length, 4096);
    EXPECT_EQ(first.enclosures[0].type, "audio/mpeg");
    EXPECT_EQ(f.items[1].id, "2");  // a number id keeps its text
    EXPECT_FALSE(f.items[1].title.has_value());
}

}  // namespace
}  // namespace feedd::feeds
