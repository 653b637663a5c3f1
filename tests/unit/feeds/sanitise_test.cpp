#include "feeds/sanitise.hpp"

#include <string>

#include <gtest/gtest.h>

namespace feedd::feeds {
namespace {

TEST(sanitise, keeps_plain_formatting) {
    EXPECT_EQ(sanitise_html("<p>Hello <b>bold</b> and <em>em</em></p>"),
              "<p>Hello <b>bold</b> and <em>em</em></p>");
    EXPECT_EQ(sanitise_html("a<br>b<hr/>"), "a<br>b<hr>");
}

TEST(sanitise, escapes_text) {
    EXPECT_EQ(sanitise_html("1 &lt; 2 &amp; 3 > 2"), "1 &lt; 2 &amp; 3 &gt; 2");
}

TEST(sanitise, drops_script_style_iframe_with_contents) {
    EXPECT_EQ(sanitise_html("a<script>document.title='x'</script>b"), "ab");
    EXPECT_EQ(sanitise_html("a<style>body{display:none}</style>b"), "ab");
    EXPECT_EQ(sanitise_html("a<iframe src=\"https://evil.example/\">x</iframe>b"), "ab");
    EXPECT_EQ(sanitise_html("<svg><script>alert(1)</script></svg>ok"), "ok");
    EXPECT_EQ(sanitise_html("<object data=x></object><embed src=y>ok"), "ok");
    EXPECT_EQ(sanitise_html("<form><input value=1><button>b</button></form>ok"), "ok");
    // Mixed case and broken markup are parsed as a browser would.
    EXPECT_EQ(sanitise_html("<ScRiPt>alert(1)</sCrIpT>ok"), "ok");
    EXPECT_EQ(sanitise_html("<script>alert(1)"), "");
}

TEST(sanitise, removes_event_handlers_and_style) {
    EXPECT_EQ(sanitise_html("<img src=\"https://a.example/i.png\" onerror=\"alert(1)\" "
                            "style=\"x\" class=c id=i alt=\"pic\">"),
              "<img src=\"https://a.example/i.png\" alt=\"pic\">");
    EXPECT_EQ(sanitise_html("<p onclick=\"x()\" ONMOUSEOVER=y>t</p>"), "<p>t</p>");
}

TEST(sanitise, keeps_only_http_https_mailto_urls) {
    EXPECT_EQ(sanitise_html("<a href=\"javascript:alert(1)\">x</a>"),
              "<a rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(sanitise_html("<a href=\" JaVa\tScRiPt:alert(1)\">x</a>"),
              "<a rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(sanitise_html("<a href=\"&#106;avascript:alert(1)\">x</a>"),
              "<a rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(sanitise_html("<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">"), "<img>");
    EXPECT_EQ(sanitise_html("<a href=\"vbscript:x\">x</a>"),
              "<a rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(
        sanitise_html("<a href=\"https://b.example/?a=1&amp;b=2\">x</a>"),
        "<a href=\"https://b.example/?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">x</a>");
    EXPECT_EQ(sanitise_html("<a href=\"mailto:desk@b.example\">m</a>"),
              "<a href=\"mailto:desk@b.example\" rel=\"nofollow noopener noreferrer\">m</a>");
}

TEST(sanitise, resolves_relative_urls_against_the_base) {
    EXPECT_EQ(
        sanitise_html("<a href=\"/story/1\">s</a>", "https://news.example/feed.xml"),
        "<a href=\"https://news.example/story/1\" rel=\"nofollow noopener noreferrer\">s</a>");
    // Without a base a relative URL cannot be checked, so it goes.
    EXPECT_EQ(sanitise_html("<img src=\"i.png\">"), "<img>");
}

TEST(sanitise, attribute_values_are_quoted_and_escaped) {
    EXPECT_EQ(sanitise_html("<img alt='\"><script>alert(1)</script>' src=\"https://a.example/\">"),
              "<img alt=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\" "
              "src=\"https://a.example/\">");
}

TEST(sanitise, unwraps_unknown_elements) {
    EXPECT_EQ(sanitise_html("<font color=red>red</font> <marquee>m</marquee>"), "red m");
    EXPECT_EQ(sanitise_html("<html><body><p>x</p></body></html>"), "<p>x</p>");
}

TEST(sanitise, closes_what_the_feed_left_open) {
    EXPECT_EQ(sanitise_html("<p><b>bold<p>next"), "<p><b>bold</b></p><p><b>next</b></p>");
    EXPECT_EQ(sanitise_html("</div></p>text"), "<p></p>text");
}

TEST(sanitise, deep_nesting_is_bounded) {
    std::string deep;
    for (int i = 0; i < 5000; ++i)
        deep += "<span>";
    deep += "deep";
    const auto out = sanitise_html(deep);
    EXPECT_EQ(out.find("deep"), std::string::npos);
    EXPECT_LT(out.size(), 5000u * 14);
}

TEST(sanitise, empty_input) {
    EXPECT_EQ(sanitise_html(""), "");
}

}  // namespace
}  // namespace feedd::feeds
