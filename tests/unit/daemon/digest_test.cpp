// The pure digest parts: periods in a time zone (DST included), ordering, the message.
#include "daemon/digest.hpp"

#include <gtest/gtest.h>

#include "daemon/digest_runner.hpp"

namespace feedd::daemon {
namespace {

using namespace std::chrono_literals;
using storage::timestamp;

timestamp utc(int y, unsigned m, unsigned d, int h, int min) {
    return timestamp{std::chrono::sys_days{std::chrono::year{y} / m / d}} + std::chrono::hours(h) +
           std::chrono::minutes(min);
}

TEST(digest_period, daily_in_the_topics_time_zone) {
    const auto daily = parse_digest_schedule("daily 07:00");
    // 05:59 UTC is 06:59 in Berlin (CET): still yesterday's period.
    auto p = current_period(daily, "Europe/Berlin", utc(2026, 11, 28, 5, 59));
    EXPECT_EQ(p.key, "2026-11-27");
    EXPECT_EQ(p.next, utc(2026, 11, 28, 6, 0));
    p = current_period(daily, "Europe/Berlin", utc(2026, 11, 28, 6, 0));
    EXPECT_EQ(p.key, "2026-11-28");
    EXPECT_EQ(p.start, utc(2026, 11, 28, 6, 0));
    // In summer (CEST) the same local time is an hour earlier in UTC.
    EXPECT_EQ(current_period(daily, "Europe/Berlin", utc(2026, 6, 1, 5, 0)).start,
              utc(2026, 6, 1, 5, 0));
}

TEST(digest_period, a_time_skipped_by_the_clock_change_is_due_at_the_change) {
    // 2026-03-29 Berlin: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 does not exist.
    const auto p = current_period(parse_digest_schedule("daily 02:30"), "Europe/Berlin",
                                  utc(2026, 3, 29, 2, 0));
    EXPECT_EQ(p.key, "2026-03-29");
    EXPECT_EQ(p.start, utc(2026, 3, 29, 1, 0));
}

TEST(digest_period, weekly_and_every) {
    const auto weekly = parse_digest_schedule("weekly mon 07:00");
    // Saturday 2026-11-28: the period began Monday 2026-11-23 (ISO week 48).
    auto p = current_period(weekly, "UTC", utc(2026, 11, 28, 12, 0));
    EXPECT_EQ(p.key, "2026-W48");
    EXPECT_EQ(p.start, utc(2026, 11, 23, 7, 0));
    EXPECT_EQ(p.next, utc(2026, 11, 30, 7, 0));
    // Monday before 07:00: still last week's.
    EXPECT_EQ(current_period(weekly, "UTC", utc(2026, 11, 30, 6, 0)).key, "2026-W48");
    const auto every = parse_digest_schedule("every 6h");
    p = current_period(every, "UTC", utc(2026, 11, 28, 13, 5));
    EXPECT_EQ(p.key, "2026-11-28T12:00");
    EXPECT_EQ(p.next, utc(2026, 11, 28, 18, 0));
}

TEST(digest_schedule_text, rejects_what_it_cannot_schedule) {
    for (const auto* bad : {"daily", "daily 24:00", "daily 7:0", "weekly funday 07:00", "every 5h",
                            "every 30m", "every 0h", "hourly", ""})
        EXPECT_THROW(parse_digest_schedule(bad), config_error) << bad;
    EXPECT_EQ(parse_digest_schedule("  daily   7:05 ").at, 7h + 5min);
}

storage::story_view story(std::int64_t id, int sources, timestamp first_seen, std::string title,
                          std::optional<std::string> link) {
    storage::story_view s;
    s.id = id;
    s.source_count = sources;
    s.member_count = sources;
    s.first_seen = first_seen;
    s.title = std::move(title);
    s.link = std::move(link);
    for (int i = 0; i < sources; ++i)
        s.sources.push_back({"Outlet " + std::to_string(i), first_seen, id});
    return s;
}

TEST(digest_message, orders_by_sources_then_time_and_escapes_feed_text) {
    digest_input input;
    input.topic = "oil";
    input.period = "2026-11-28";
    input.time_zone = "Europe/Berlin";
    input.from = "news@example.org";
    input.to = {"a@example.org"};
    input.message_id = make_message_id("oil", "2026-11-28", "abcd", "news@example.org");
    input.date = utc(2026, 11, 28, 6, 0);
    input.stories = {
        {story(1, 1, utc(2026, 11, 28, 5, 0), "Older single", "https://a.example/1"), ""},
        {story(2, 3, utc(2026, 11, 27, 5, 0), "Wide <b>story</b>", "javascript:alert(1)"),
         "Summary with <script>x</script>"},
        {story(3, 1, utc(2026, 11, 28, 5, 30), "Newer single", "https://a.example/3"), ""},
    };
    order_for_digest(input.stories);
    EXPECT_EQ(input.stories[0].story.id, 2);
    EXPECT_EQ(input.stories[1].story.id, 3);
    EXPECT_EQ(input.stories[2].story.id, 1);
    const auto m = build_digest(input);
    EXPECT_EQ(m.subject, "oil: 3 stories — Wide <b>story</b>");
    EXPECT_NE(m.html.find("Wide &lt;b&gt;story&lt;/b&gt;"), std::string::npos);
    EXPECT_EQ(m.html.find("<script"), std::string::npos);
    EXPECT_EQ(m.html.find("javascript:"), std::string::npos);  // not a web link: no link
    EXPECT_NE(m.html.find("href=\"https://a.example/3\""), std::string::npos);
    EXPECT_NE(m.text.find("3 sources: Outlet 0, Outlet 1, Outlet 2"), std::string::npos);
    EXPECT_NE(m.rfc5322.find("Message-Id: <digest.oil.2026-11-28.abcd@example.org>\r\n"),
              std::string::npos)
        << m.rfc5322;
    EXPECT_NE(m.rfc5322.find("Content-Transfer-Encoding: quoted-printable\r\n"), std::string::npos);
}

// A JSON Feed title is text taken literally, line breaks included: the digest printed it over
// several lines (a title could lay out fake digest text, "-- " signature included) and put
// CR/LF into the Subject (encoded by GMime, still no place for them). A headline is one line.
// And text that Latin-1 can hold made GMime relabel both parts charset=iso-8859-1, while the
// HTML part says <meta charset="utf-8">: every part is UTF-8 now, as the HTML declares.
TEST(digest_message, a_headline_is_one_line_and_every_part_is_utf8) {
    digest_input input;
    input.topic = "oil";
    input.period = "2026-11-28";
    input.from = "news@example.org";
    input.to = {"a@example.org"};
    input.message_id = "m@example.org";
    input.date = utc(2026, 11, 28, 6, 0);
    input.stories = {{story(1, 1, utc(2026, 11, 28, 5, 0), "Öl\r\nBcc: x@example.org\n\n-- \nfake",
                            "https://a.example/1"),
                      "Zölle"}};
    const auto m = build_digest(input);
    EXPECT_EQ(m.subject, "oil: 1 story — Öl Bcc: x@example.org -- fake");
    EXPECT_NE(m.text.find("1. Öl Bcc: x@example.org -- fake\n"), std::string::npos) << m.text;
    EXPECT_NE(m.html.find(">Öl Bcc: x@example.org -- fake</a>"), std::string::npos) << m.html;
    EXPECT_EQ(m.rfc5322.find("iso-8859-1"), std::string::npos) << m.rfc5322;
    std::size_t utf8_parts = 0;
    for (auto at = m.rfc5322.find("charset=utf-8"); at != std::string::npos;
         at = m.rfc5322.find("charset=utf-8", at + 1))
        ++utf8_parts;
    EXPECT_EQ(utf8_parts, 2u) << m.rfc5322;
}

TEST(digest_message, short_summary_cuts_at_a_word) {
    EXPECT_EQ(short_summary(std::nullopt, std::string("<p>Hello <b>big</b> world</p>"), 9),
              "Hello big…");
    EXPECT_EQ(short_summary(std::string("  tiny  "), std::nullopt), "tiny");
    EXPECT_EQ(short_summary(std::nullopt, std::nullopt), "");
}

TEST(digest_retry, backs_off_doubling_to_an_hour) {
    EXPECT_EQ(retry_delay(1, 30s), 30s);
    EXPECT_EQ(retry_delay(2, 30s), 60s);
    EXPECT_EQ(retry_delay(4, 30s), 240s);
    EXPECT_EQ(retry_delay(40, 30s), 1h);
}

}  // namespace
}  // namespace feedd::daemon
