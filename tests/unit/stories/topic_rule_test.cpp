#include "stories/topic_rule.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::stories {
namespace {

struct sample {
    std::string title;
    std::string text;
    std::string feed_title = "Wire Service";
    std::string feed_url = "https://wire.example.org/rss";
    std::vector<std::string> tags{"world"};
    std::string source = "Wire Service";
    std::vector<std::string> categories;
};

bool matches(std::string_view expression, const sample& s) {
    const auto parsed = topic_rule::parse(expression);
    EXPECT_TRUE(parsed) << expression << ": column " << parsed.error.column << ": "
                        << parsed.error.message;
    if (!parsed) return false;
    const prepared_item item(
        item_view{s.title, s.text, s.feed_title, s.feed_url, s.tags, s.source, s.categories});
    return parsed.rule->matches(item);
}

bool matches_title(std::string_view expression, std::string title) {
    sample s;
    s.title = std::move(title);
    return matches(expression, s);
}

std::string shape(std::string_view expression) {
    const auto parsed = topic_rule::parse(expression);
    if (!parsed) return "error";
    return to_string(parsed.rule->root());
}

rule_error error_of(std::string_view expression) {
    const auto parsed = topic_rule::parse(expression);
    EXPECT_FALSE(parsed) << expression << " parsed as " << shape(expression);
    return parsed.error;
}

TEST(TopicRule, WordsIgnoreCaseAndAccents) {
    EXPECT_TRUE(matches_title("iran", "IRÁN talks resume"));
    EXPECT_TRUE(matches_title("irán", "Iran talks resume"));
    EXPECT_TRUE(matches_title("zurich", "Zürich votes"));
    EXPECT_TRUE(matches_title("Straße", "strasse closed"));
    EXPECT_TRUE(matches_title("finance", "ﬁnance ministers meet"));  // ligature
    EXPECT_FALSE(matches_title("iraq", "Iran talks resume"));
}

TEST(TopicRule, WordsMatchWholeWordsOnly) {
    EXPECT_FALSE(matches_title("iran", "Iranian oil exports"));
    EXPECT_FALSE(matches_title("EU", "Europe votes"));
    EXPECT_TRUE(matches_title("iran", "Iran's envoy"));  // the apostrophe ends the word
    EXPECT_TRUE(matches_title("iran", "(Iran)"));
    EXPECT_TRUE(matches_title("iran*", "Iranian oil exports"));  // a prefix asks for more
    EXPECT_FALSE(matches_title("iran*", "Oil from Ira"));
}

TEST(TopicRule, PhrasesNeedConsecutiveWords) {
    EXPECT_TRUE(matches_title(R"("white house")", "Talks at the White House today"));
    EXPECT_TRUE(matches_title(R"("white house")", "White-House officials"));
    EXPECT_FALSE(matches_title(R"("white house")", "House of white paint"));
    EXPECT_FALSE(matches_title(R"("white house")", "White dove, house"));
    EXPECT_TRUE(matches_title(R"("white hou"*)", "White House"));
    // A hyphenated word is a phrase of its parts.
    EXPECT_TRUE(matches_title("putin-trump", "Putin Trump summit"));
    EXPECT_FALSE(matches_title("putin-trump", "Trump, Putin summit"));
}

TEST(TopicRule, PhrasesDoNotSpanFields) {
    sample s;
    s.title = "Talks end in white";
    s.text = "house arrest for many";
    EXPECT_FALSE(matches(R"("white house")", s));
    EXPECT_TRUE(matches("white house", s));  // two words, anywhere
}

TEST(TopicRule, ImplicitAndExplicitAnd) {
    EXPECT_TRUE(matches_title("iran talks", "Talks with Iran resume"));
    EXPECT_TRUE(matches_title("iran AND talks", "Talks with Iran resume"));
    EXPECT_FALSE(matches_title("iran talks", "Iran resumes exports"));
    // Lower-case "and"/"or" are words, not operators.
    EXPECT_FALSE(matches_title("iran or iraq", "Iraq votes"));
    EXPECT_TRUE(matches_title("iran OR iraq", "Iraq votes"));
}

TEST(TopicRule, NotAndMinus) {
    EXPECT_TRUE(matches_title("iran NOT football", "Iran talks resume"));
    EXPECT_FALSE(matches_title("iran NOT football", "Iran football team wins"));
    EXPECT_FALSE(matches_title("iran -football", "Iran football team wins"));
    EXPECT_TRUE(matches_title("-football", "Iran talks"));
    EXPECT_TRUE(matches_title("NOT NOT iran", "Iran talks"));
    EXPECT_FALSE(matches_title(R"(iran -"football team")", "Iran football team wins"));
    EXPECT_TRUE(matches_title(R"(iran -"football team")", "Iran team wins at football"));
}

TEST(TopicRule, PrecedenceIsNotThenAndThenOr) {
    EXPECT_EQ(shape("a OR b c"), R"((or "a" (and "b" "c")))");
    EXPECT_EQ(shape("NOT a b"), R"((and (not "a") "b"))");
    EXPECT_EQ(shape("a b OR c d"), R"((or (and "a" "b") (and "c" "d")))");
    EXPECT_EQ(shape("(a OR b) c"), R"((and (or "a" "b") "c"))");
    EXPECT_EQ(shape("-(a OR b)"), R"((not (or "a" "b")))");
    EXPECT_EQ(shape("a AND b AND c"), R"((and "a" "b" "c"))");
    EXPECT_TRUE(matches_title("iran OR iraq talks", "Iran votes"));
    EXPECT_FALSE(matches_title("(iran OR iraq) talks", "Iran votes"));
}

TEST(TopicRule, NestedGroups) {
    const auto rule = R"(((iran OR iraq) (talks OR "peace deal")) -(football OR cricket))";
    EXPECT_TRUE(matches_title(rule, "Iraq peace deal signed"));
    EXPECT_TRUE(matches_title(rule, "Iran talks"));
    EXPECT_FALSE(matches_title(rule, "Iran talks on football"));
    EXPECT_FALSE(matches_title(rule, "Iraq peace signed"));
}

TEST(TopicRule, FieldPrefixes) {
    sample s;
    s.title = "Summit in Helsinki";
    s.text = "Putin and Trump met for talks.";
    s.feed_title = "Reuters World";
    s.feed_url = "https://feeds.reuters.example/world.xml";
    s.tags = {"wire", "world news"};
    s.source = "Reuters";
    s.categories = {"Politics", "Europe"};
    EXPECT_TRUE(matches("title:helsinki", s));
    EXPECT_FALSE(matches("title:putin", s));
    EXPECT_TRUE(matches("text:putin", s));
    EXPECT_FALSE(matches("text:helsinki", s));
    EXPECT_TRUE(matches("putin helsinki", s));  // no prefix: title or text
    EXPECT_FALSE(matches("reuters", s));        // no prefix: not the feed
    EXPECT_TRUE(matches("feed:reuters", s));
    EXPECT_TRUE(matches(R"(feed:"reuters.example")", s));  // the URL counts too
    EXPECT_TRUE(matches("tag:wire", s));
    EXPECT_TRUE(matches(R"(tag:"world news")", s));
    EXPECT_FALSE(matches(R"(tag:"wire world")", s));  // two tags are not one phrase
    EXPECT_TRUE(matches("source:reuters", s));
    EXPECT_FALSE(matches("source:ap", s));
    EXPECT_TRUE(matches("category:politics", s));
    EXPECT_FALSE(matches("category:sport", s));
    EXPECT_TRUE(matches("TITLE:helsinki", s));  // field names ignore case
}

TEST(TopicRule, FieldPrefixAppliesToGroups) {
    sample s;
    s.title = "Summit in Helsinki";
    s.text = "Putin and Trump met for talks.";
    EXPECT_TRUE(matches("title:(helsinki OR moscow)", s));
    EXPECT_FALSE(matches("title:(putin OR moscow)", s));
    EXPECT_TRUE(matches("title:(summit text:putin)", s));  // an inner prefix wins
    EXPECT_FALSE(matches("-title:helsinki", s));
    EXPECT_TRUE(matches("-title:putin", s));
    EXPECT_EQ(shape("title:(a OR text:b) c"), R"((and (or title:"a" text:"b") "c"))");
    EXPECT_EQ(shape(R"(source:"the guardian"*)"), R"(source:"the guardian"*)");
}

TEST(TopicRule, UrlsAndTimesAreWordsNotFields) {
    EXPECT_EQ(shape("https://example.org/a"), R"("https example org a")");
    EXPECT_EQ(shape("10:30"), R"("10 30")");
}

TEST(TopicRule, ErrorsNameColumnAndExpectation) {
    auto e = error_of("");
    EXPECT_EQ(e.column, 1U);
    EXPECT_NE(e.message.find("empty rule"), std::string::npos) << e.message;

    e = error_of("iran OR");
    EXPECT_EQ(e.column, 8U);
    EXPECT_NE(e.message.find(R"(expected a word, a "phrase" or "(" after OR)"), std::string::npos)
        << e.message;

    e = error_of("OR iran");
    EXPECT_EQ(e.column, 1U);
    EXPECT_NE(e.message.find("got OR"), std::string::npos) << e.message;

    e = error_of("(iran OR iraq");
    EXPECT_EQ(e.column, 14U);
    EXPECT_NE(e.message.find(R"~(expected ")" to close the "(" at column 1)~"), std::string::npos)
        << e.message;

    e = error_of("iran)");
    EXPECT_EQ(e.column, 5U);
    EXPECT_NE(e.message.find("no \"(\" open"), std::string::npos) << e.message;

    e = error_of(R"(title:"white house)");
    EXPECT_EQ(e.column, 7U);
    EXPECT_NE(e.message.find("unclosed quote"), std::string::npos) << e.message;

    e = error_of("titel:iran");
    EXPECT_EQ(e.column, 1U);
    EXPECT_NE(e.message.find(R"(unknown field "titel:")"), std::string::npos) << e.message;

    e = error_of("title: iran");
    EXPECT_EQ(e.column, 7U);
    EXPECT_NE(e.message.find("right after title:"), std::string::npos) << e.message;

    e = error_of("iran - football");
    EXPECT_EQ(e.column, 7U);

    e = error_of("iran ()");
    EXPECT_EQ(e.column, 7U);
    EXPECT_NE(e.message.find("empty"), std::string::npos) << e.message;

    e = error_of("iran NOT");
    EXPECT_EQ(e.column, 9U);

    e = error_of(R"(iran "…")");
    EXPECT_EQ(e.column, 6U);
    EXPECT_NE(e.message.find("no letters or digits"), std::string::npos) << e.message;

    // Columns count characters, not bytes.
    e = error_of("Zürich OR");
    EXPECT_EQ(e.column, 10U);
}

TEST(TopicRule, DeepNestingIsAnErrorNotACrash) {
    std::string deep(200, '(');
    deep += "iran";
    deep += std::string(200, ')');
    const auto e = error_of(deep);
    EXPECT_NE(e.message.find("nested deeper"), std::string::npos) << e.message;
    EXPECT_EQ(error_of(std::string(300, '-') + "iran").message.find("nested deeper"), 0U);
    EXPECT_TRUE(topic_rule::parse("((((iran))))"));
}

TEST(TopicRule, OverlongRuleIsRefused) {
    std::string lots;
    while (lots.size() <= max_rule_bytes)
        lots += "word ";
    EXPECT_NE(error_of(lots).message.find("longer than"), std::string::npos);
}

TEST(TopicRule, InvalidUtf8IsMatchedNotRejected) {
    EXPECT_TRUE(matches_title("iran", "Iran\xff talks"));
    EXPECT_TRUE(
        topic_rule::parse("ir\xff"
                          "an"));
}

TEST(ItemPlainText, SummaryThenContentWhenItAddsSomething) {
    EXPECT_EQ(item_plain_text(std::string("Short."), std::nullopt), "Short.");
    EXPECT_EQ(item_plain_text(std::nullopt, std::string("<p>Body <b>text</b></p>")), "Body text");
    EXPECT_EQ(item_plain_text(std::string("Body"), std::string("<p>Body text</p>")), "Body text");
    EXPECT_EQ(item_plain_text(std::string("Lead."), std::string("<p>Body</p>")), "Lead. Body");
}

TEST(ItemPlainText, TheViewFormCopiesNoFieldThatIsTheWholeText) {
    const std::optional<std::string> summary("Lead.");
    std::string storage;
    const std::string_view alone = item_plain_text(summary, std::nullopt, storage);
    EXPECT_EQ(alone, "Lead.");
    EXPECT_EQ(alone.data(), summary->data());  // a view of the summary, not a copy
    EXPECT_EQ(item_plain_text(summary, std::string("<p>Body</p>"), storage), "Lead. Body");
    EXPECT_EQ(item_plain_text(std::string("Body"), std::string("<p>Body text</p>"), storage),
              "Body text");
    EXPECT_EQ(item_plain_text(std::nullopt, std::string("<b>Only</b>"), storage), "Only");
    EXPECT_EQ(item_plain_text(std::nullopt, std::nullopt, storage), "");
}

TEST(FoldWords, SplitsLikeUnicode61) {
    EXPECT_EQ(
        fold_words("Putin–Trump: a «summit» in Helsinki_2018"),
        (std::vector<std::string>{"putin", "trump", "a", "summit", "in", "helsinki", "2018"}));
    EXPECT_EQ(fold_words("Ελλάδα ΚΑΙ 東京"), (std::vector<std::string>{"ελλαδα", "και", "東京"}));
}

}  // namespace
}  // namespace feedd::stories
