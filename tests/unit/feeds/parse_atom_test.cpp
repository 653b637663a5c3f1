#include <string>

#include <gtest/gtest.h>

#include "feeds/parse.hpp"

namespace feedd::feeds {
namespace {

feed parse_ok(std::string_view xml, std::string_view url = "") {
    auto result = parse(xml, url, "");
    EXPECT_TRUE(result) << result.error;
    return result.feed.value_or(feed{});
}

std::string date(const std::optional<timestamp>& t) {
    return t ? format_rfc3339(*t) : "null";
}

item first_entry(std::string_view entry_body) {
    const std::string doc = "<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry>" +
                            std::string(entry_body) + "</entry></feed>";
    const auto f = parse_ok(doc);
    EXPECT_EQ(f.items.size(), 1U);
    return f.items.empty() ? item{} : f.items[0];
}

TEST(parse_atom, feed_fields) {
    const auto f = parse_ok(R"(<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title type="text">Example Feed</title>
  <subtitle type="html">A &lt;em&gt;lot&lt;/em&gt; of effort</subtitle>
  <link href="http://example.org/feed.atom" rel="self"/>
  <link href="http://example.org/" rel="alternate" type="text/html"/>
  <updated>2003-12-13T18:30:02Z</updated>
  <logo>/logo.png</logo>
  <id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>
</feed>)",
                            "http://example.org/feed.atom");
    EXPECT_EQ(f.format, feed_format::atom);
    EXPECT_EQ(f.version, "1.0");
    EXPECT_EQ(f.title, "Example Feed");
    EXPECT_EQ(f.description, "A lot of effort");
    EXPECT_EQ(f.link, "http://example.org/");
    EXPECT_EQ(f.feed_url, "http://example.org/feed.atom");
    EXPECT_EQ(f.language, "en");
    EXPECT_EQ(date(f.updated), "2003-12-13T18:30:02Z");
    EXPECT_EQ(f.image, "http://example.org/logo.png");
}

TEST(parse_atom, entry_fields) {
    const auto it = first_entry(R"(
  <title>Atom-Powered Robots Run Amok</title>
  <link href="http://example.org/2003/12/13/atom03"/>
  <id> urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a </id>
  <published>2003-12-13T08:29:29-04:00</published>
  <updated>2003-12-13T18:30:02Z</updated>
  <author><name>John  Doe</name><email>jd@example.org</email><uri>http://example.org/jd</uri></author>
  <summary>Some text.</summary>
  <content type="html">&lt;p&gt;Full text&lt;/p&gt;</content>
  <category term="robots" label="Robots"/><category term="news"/>
  <link rel="enclosure" href="http://example.org/a.mp3" type="audio/mpeg" length="1337"/>)");
    EXPECT_EQ(it.id, "urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a");
    EXPECT_EQ(it.title, "Atom-Powered Robots Run Amok");
    EXPECT_EQ(it.link, "http://example.org/2003/12/13/atom03");
    EXPECT_EQ(date(it.published), "2003-12-13T12:29:29Z");
    EXPECT_EQ(date(it.updated), "2003-12-13T18:30:02Z");
    ASSERT_EQ(it.authors.size(), 1U);
    EXPECT_EQ(it.authors[0].name, "John Doe");
    EXPECT_EQ(it.authors[0].email, "jd@example.org");
    EXPECT_EQ(it.authors[0].url, "http://example.org/jd");
    EXPECT_EQ(it.summary, "Some text.");
    EXPECT_EQ(it.content_html, "<p>Full text</p>");
    EXPECT_EQ(it.categories, (std::vector<std::string>{"robots", "news"}));
    ASSERT_EQ(it.enclosures.size(), 1U);
    EXPECT_EQ(it.enclosures[0].length, 1337);
}

TEST(parse_atom, text_type_is_literal) {
    EXPECT_EQ(first_entry("<title>History of the &lt;blink&gt; tag</title>").title,
              "History of the <blink> tag");
    EXPECT_EQ(first_entry("<title type=\"text\">a &amp;lt; b</title>").title, "a &lt; b");
}

TEST(parse_atom, html_type_is_markup) {
    EXPECT_EQ(first_entry("<title type=\"html\">History of the &lt;blink&gt; tag</title>").title,
              "History of the tag");
    EXPECT_EQ(
        first_entry("<title type=\"html\">&lt;p&gt;a&lt;/p&gt;&lt;p&gt;b&lt;/p&gt;</title>").title,
        "a b");
}

TEST(parse_atom, xhtml_type_drops_the_wrapper_div) {
    const auto it = first_entry(
        R"(<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">History of the &lt;blink&gt; <b>tag</b></div></title>
<content type="xhtml"><xhtml:div xmlns:xhtml="http://www.w3.org/1999/xhtml"><xhtml:p>Hi &amp; bye</xhtml:p></xhtml:div></content>)");
    EXPECT_EQ(it.title, "History of the <blink> tag");
    EXPECT_EQ(it.content_html, "<p>Hi &amp; bye</p>");
}

TEST(parse_atom, text_content_is_escaped_for_html) {
    EXPECT_EQ(first_entry("<content>1 &lt; 2</content>").content_html, "1 &lt; 2");
}

TEST(parse_atom, base64_content_is_decoded) {
    EXPECT_EQ(first_entry(R"(<content type="text/html" mode="base64">PHA+aGk8L3A+</content>)")
                  .content_html,
              "<p>hi</p>");
    EXPECT_EQ(first_entry(R"(<content type="image/png">aGVsbG8=</content>)").content_html, "hello");
}

TEST(parse_atom, alternate_link_prefers_text_html) {
    const auto it =
        first_entry(R"(<link rel="alternate" type="application/pdf" href="http://e.org/a.pdf"/>
<link rel="related" href="http://e.org/related"/>
<link rel="alternate" type="text/html" href="http://e.org/a.html"/>)");
    EXPECT_EQ(it.link, "http://e.org/a.html");
    EXPECT_EQ(first_entry(R"(<link rel="self" href="http://e.org/s"/>)").link, std::nullopt);
}

TEST(parse_atom, xml_base_is_inherited) {
    const auto f =
        parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:base="http://example.org/root/">
<entry xml:base="sub/"><link href="page.html"/><author><name>a</name><uri>/me</uri></author></entry>
<entry><link href="page.html" xml:base="http://other.org/"/></entry>
</feed>)",
                 "http://ignored.example/");
    ASSERT_EQ(f.items.size(), 2U);
    EXPECT_EQ(f.items[0].link, "http://example.org/root/sub/page.html");
    EXPECT_EQ(f.items[0].authors.at(0).url, "http://example.org/me");
    EXPECT_EQ(f.items[1].link, "http://other.org/page.html");
}

TEST(parse_atom, atom_0_3) {
    const auto f = parse_ok(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#">
<title mode="escaped" type="text/html">&lt;b&gt;Old&lt;/b&gt;</title>
<tagline>Tag line</tagline>
<modified>2003-12-13T18:30:02Z</modified>
<entry><title>e</title><issued>2003-12-13T08:29:29-04:00</issued><modified>2003-12-14T00:00:00Z</modified>
<author><name>n</name><url>http://e.org/</url></author>
<content type="text/html" mode="xml"><p xmlns="http://www.w3.org/1999/xhtml">x</p></content></entry>
</feed>)");
    EXPECT_EQ(f.version, "0.3");
    EXPECT_EQ(f.title, "Old");
    EXPECT_EQ(f.description, "Tag line");
    EXPECT_EQ(date(f.updated), "2003-12-13T18:30:02Z");
    ASSERT_EQ(f.items.size(), 1U);
    EXPECT_EQ(date(f.items[0].published), "2003-12-13T12:29:29Z");
    EXPECT_EQ(date(f.items[0].updated), "2003-12-14T00:00:00Z");
    EXPECT_EQ(f.items[0].authors.at(0).url, "http://e.org/");
    EXPECT_EQ(f.items[0].content_html, "<p>x</p>");
}

TEST(parse_atom, absent_fields_are_null) {
    const auto it = first_entry("<title></title>");
    EXPECT_EQ(it.title, "");
    EXPECT_FALSE(it.id.has_value());
    EXPECT_FALSE(it.link.has_value());
    EXPECT_FALSE(it.summary.has_value());
    EXPECT_FALSE(it.content_html.has_value());
    EXPECT_FALSE(it.published.has_value());
}

TEST(parse_atom, feed_without_namespace_is_still_atom) {
    const auto f = parse_ok("<feed><title>t</title><entry><title>e</title></entry></feed>");
    EXPECT_EQ(f.format, feed_format::atom);
    EXPECT_EQ(f.title, "t");
    EXPECT_EQ(f.items.at(0).title, "e");
}

TEST(parse_atom, draft_namespace_root_is_read_as_atom) {
    const auto f =
        parse_ok(R"(<feed version="0.3" xmlns="http://purl.org/echo/"><title>Echo</title></feed>)");
    EXPECT_EQ(f.format, feed_format::atom);
    EXPECT_EQ(f.title, "Echo");
}

TEST(parse_atom, link_given_as_text_in_atom_0_3) {
    const auto f = parse_ok(R"(<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry>
<link rel="enclosure" type="text/html">http://e.org/enc</link>
<link rel="alternate" type="text/html">http://e.org/alt</link></entry></feed>)");
    EXPECT_EQ(f.items.at(0).link, "http://e.org/alt");
}

TEST(parse_atom, relative_id_resolves_against_the_document_url) {
    const auto f = parse_ok(
        R"(<feed xmlns="http://www.w3.org/2005/Atom"><entry><id>/relative/link</id></entry></feed>)",
        "http://example.com/feed");
    EXPECT_EQ(f.items.at(0).id, "http://example.com/relative/link");
}

TEST(parse_atom, language_underscore_is_normalised) {
    EXPECT_EQ(parse_ok(R"(<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en_US"/>)").language,
              "en-US");
}

}  // namespace
}  // namespace feedd::feeds
