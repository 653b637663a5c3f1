#include "feeds/dates.hpp"

#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace feedd::feeds {
namespace {

std::string iso(std::string_view text) {
    const auto t = parse_date(text);
    return t ? format_rfc3339(*t) : "null";
}

TEST(dates, rfc822_standard_forms) {
    EXPECT_EQ(iso("Thu, 01 Jan 2004 19:48:21 GMT"), "2004-01-01T19:48:21Z");
    EXPECT_EQ(iso("Sat, 07 Sep 2002 00:00:01 +0200"), "2002-09-06T22:00:01Z");
    EXPECT_EQ(iso("Sat, 07 Sep 2002 00:00:01 -0530"), "2002-09-07T05:30:01Z");
    EXPECT_EQ(iso("Thu,  5 Apr 2012 10:00:00 GMT"), "2012-04-05T10:00:00Z");
}

TEST(dates, rfc822_deviations) {
    EXPECT_EQ(iso("Thu, 01 Jan 04 19:48:21 GMT"), "2004-01-01T19:48:21Z");
    EXPECT_EQ(iso("Fri, 01 Jan 99 00:00:00 GMT"), "1999-01-01T00:00:00Z");
    // Two-digit years with named or numeric zones, with or without seconds: below 50 is 20xx.
    EXPECT_EQ(iso("Tue, 10 Jun 03 04:00:00 EST"), "2003-06-10T09:00:00Z");
    EXPECT_EQ(iso("10 Jun 49 04:00 +0100"), "2049-06-10T03:00:00Z");
    EXPECT_EQ(iso("10 Jun 50 04:00 PST"), "1950-06-10T12:00:00Z");
    // Three digits are a year as written (the general parser's rule).
    EXPECT_EQ(iso("Tue, 10 Jun 203 04:00:00 GMT"), "0203-06-10T04:00:00Z");
    EXPECT_EQ(iso("Thu, 01 Jan 2004 00:00 GMT"), "2004-01-01T00:00:00Z");
    EXPECT_EQ(iso("Thu, 01 Jan 2004 1:2:3 GMT"), "2004-01-01T01:02:03Z");
    EXPECT_EQ(iso("Thu,01 Jan 2004 19:48:21 GMT"), "2004-01-01T19:48:21Z");
    EXPECT_EQ(iso("Thu, 01 Jan 0100 00:00:01 +0100"), "0099-12-31T23:00:01Z");
    EXPECT_EQ(iso("01 Jan 2004 12:00:00 GMT"), "2004-01-01T12:00:00Z");
    EXPECT_EQ(iso("Thu, 01 Jan 2004"), "2004-01-01T00:00:00Z");
    EXPECT_EQ(iso("Mon, 13 Feb, 2012 06:28:00 UTC"), "2012-02-13T06:28:00Z");
    EXPECT_EQ(iso("Mon, 26 January 2004 16:31:00 UT"), "2004-01-26T16:31:00Z");
    EXPECT_EQ(iso("Thu Aug 30 2012 17:26:16 +0200"), "2012-08-30T15:26:16Z");
    EXPECT_EQ(iso("Sat, 01 Jan 2000 12:00:00 +0100 (CET)"), "2000-01-01T11:00:00Z");
}

TEST(dates, named_zones) {
    EXPECT_EQ(iso("Mon, 26 Jan 2004 16:31:00 EST"), "2004-01-26T21:31:00Z");
    EXPECT_EQ(iso("Mon, 26 Jul 2004 16:31:00 PDT"), "2004-07-26T23:31:00Z");
    EXPECT_EQ(iso("Mon, 26 Jan 2004 16:31:00 AT"), "2004-01-26T20:31:00Z");
    EXPECT_EQ(iso("Thu, 30 Apr 2015 08:57:00 MEST"), "2015-04-30T06:57:00Z");
    EXPECT_EQ(iso("Wed, 19 Aug 2009 18:28:00 Etc/GMT"), "2009-08-19T18:28:00Z");
    EXPECT_EQ(iso("Wed, 19 Aug 2009 18:28:00 Z"), "2009-08-19T18:28:00Z");
}

TEST(dates, zone_offsets_after_gmt) {
    EXPECT_EQ(iso("Wed, 19 Feb 2012 22:40:00 GMT-01:01"), "2012-02-19T23:41:00Z");
    EXPECT_EQ(iso("Wed, 19 Feb 2012 22:40:00 GMT+2"), "2012-02-19T20:40:00Z");
}

TEST(dates, unknown_zone_abbreviation_after_the_time_reads_as_utc) {
    EXPECT_EQ(iso("Mon, 26 Jan 2004 16:31:00 XYZT"), "2004-01-26T16:31:00Z");
}

TEST(dates, military_zones_follow_rfc822) {
    EXPECT_EQ(iso("Thu, 01 Jan 2004 12:00:00 A"), "2004-01-01T13:00:00Z");
    EXPECT_EQ(iso("Thu, 01 Jan 2004 12:00:00 N"), "2004-01-01T11:00:00Z");
}

TEST(dates, asctime_and_perforce) {
    EXPECT_EQ(iso("Sun Jan  4 16:29:06 PST 2004"), "2004-01-05T00:29:06Z");
    EXPECT_EQ(iso("Sun Jan  4 16:29:06 2004"), "2004-01-04T16:29:06Z");
    EXPECT_EQ(iso("Sun Jul 15 01:16:00 +0000 2012"), "2012-07-15T01:16:00Z");
    EXPECT_EQ(iso("Fri, 2006/09/15 08:19:53 EDT"), "2006-09-15T12:19:53Z");
}

TEST(dates, w3cdtf_and_rfc3339) {
    EXPECT_EQ(iso("2003-12-31T10:14:55Z"), "2003-12-31T10:14:55Z");
    EXPECT_EQ(iso("2003-12-31T10:14:55-08:00"), "2003-12-31T18:14:55Z");
    EXPECT_EQ(iso("2003-12-31T10:14:55.1234Z"), "2003-12-31T10:14:55Z");
    EXPECT_EQ(iso("2003-12-31T10:14Z"), "2003-12-31T10:14:00Z");
    EXPECT_EQ(iso("2004-02-28T18:14:55-08:00"), "2004-02-29T02:14:55Z");
    EXPECT_EQ(iso("2003-12-31"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("2003-12"), "2003-12-01T00:00:00Z");
    EXPECT_EQ(iso("2003"), "2003-01-01T00:00:00Z");
    EXPECT_EQ(iso("2004-07-08 23:56:58"), "2004-07-08T23:56:58Z");
    EXPECT_EQ(iso("2004-07-08 23:56:58.0"), "2004-07-08T23:56:58Z");
    EXPECT_EQ(iso("2003-12-31t10:14:55+0100"), "2003-12-31T09:14:55Z");
}

TEST(dates, iso8601_truncated_forms) {
    EXPECT_EQ(iso("20031231"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("20031231T101455Z"), "2003-12-31T10:14:55Z");
    EXPECT_EQ(iso("031231"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("03-12-31"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("-0312"), "2003-12-01T00:00:00Z");
    EXPECT_EQ(iso("2003-335"), "2003-12-01T00:00:00Z");
}

TEST(dates, other_languages) {
    EXPECT_EQ(iso("Κυρ, 11 Ιούλ 2004 12:00:00 EST"), "2004-07-11T17:00:00Z");
    EXPECT_EQ(iso("2004-július-13T9:15-05:00"), "2004-07-13T14:15:00Z");
    EXPECT_EQ(iso("2004-05-25 오후 11:23:17"), "2004-05-25T14:23:17Z");
    EXPECT_EQ(iso("2004년 05월 28일  01:31:15"), "2004-05-27T16:31:15Z");
}

TEST(dates, unreadable_is_null_never_a_guess) {
    EXPECT_EQ(iso(""), "null");
    EXPECT_EQ(iso("   "), "null");
    EXPECT_EQ(iso("yesterday"), "null");
    EXPECT_EQ(iso("2003-13-31"), "null");
    EXPECT_EQ(iso("2003-02-30"), "null");
    EXPECT_EQ(iso("2003-12-31T25:14:55Z"), "null");
    EXPECT_EQ(iso("2003-12-31T10:61:55Z"), "null");
    EXPECT_EQ(iso("Thu, 31 Jun 2004 19:48:21 GMT"), "null");
    EXPECT_EQ(iso("Sun, 16 Dec 2012 1:2:3:4 GMT"), "null");
    EXPECT_EQ(iso("Mon, 26 Jan 2004 bogus 16:31:00"), "null");
    EXPECT_EQ(iso("Mon, 26 Jan 2004 16:31:00 GMT extra"), "null");
    EXPECT_EQ(iso(std::string(1000, '9')), "null");
}

// tests/data/dates/dialects.tsv: one dialect per line, "input<TAB>expected".
std::vector<std::pair<std::string, std::string>> dialects() {
    std::istringstream lines(test::read_file(std::string(FEEDD_TEST_DATA) + "/dates/dialects.tsv"));
    std::vector<std::pair<std::string, std::string>> out;
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        const auto tab = line.rfind('\t');
        EXPECT_NE(tab, std::string::npos) << line;
        if (tab != std::string::npos) {
            out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
        }
    }
    return out;
}

TEST(dates, dialects_fixture) {
    const auto cases = dialects();
    for (const auto& [input, expected] : cases) {
        EXPECT_EQ(iso(input), expected) << "input: " << input;
    }
    EXPECT_GT(cases.size(), 70U);
}

// ASCII dates are collapsed and read on the stack first; a trailing U+00A0 (which
// collapse_whitespace drops) sends the same date through the general path: both must agree.
TEST(dates, the_stack_path_reads_what_the_general_path_reads) {
    for (const auto& [input, expected] : dialects()) {
        for (const std::string& variant : {input, "  " + input + " \t", "\n" + input}) {
            EXPECT_EQ(iso(variant), iso(variant + "\u00a0")) << variant;
        }
        // Most dates are read where they are (collapsed already); doubled spaces are not.
        std::string doubled;
        for (const char c : input) {
            doubled += c == ' ' ? std::string("  ") : std::string(1, c);
        }
        EXPECT_EQ(iso(doubled), iso(input)) << doubled;
    }
}

TEST(dates, week_dates) {
    EXPECT_EQ(iso("2009-W01-1"), "2008-12-29T00:00:00Z");
    EXPECT_EQ(iso("2009W537"), "2010-01-03T00:00:00Z");
    EXPECT_EQ(iso("2009-W53"), "2009-12-28T00:00:00Z");
    EXPECT_EQ(iso("2009-W54-1"), "null");
    EXPECT_EQ(iso("2009-W00-1"), "null");
    EXPECT_EQ(iso("2009-W01-8"), "null");
}

TEST(dates, numeric_dates_only_when_unambiguous) {
    EXPECT_EQ(iso("31.12.2003"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("12/31/2003 10:00"), "2003-12-31T10:00:00Z");
    EXPECT_EQ(iso("31-12-2003"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("02/03/2003"), "null");
    EXPECT_EQ(iso("02-03-2003"), "null");
    EXPECT_EQ(iso("2003/12/31"), "2003-12-31T00:00:00Z");
    EXPECT_EQ(iso("1.2.3"), "null");
    EXPECT_EQ(iso("31.12.03"), "null");
    EXPECT_EQ(iso("2003-12/31"), "null");
}

TEST(dates, results_outside_four_digit_years_are_null) {
    EXPECT_EQ(iso("Fri, 31 Dec 9999 23:59:59 -1200"), "null");
    EXPECT_EQ(iso("Fri, 31 Dec 9999 11:59:59 -1200"), "9999-12-31T23:59:59Z");
    EXPECT_EQ(iso("0001-01-01T00:00:00+01:00"), "null");
}

}  // namespace
}  // namespace feedd::feeds
