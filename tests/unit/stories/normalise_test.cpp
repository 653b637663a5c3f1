#include "stories/normalise.hpp"

#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

namespace feedd::stories {
namespace {

constexpr const char* lede =
    "Acme Tools Corp said its board approved a plan to close two plants in Ohio, cutting 400 "
    "jobs by the end of the year.";

TEST(NormaliseText, HtmlEntitiesCaseAndPunctuationGo) {
    EXPECT_EQ(normalise_text("<p>Acme&#8217;s <a href=\"https://x.example/\">UNIT</a> rose; "
                             "&quot;Good&quot; news!</p>"),
              "acme s unit rose good news");
}

TEST(NormaliseText, HouseStyleVariantsNormaliseAlike) {
    const std::string a = normalise_text("U.S. output rose 5 pct to 12 mln dlrs, it said.");
    EXPECT_EQ(a, normalise_text("US output rose 5 percent to 12 million dollars, it says."));
    EXPECT_EQ(a, normalise_text("U.S output rose 5% to 12 million dollars, it said."));
    EXPECT_EQ(a, normalise_text("US output rose 5 per cent to 12 mln dollars, it said."));
}

TEST(NormaliseText, UnicodeFoldsLikeAscii) {
    EXPECT_EQ(normalise_text("Prices in ZÜRICH: Café ﬁnance"),
              normalise_text("prices in zurich cafe FINANCE"));
}

TEST(NormaliseText, RepeatedNonAsciiWordsFoldAlikeThroughTheCache) {
    // More distinct non-ASCII words than the tokenizer's fold cache has slots, each seen three
    // times in different orders (evictions, collisions and hits), and letters that fold to
    // several bytes ("ß" → "ss") or compose.
    std::string text, expected;
    for (const int round : {0, 1, 2}) {
        for (int k = 0; k < 150; ++k) {
            const int n = round == 1 ? 149 - k : k;
            const std::string number = std::to_string(n);
            text += (n % 3 == 0   ? "Zu\u0308rich"
                     : n % 3 == 1 ? "STRASSE\u00df"
                                  : "\u00c9cole") +
                    number + " ";
            expected += (n % 3 == 0 ? "zurich" : n % 3 == 1 ? "strassess" : "ecole") + number + " ";
        }
    }
    expected.pop_back();
    EXPECT_EQ(normalise_text(text), expected);
}

TEST(NormaliseText, InvalidUtf8DoesNotThrow) {
    EXPECT_EQ(normalise_text("bad \xff\xfe bytes"), "bad bytes");
}

TEST(NormaliseText, DatelinesGo) {
    const std::string plain = normalise_text(lede);
    EXPECT_EQ(normalise_text(std::string("CLEVELAND, March 3 - ") + lede), plain);
    EXPECT_EQ(normalise_text(std::string("CLEVELAND (Reuters) - ") + lede), plain);
    EXPECT_EQ(normalise_text(std::string("CLEVELAND, Ohio \xe2\x80\x94 ") + lede), plain);
    // A dash later in the sentence is text, not a dateline.
    EXPECT_EQ(normalise_text("Prices rose again. Traders said - as usual - little."),
              "prices rose again traders say as usual little");
}

TEST(NormaliseText, OutletBoilerplateGoes) {
    const std::string plain = normalise_text(lede);
    const std::string furniture[] = {
        "\n(Reporting by Jane Roe; Editing by John Doe)",
        "\nReporting by Jane Roe; additional reporting by Max Mustermann; Editing by John Doe",
        "\n\nThe post Acme to close plants appeared first on Daily Widget.",
        "\nRead more: https://www.dailywidget.example/news/acme-to-close-plants",
        "<br/>Copyright 2025 Daily Widget. All rights reserved.",
        "<p>Related coverage: Acme hires adviser; Widget prices fall</p>",
        "\nSign up for our morning newsletter here.",
        " Continue reading...",
        " Read more \xc2\xbb",
        " (Reporting by Jane Roe in Cleveland; Writing by A. N. Other)",
    };
    for (const auto& extra : furniture) {
        EXPECT_EQ(normalise_text(std::string(lede) + extra), plain) << extra;
    }
}

TEST(NormaliseText, StoryParagraphsMentioningFurnitureWordsStay) {
    // A long paragraph that happens to say "copyright" is story text.
    const std::string paragraph =
        "The court said the copyright claim against the publisher, filed last spring by a group "
        "of authors who say their books were copied without permission, can go to trial in "
        "June, after the judge rejected a motion to dismiss the case in its entirety.";
    const std::string text = std::string(lede) + "\n" + paragraph;
    EXPECT_NE(normalise_text(text).find("copyright claim"), std::string::npos);
}

TEST(NormaliseText, ThePostIsFurnitureOnlyBeforeAppearedFirst) {
    // "the post of" is a job in story text, also near a summary's end.
    const std::string story = "Acme said it named Jane Roe to the post of chief financial officer.";
    EXPECT_EQ(normalise_text(story),
              "acme say it named jane roe to the post of chief financial officer");
    EXPECT_EQ(normalise_text(std::string(story) +
                             " The post Acme names new CFO appeared first on Daily Widget."),
              normalise_text(story));
}

TEST(NormaliseText, BylineRunIntoTheLedeGoesWithTheDateline) {
    // A feed summary flattens the byline into the lede's paragraph.
    const std::string plain = normalise_text(lede);
    EXPECT_EQ(normalise_text(std::string("By Jane Roe, Staff Writer CLEVELAND, March 3 - ") + lede),
              plain);
    EXPECT_EQ(normalise_text(std::string("Staff and wire reports | Updated 2 hours ago Get the "
                                         "latest headlines delivered to your inbox. ") +
                             lede),
              plain);
}

TEST(NormaliseText, PunctuationAfterAWordEndsItAsASpaceWould) {
    // Words ended by punctuation (and the space after it) take the tokenizer's fast path;
    // "U.S." and "e.g." still join their letters, "3.5" still splits.
    EXPECT_EQ(normalise_text("Rates rose, then fell; bonds (long) slid: \"no\" 'yes'! Why? "
                             "U.S. e.g. 3.5 end."),
              "rates rose then fell bonds long slid no yes why us eg 3 5 end");
    // A sentence end seen there still ends the sentence: the furniture sentence after it goes.
    EXPECT_EQ(normalise_text(std::string(lede) + " Sign up for our newsletter."),
              normalise_text(lede));
}

TEST(NormaliseText, ShortFurnitureSentencesInsideAParagraphGo) {
    const std::string plain = normalise_text(lede);
    EXPECT_EQ(normalise_text(std::string(lede) + " Story continues below advertisement."), plain);
    EXPECT_EQ(normalise_text(std::string(lede) +
                             " This article was originally published by the wire service."),
              plain);
    EXPECT_EQ(normalise_text(std::string(lede) + " (File photo: Reuters)"), plain);
    // A long sentence is story text whatever it mentions.
    const std::string long_sentence =
        "The company said it would sign up 400 dealers across Ohio, Indiana and Michigan by the "
        "end of the year as it expands the network it began building last spring.";
    EXPECT_NE(normalise_text(long_sentence).find("sign up 400"), std::string::npos);
}

TEST(NormaliseTitle, OutletDecorationsGo) {
    const std::string plain = normalise_title("Acme Tools to close two Ohio plants");
    EXPECT_EQ(normalise_title("UPDATE 1-Acme Tools to close two Ohio plants"), plain);
    EXPECT_EQ(normalise_title("EXCLUSIVE-Acme Tools to close two Ohio plants"), plain);
    EXPECT_EQ(normalise_title("Breaking: Acme Tools to close two Ohio plants"), plain);
    EXPECT_EQ(normalise_title("Acme Tools to close two Ohio plants - Reuters"), plain);
    EXPECT_EQ(normalise_title("Acme Tools to close two Ohio plants | Daily Widget"), plain);
    EXPECT_EQ(normalise_title("Acme Tools to close two Ohio plants (Reuters)"), plain);
    EXPECT_EQ(normalise_title("ACME TOOLS TO CLOSE TWO OHIO PLANTS"), plain);
}

TEST(TitleContentWords, StopWordsAndDecorationsGo) {
    const std::string title = normalise_title("Acme Tools says it will close the Ohio plants");
    const auto words = title_content_words(title);
    ASSERT_EQ(words.size(), 5U);
    EXPECT_EQ(words[0], "acme");
    EXPECT_EQ(words[1], "tools");
    EXPECT_EQ(words[2], "close");
    EXPECT_EQ(words[3], "ohio");
    EXPECT_EQ(words[4], "plants");
}

TEST(TitleContentWords, AKickerStaysInTheSketchAndFunctionWordsGo) {
    // The kicker is this headline's subject; without it any "...: what we know so far" matches.
    EXPECT_EQ(normalise_title("Pension reform: what we know so far"), "what we know so far");
    const std::string title = normalise_title("Pension reform: what we know so far", true);
    EXPECT_EQ(title, "pension reform what we know so far");
    const std::vector<std::string_view> words{"pension", "reform", "know", "far"};
    EXPECT_EQ(title_content_words(title), words);
}

TEST(TextWords, StopsAtTheLimit) {
    const auto& words = text_words(lede, 5);
    ASSERT_EQ(words.size(), 5U);
    EXPECT_EQ(words[0], "acme");
    EXPECT_EQ(words[4], "its");
}

}  // namespace
}  // namespace feedd::stories
