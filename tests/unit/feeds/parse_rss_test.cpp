#include <string>

#include <gtest/gtest.h>

#include "feeds/parse.hpp"

namespace feedd::feeds {
namespace {

feed parse_ok(std::string_view xml, std::string_view url = "", std::string_view content_type = "") {
    auto result = parse(xml, url, content_type);
    EXPECT_TRUE(result) << result.error;
    return result.feed.value_or(feed{});
}

std::string date(const std::optional<timestamp>& t) {
    return t ? format_rfc3339(*t) : "null";
}

TEST(parse_rss, channel_fields) {
    const auto f = parse_ok(R"(<?xml version="1.0"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
  <title>Example &amp; Co</title>
  <link>http://example.com/</link>
  <atom:link rel="self" href="http://example.com/rss.xml" type="application/rss+xml"/>
  <description>The &lt;b&gt;best&lt;/b&gt; news</description>
  <language>en-us</language>
  <lastBuildDate>Sat, 07 Sep 2002 09:42:31 GMT</lastBuildDate>
  <image><url>http://example.com/logo.png</url><title>x</title><link>http://example.com/</link></image>
</channel></rss>)");
    EXPECT_EQ(f.format, feed_format::rss);
    EXPECT_EQ(f.version, "2.0");
    EXPECT_EQ(f.title, "Example & Co");
    EXPECT_EQ(f.link, "http://example.com/");
    EXPECT_EQ(f.feed_url, "http://example.com/rss.xml");
    EXPECT_EQ(f.description, "The best news");
    EXPECT_EQ(f.language, "en-us");
    EXPECT_EQ(date(f.updated), "2002-09-07T09:42:31Z");
    EXPECT_EQ(f.image, "http://example.com/logo.png");
    EXPECT_TRUE(f.items.empty());
}

TEST(parse_rss, versions) {
    EXPECT_EQ(parse_ok(R"(<rss version="0.91"><channel/></rss>)").version, "0.91");
    EXPECT_EQ(parse_ok(R"(<rss version="0.92"><channel/></rss>)").version, "0.92");
    EXPECT_EQ(parse_ok(R"(<rss version="0.94"><channel/></rss>)").version, "0.94");
    EXPECT_EQ(parse_ok(R"(<rss version="2.01"><channel/></rss>)").version, "2.0");
    EXPECT_FALSE(parse_ok(R"(<rss><channel/></rss>)").version.has_value());
}

TEST(parse_rss, item_fields) {
    const auto f = parse_ok(R"(<rss version="2.0"><channel><item>
  <title>First &lt;em&gt;post&lt;/em&gt;</title>
  <link>http://example.com/1</link>
  <guid isPermaLink="false"> id-1 </guid>
  <pubDate>Thu, 01 Jan 2004 19:48:21 GMT</pubDate>
  <author>jdoe@example.com (John Doe)</author>
  <description><![CDATA[<p>Hello <b>world</b></p>]]></description>
  <category>news</category><category> tech </category>
  <enclosure url="http://example.com/a.mp3" type="audio/mpeg" length="1234"/>
</item></channel></rss>)");
    ASSERT_EQ(f.items.size(), 1U);
    const auto& it = f.items[0];
    EXPECT_EQ(it.id, "id-1");
    EXPECT_EQ(it.title, "First post");
    EXPECT_EQ(it.link, "http://example.com/1");
    EXPECT_EQ(date(it.published), "2004-01-01T19:48:21Z");
    EXPECT_EQ(date(it.updated), "null");
    ASSERT_EQ(it.authors.size(), 1U);
    EXPECT_EQ(it.authors[0].name, "John Doe");
    EXPECT_EQ(it.authors[0].email, "jdoe@example.com");
    EXPECT_EQ(it.summary, "Hello world");
    EXPECT_FALSE(it.content_html.has_value());
    EXPECT_EQ(it.categories, (std::vector<std::string>{"news", "tech"}));
    ASSERT_EQ(it.enclosures.size(), 1U);
    EXPECT_EQ(it.enclosures[0].url, "http://example.com/a.mp3");
    EXPECT_EQ(it.enclosures[0].type, "audio/mpeg");
    EXPECT_EQ(it.enclosures[0].length, 1234);
}

TEST(parse_rss, absent_is_null_and_empty_is_empty) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><title></title><item><description/></item></channel></rss>)");
    EXPECT_EQ(f.title, "");
    EXPECT_FALSE(f.link.has_value());
    EXPECT_FALSE(f.description.has_value());
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].summary, "");
    EXPECT_FALSE(f.items[0].title.has_value());
    EXPECT_FALSE(f.items[0].id.has_value());
}

TEST(parse_rss, permalink_guid_becomes_the_link) {
    const auto f = parse_ok(R"(<rss version="2.0"><channel>
<item><guid>http://example.com/p/1</guid></item>
<item><guid isPermaLink="false">http://example.com/p/2</guid></item>
<item><guid>not-a-url</guid></item>
<item><guid isPermaLink="true">http://example.com/p/4</guid><link>http://example.com/l/4</link></item>
</channel></rss>)");
    ASSERT_EQ(f.items.size(), 4U);
    EXPECT_EQ(f.items[0].link, "http://example.com/p/1");
    EXPECT_FALSE(f.items[1].link.has_value());
    EXPECT_FALSE(f.items[2].link.has_value());
    EXPECT_EQ(f.items[3].link, "http://example.com/l/4");
}

TEST(parse_rss, content_encoded_is_html_source) {
    const auto f = parse_ok(
        R"(<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><item>
<content:encoded><![CDATA[<p>Full <a href="/x">text</a></p>]]></content:encoded>
</item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).content_html, R"(<p>Full <a href="/x">text</a></p>)");
}

TEST(parse_rss, dublin_core_fills_in) {
    const auto f =
        parse_ok(R"(<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>
<dc:language>fr</dc:language><dc:date>2004-01-01T00:00:00Z</dc:date>
<item><dc:creator>Jane</dc:creator><dc:date>2004-02-03T04:05:06+01:00</dc:date><dc:subject>s</dc:subject></item>
<item><pubDate>Thu, 01 Jan 2004 00:00:00 GMT</pubDate><dc:date>2004-05-05T00:00:00Z</dc:date></item>
</channel></rss>)");
    EXPECT_EQ(f.language, "fr");
    EXPECT_EQ(date(f.updated), "2004-01-01T00:00:00Z");
    ASSERT_EQ(f.items.size(), 2U);
    EXPECT_EQ(f.items[0].authors.at(0).name, "Jane");
    EXPECT_EQ(date(f.items[0].published), "2004-02-03T03:05:06Z");
    EXPECT_EQ(date(f.items[0].updated), "2004-02-03T03:05:06Z");
    EXPECT_EQ(f.items[0].categories, std::vector<std::string>{"s"});
    EXPECT_EQ(date(f.items[1].published), "2004-01-01T00:00:00Z");
    EXPECT_EQ(date(f.items[1].updated), "2004-05-05T00:00:00Z");
}

TEST(parse_rss, feed_updated_falls_back_to_pubdate) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><pubDate>Thu, 01 Jan 2004 00:00:00 GMT</pubDate></channel></rss>)");
    EXPECT_EQ(date(f.updated), "2004-01-01T00:00:00Z");
}

TEST(parse_rss, bad_item_date_is_null_not_an_error) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><item><pubDate>someday</pubDate></item></channel></rss>)");
    EXPECT_FALSE(f.items.at(0).published.has_value());
}

TEST(parse_rss, relative_links_resolve_against_xml_base_then_document_url) {
    const auto f = parse_ok(R"(<rss version="2.0"><channel><link>/</link>
<item><link>post/1</link></item>
<item xml:base="http://other.org/dir/"><link>post/2</link></item>
</channel></rss>)",
                            "http://example.com/feeds/rss.xml");
    EXPECT_EQ(f.link, "http://example.com/");
    EXPECT_EQ(f.items.at(0).link, "http://example.com/feeds/post/1");
    EXPECT_EQ(f.items.at(1).link, "http://other.org/dir/post/2");
}

TEST(parse_rss, unresolvable_link_is_kept_as_given) {
    const auto f =
        parse_ok(R"(<rss version="2.0"><channel><item><link>/post</link></item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).link, "/post");
}

TEST(parse_rss, author_forms) {
    const auto f = parse_ok(R"(<rss version="2.0"><channel>
<item><author>Jane Roe &lt;jane@example.com&gt;</author></item>
<item><author>Jane Roe (jane@example.com)</author></item>
<item><author>jane@example.com</author></item>
<item><author>Jane Roe</author></item>
</channel></rss>)");
    ASSERT_EQ(f.items.size(), 4U);
    EXPECT_EQ(f.items[0].authors.at(0).name, "Jane Roe");
    EXPECT_EQ(f.items[0].authors.at(0).email, "jane@example.com");
    EXPECT_EQ(f.items[1].authors.at(0).name, "Jane Roe");
    EXPECT_EQ(f.items[1].authors.at(0).email, "jane@example.com");
    EXPECT_FALSE(f.items[2].authors.at(0).name.has_value());
    EXPECT_EQ(f.items[2].authors.at(0).email, "jane@example.com");
    EXPECT_EQ(f.items[3].authors.at(0).name, "Jane Roe");
    EXPECT_FALSE(f.items[3].authors.at(0).email.has_value());
}

TEST(parse_rss, media_content_fills_enclosures_when_there_are_none) {
    const auto f =
        parse_ok(R"(<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>
<item><media:content url="http://example.com/v.mp4" type="video/mp4" fileSize="99"/></item>
<item><enclosure url="http://example.com/a.mp3" type="audio/mpeg" length="x"/><media:content url="http://example.com/v.mp4"/></item>
</channel></rss>)");
    ASSERT_EQ(f.items.size(), 2U);
    ASSERT_EQ(f.items[0].enclosures.size(), 1U);
    EXPECT_EQ(f.items[0].enclosures[0].url, "http://example.com/v.mp4");
    EXPECT_EQ(f.items[0].enclosures[0].length, 99);
    ASSERT_EQ(f.items[1].enclosures.size(), 1U);
    EXPECT_EQ(f.items[1].enclosures[0].url, "http://example.com/a.mp3");
    EXPECT_FALSE(f.items[1].enclosures[0].length.has_value());
}

TEST(parse_rss, items_keep_document_order) {
    const auto f = parse_ok(
        R"(<rss version="0.91"><channel><item><title>a</title></item><item><title>b</title></item><item><title>c</title></item></channel></rss>)");
    ASSERT_EQ(f.items.size(), 3U);
    EXPECT_EQ(f.items[0].title, "a");
    EXPECT_EQ(f.items[2].title, "c");
}

TEST(parse_rss, rdf_1_0) {
    const auto f = parse_ok(R"(<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
         xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="http://example.com/"><title>RDF feed</title><link>http://example.com/</link>
    <description>desc</description><dc:date>2003-12-31T10:14:55Z</dc:date></channel>
  <image rdf:about="http://example.com/i.png"><url>http://example.com/i.png</url></image>
  <item rdf:about="http://example.com/1"><title>One</title><link>http://example.com/1</link>
    <dc:date>2003-12-30T00:00:00Z</dc:date></item>
</rdf:RDF>)");
    EXPECT_EQ(f.format, feed_format::rdf);
    EXPECT_EQ(f.version, "1.0");
    EXPECT_EQ(f.title, "RDF feed");
    EXPECT_EQ(date(f.updated), "2003-12-31T10:14:55Z");
    EXPECT_EQ(f.image, "http://example.com/i.png");
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(f.items[0].id, "http://example.com/1");
    EXPECT_EQ(f.items[0].title, "One");
    EXPECT_EQ(date(f.items[0].published), "2003-12-30T00:00:00Z");
}

TEST(parse_rss, rss_0_90) {
    const auto f = parse_ok(
        R"(<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
<channel><title>Old</title></channel><item><title>i</title><link>http://example.com/i</link></item></rdf:RDF>)");
    EXPECT_EQ(f.format, feed_format::rdf);
    EXPECT_EQ(f.version, "0.90");
    EXPECT_EQ(f.items.at(0).link, "http://example.com/i");
}

TEST(parse_rss, prefixes_are_resolved_by_namespace_not_by_name) {
    const auto f = parse_ok(
        R"(<rss version="2.0" xmlns:c="http://purl.org/rss/1.0/modules/content/" xmlns:x="http://purl.org/dc/elements/1.1/"><channel>
<item><c:encoded>&lt;p&gt;hi&lt;/p&gt;</c:encoded><x:creator>Ann</x:creator></item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).content_html, "<p>hi</p>");
    EXPECT_EQ(f.items.at(0).authors.at(0).name, "Ann");
}

TEST(parse_rss, undeclared_prefixes_are_tolerated) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><item><dc:creator>Ann</dc:creator><title>t</title></item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).title, "t");
    EXPECT_EQ(f.items.at(0).authors.at(0).name, "Ann");
}

TEST(parse_rss, summary_and_description_both_given) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><item><summary>short</summary><description>long &lt;b&gt;text&lt;/b&gt;</description></item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).summary, "short");
    EXPECT_EQ(f.items.at(0).content_html, "long <b>text</b>");
}

TEST(parse_rss, xhtml_body_is_content) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><item><body xmlns="http://www.w3.org/1999/xhtml"><p>Example &amp; content</p></body></item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).content_html, "<p>Example &amp; content</p>");
}

TEST(parse_rss, atom_elements_inside_rss) {
    const auto f = parse_ok(R"(<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel>
<atom:link rel="alternate" href="http://example.com/home"/>
<item><atom:content type="html">&lt;p&gt;Body&lt;/p&gt;</atom:content><atom:updated>2020-01-01T00:00:00Z</atom:updated>
<atom:author><atom:name>Ann</atom:name><atom:email>ann@example.com</atom:email></atom:author>
<atom:category term="t1"/></item></channel></rss>)");
    EXPECT_EQ(f.link, "http://example.com/home");
    const auto& it = f.items.at(0);
    EXPECT_EQ(it.content_html, "<p>Body</p>");
    EXPECT_EQ(date(it.updated), "2020-01-01T00:00:00Z");
    EXPECT_EQ(it.authors.at(0).email, "ann@example.com");
    EXPECT_EQ(it.categories, std::vector<std::string>{"t1"});
}

TEST(parse_rss, unescaped_html_with_void_elements_in_description) {
    const auto f = parse_ok(
        R"(<rss version="2.0"><channel><item><description>one<br>two<img src="x.png"></description><title>after</title></item></channel></rss>)");
    EXPECT_EQ(f.items.at(0).summary, "one two");
    EXPECT_EQ(f.items.at(0).title, "after");
}

TEST(parse_rss, unknown_userland_namespace_is_still_rss) {
    const auto f = parse_ok(
        R"(<rss xmlns="http://backend.userland.com/rss2.1"><channel><description>d</description></channel></rss>)");
    EXPECT_EQ(f.description, "d");
}

}  // namespace
}  // namespace feedd::feeds
