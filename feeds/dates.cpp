#include "feeds/dates.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <string>
#include <vector>

#include <utf8proc.h>

#include "feeds/text.hpp"

namespace feedd::feeds {
namespace {

using namespace std::chrono;

struct fields {
    int year = -1;
    int month = -1;
    int day = -1;
    int hour = 0;
    int minute = 0;
    int second = 0;
    int offset_minutes = 0;  // local time = UTC + offset
};

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Case-folds UTF-8 (Greek month names come capitalised).
std::string fold(std::string_view text) {
    utf8proc_uint8_t* folded = nullptr;
    const std::string input(text);
    const auto n =
        utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(input.c_str()),
                     static_cast<utf8proc_ssize_t>(input.size()), &folded,
                     static_cast<utf8proc_option_t>(UTF8PROC_CASEFOLD | UTF8PROC_COMPOSE));
    if (n < 0 || folded == nullptr) {
        return input;
    }
    std::string out(reinterpret_cast<const char*>(folded), static_cast<std::size_t>(n));
    std::free(folded);  // utf8proc_map allocates with malloc
    return out;
}

// Reads exactly n digits at text[pos]; -1 when they aren't there.
int digits(std::string_view text, std::size_t& pos, std::size_t n) {
    if (pos + n > text.size()) {
        return -1;
    }
    int value = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!is_digit(text[pos + i])) {
            return -1;
        }
        value = value * 10 + (text[pos + i] - '0');
    }
    pos += n;
    return value;
}

int one_or_two_digits(std::string_view text, std::size_t& pos) {
    const std::size_t width = pos + 1 < text.size() && is_digit(text[pos + 1]) ? 2 : 1;
    return digits(text, pos, width);
}

int expand_year(int year, std::size_t width) {
    if (width == 2) {
        return year < 50 ? 2000 + year : 1900 + year;
    }
    return year;
}

std::optional<timestamp> to_timestamp(const fields& f) {
    if (f.year < 1 || f.year > 9999 || f.month < 1 || f.month > 12 || f.day < 1 || f.hour < 0 ||
        f.hour > 24 || f.minute < 0 || f.minute > 59 || f.second < 0 || f.second > 60) {
        return std::nullopt;
    }
    const year_month_day ymd{year{f.year}, month{static_cast<unsigned>(f.month)},
                             day{static_cast<unsigned>(f.day)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    const sys_seconds local = sys_days{ymd} + hours{f.hour} + minutes{f.minute} + seconds{f.second};
    const sys_seconds utc = local - minutes{f.offset_minutes};
    // RFC 3339 has four-digit years: a zone that pushes 9999-12-31 over the edge is no date.
    if (utc < sys_days{year{1} / January / 1} || utc >= sys_days{year{10000} / January / 1}) {
        return std::nullopt;
    }
    return utc;
}

// Zone suffix of an ISO 8601 time: Z, ±hh, ±hhmm, ±hh:mm. False if malformed.
bool parse_iso_zone(std::string_view text, std::size_t& pos, int& offset) {
    while (pos < text.size() && text[pos] == ' ') {
        ++pos;
    }
    if (pos == text.size()) {
        return true;
    }
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
        return true;
    }
    if (text[pos] != '+' && text[pos] != '-') {
        return false;
    }
    const int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    const int h = digits(text, pos, 2);
    if (h < 0) {
        return false;
    }
    int m = 0;
    if (pos < text.size() && text[pos] == ':') {
        ++pos;
    }
    if (pos < text.size()) {
        m = digits(text, pos, 2);
        if (m < 0) {
            return false;
        }
    }
    // Real zones are within ±14 hours; "-9999" is not an offset.
    if (h > 23 || m > 59) {
        return false;
    }
    offset = sign * (h * 60 + m);
    return true;
}

// ISO 8601 week date after the year: "Www" or "Www-D" (extended), "WwwD" (basic).
// pos is at the 'W'. Week 1 is the week with the year's first Thursday.
bool parse_week_date(std::string_view text, std::size_t& pos, fields& f) {
    ++pos;
    const int week = digits(text, pos, 2);
    int day_of_week = 1;
    if (pos < text.size() && text[pos] == '-') {
        ++pos;
        day_of_week = digits(text, pos, 1);
    } else if (pos < text.size() && is_digit(text[pos])) {
        day_of_week = digits(text, pos, 1);
    }
    if (week < 1 || week > 53 || day_of_week < 1 || day_of_week > 7 || f.year < 1) {
        return false;
    }
    const sys_days jan4 = sys_days{year{f.year} / January / 4};
    const unsigned iso_weekday = weekday{jan4}.iso_encoding();
    const sys_days week1_monday = jan4 - days{iso_weekday - 1};
    const sys_days date = week1_monday + days{(week - 1) * 7 + (day_of_week - 1)};
    // Week 53 exists only in years whose week 53 Thursday is still in that year.
    if (year_month_day{week1_monday + days{(week - 1) * 7 + 3}}.year() != year{f.year}) {
        return false;
    }
    const year_month_day ymd{date};
    f.year = static_cast<int>(ymd.year());
    f.month = static_cast<int>(unsigned{ymd.month()});
    f.day = static_cast<int>(unsigned{ymd.day()});
    return true;
}

// Day `ordinal` (1-based) of f.year as month and day; false when out of range.
bool apply_ordinal(int ordinal, fields& f) {
    const int length = year{f.year}.is_leap() ? 366 : 365;
    if (ordinal < 1 || ordinal > length || f.year < 1) {
        return false;
    }
    const year_month_day ymd{sys_days{year{f.year} / January / 1} + days{ordinal - 1}};
    f.month = static_cast<int>(unsigned{ymd.month()});
    f.day = static_cast<int>(unsigned{ymd.day()});
    return true;
}

// ISO 8601 / W3CDTF / RFC 3339 and feedparser's truncated forms (YYMMDD, -YYMM).
std::optional<timestamp> parse_iso8601(std::string_view text) {
    fields f;
    std::size_t pos = 0;
    const std::size_t n = text.size();
    std::size_t digit_run = 0;
    while (digit_run < n && is_digit(text[digit_run])) {
        ++digit_run;
    }
    if (n > 0 && text[0] == '-') {
        // -YYMM or -YY-MM: year and month, day 1.
        pos = 1;
        const int y = digits(text, pos, 2);
        if (pos < n && text[pos] == '-') {
            ++pos;
        }
        const int m = digits(text, pos, 2);
        if (y < 0 || m < 0) {
            return std::nullopt;
        }
        f.year = expand_year(y, 2);
        f.month = m;
        f.day = 1;
    } else if (digit_run == 8 || digit_run == 6) {
        const std::size_t year_width = digit_run == 8 ? 4 : 2;
        f.year = expand_year(digits(text, pos, year_width), year_width);
        f.month = digits(text, pos, 2);
        f.day = digits(text, pos, 2);
    } else if (digit_run == 7 || digit_run == 5) {
        // Compact ordinal dates: YYYYDDD, YYDDD.
        const std::size_t year_width = digit_run - 3;
        f.year = expand_year(digits(text, pos, year_width), year_width);
        if (!apply_ordinal(digits(text, pos, 3), f)) {
            return std::nullopt;
        }
    } else if (digit_run == 4 || digit_run == 2) {
        const int y = digits(text, pos, digit_run);
        f.year = expand_year(y, digit_run);
        f.month = 1;
        f.day = 1;
        const bool week_date =
            digit_run == 4 && pos < n &&
            (text[pos] == 'W' || (text[pos] == '-' && pos + 1 < n && text[pos + 1] == 'W'));
        if (week_date) {
            pos += text[pos] == '-' ? 1 : 0;
            if (!parse_week_date(text, pos, f)) {
                return std::nullopt;
            }
        } else if (pos < n && text[pos] == '-') {
            ++pos;
            std::size_t run = 0;
            while (pos + run < n && is_digit(text[pos + run])) {
                ++run;
            }
            // Google once wrote months with three digits: "2003-012-31".
            const bool padded_month =
                run == 3 && text[pos] == '0' && pos + 3 < n && text[pos + 3] == '-';
            if (padded_month) {
                ++pos;
            }
            if (run == 3 && !padded_month) {
                // Ordinal date YYYY-DDD.
                if (!apply_ordinal(digits(text, pos, 3), f)) {
                    return std::nullopt;
                }
            } else {
                f.month = digits(text, pos, 2);
                if (pos < n && text[pos] == '-') {
                    ++pos;
                    f.day = digits(text, pos, 2);
                }
            }
        } else if (digit_run == 2) {
            return std::nullopt;
        }
    } else {
        return std::nullopt;
    }
    if (f.month < 0 || f.day < 0) {
        return std::nullopt;
    }
    const bool has_time = pos < n && (text[pos] == 'T' || text[pos] == 't' || text[pos] == ' ');
    // A zone offset needs a time: "2013-01-27-01" is a date with one part too many.
    if (!has_time && pos < n && (text[pos] == '+' || text[pos] == '-')) {
        return std::nullopt;
    }
    if (has_time) {
        ++pos;
        while (pos < n && text[pos] == ' ') {
            ++pos;
        }
        std::size_t run = 0;
        while (pos + run < n && is_digit(text[pos + run])) {
            ++run;
        }
        // Hours may have one digit in sloppy feeds ("T9:15").
        if (run == 1 || run == 2) {
            f.hour = digits(text, pos, run);
            if (pos < n && text[pos] == ':') {
                ++pos;
                f.minute = digits(text, pos, 2);
                if (pos < n && text[pos] == ':') {
                    ++pos;
                    f.second = digits(text, pos, 2);
                }
            }
        } else if (run == 4 || run == 6) {
            f.hour = digits(text, pos, 2);
            f.minute = digits(text, pos, 2);
            if (run == 6) {
                f.second = digits(text, pos, 2);
            }
        } else if (run != 0) {
            return std::nullopt;
        }
        if (f.minute < 0 || f.second < 0 || f.hour < 0) {
            return std::nullopt;
        }
        if (pos < n && (text[pos] == '.' || text[pos] == ',')) {
            ++pos;
            while (pos < n && is_digit(text[pos])) {
                ++pos;
            }
        }
    }
    if (!parse_iso_zone(text, pos, f.offset_minutes) || pos != n) {
        return std::nullopt;
    }
    return to_timestamp(f);
}

struct zone_name {
    std::string_view name;
    int offset_hours;
};

constexpr zone_name zone_names[] = {
    {"ut", 0},   {"utc", 0},   {"gmt", 0},   {"z", 0},     {"wet", 0},   {"west", 1},  {"bst", 1},
    {"cet", 1},  {"met", 1},   {"cest", 2},  {"mest", 2},  {"eet", 2},   {"eest", 3},  {"msk", 3},
    {"ist", 5},  {"jst", 9},   {"kst", 9},   {"aest", 10}, {"aedt", 11}, {"nzst", 12}, {"nzdt", 13},
    {"adt", -3}, {"ast", -4},  {"at", -4},   {"edt", -4},  {"est", -5},  {"et", -5},   {"cdt", -5},
    {"cst", -6}, {"ct", -6},   {"mdt", -6},  {"mst", -7},  {"mt", -7},   {"pdt", -7},  {"pst", -8},
    {"pt", -8},  {"akdt", -8}, {"akst", -9}, {"hst", -10}, {"hdt", -9}};

std::optional<int> named_zone_minutes(std::string_view word) {
    for (const auto& z : zone_names) {
        if (z.name == word) {
            return z.offset_hours * 60;
        }
    }
    // RFC 822 military zones: A–M (no J) west of UTC, N–Y east of it, as the RFC wrote them.
    if (word.size() == 1 && word[0] >= 'a' && word[0] <= 'y' && word[0] != 'j') {
        const char c = word[0];
        if (c <= 'i') {
            return -(c - 'a' + 1) * 60;
        }
        if (c <= 'm') {
            return -(c - 'a') * 60;
        }
        return (c - 'n' + 1) * 60;
    }
    return std::nullopt;
}

int month_from_name(std::string_view word) {
    static constexpr std::array<std::string_view, 12> english = {
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    if (word.size() >= 3) {
        for (std::size_t i = 0; i < english.size(); ++i) {
            if (word.substr(0, 3) == english[i]) {
                return static_cast<int>(i) + 1;
            }
        }
    }
    // Greek abbreviations and Hungarian names seen in real feeds (lower-cased UTF-8).
    static constexpr std::pair<std::string_view, int> other[] = {
        {"ιαν", 1},       {"φεβ", 2},      {"μάώ", 3},       {"μάρ", 3},        {"μαρ", 3},
        {"απρ", 4},       {"μάι", 5},      {"μαϊ", 5},       {"μαι", 5},        {"ιούν", 6},
        {"ιον", 6},       {"ιούλ", 7},     {"ιολ", 7},       {"αύγ", 8},        {"αυγ", 8},
        {"σεπ", 9},       {"οκτ", 10},     {"νοέ", 11},      {"νοε", 11},       {"δεκ", 12},
        {"január", 1},    {"február", 2},  {"március", 3},   {"április", 4},    {"május", 5},
        {"június", 6},    {"július", 7},   {"augusztus", 8}, {"szeptember", 9}, {"október", 10},
        {"november", 11}, {"december", 12}};
    for (const auto& [name, number] : other) {
        if (word == name) {
            return number;
        }
    }
    return 0;
}

bool is_weekday(std::string_view word) {
    static constexpr std::string_view days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    if (word.size() >= 3) {
        for (const auto d : days) {
            if (word.substr(0, 3) == d) {
                return true;
            }
        }
    }
    static constexpr std::string_view greek[] = {"κυρ", "δευ", "τρι", "τετ", "πεμ", "παρ", "σαβ"};
    return std::find(std::begin(greek), std::end(greek), word) != std::end(greek);
}

// Replaces Korean date markers with their Latin equivalents; true if any were found
// (such dates are in Korean Standard Time).
bool normalise_korean(std::string& text) {
    bool found = false;
    const std::pair<std::string_view, std::string_view> replacements[] = {
        {"년", "-"}, {"월", "-"}, {"일", " "}, {"오전", " am "}, {"오후", " pm "}};
    for (const auto& [from, to] : replacements) {
        for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
            text.replace(pos, from.size(), to);
            pos += to.size();
            found = true;
        }
    }
    if (found) {
        // "2004- 05- 28" → "2004-05-28"
        std::string out;
        for (std::size_t i = 0; i < text.size(); ++i) {
            if (text[i] == ' ' && !out.empty() && out.back() == '-') {
                continue;
            }
            out.push_back(text[i]);
        }
        text = out;
    }
    return found;
}

// A date written with numbers only: year first ("2006/09/15", "2024.01.05") is Y-M-D;
// year last is D.M.Y with dots (the European convention), and with '/' or '-' only when
// the order is plain from the values ("13/01/2024", or day == month). False otherwise:
// "05/01/2024" could be either, and a guess is worse than no date.
bool numeric_date(std::string_view tok, fields& f) {
    int parts[3] = {-1, -1, -1};
    std::size_t widths[3] = {0, 0, 0};
    char separator = 0;
    std::size_t pos = 0;
    for (int k = 0; k < 3; ++k) {
        const std::size_t start = pos;
        while (pos < tok.size() && is_digit(tok[pos])) {
            ++pos;
        }
        widths[k] = pos - start;
        if (widths[k] == 0 || widths[k] > 4) {
            return false;
        }
        std::size_t p = start;
        parts[k] = digits(tok, p, widths[k]);
        if (k < 2) {
            if (pos >= tok.size() || (separator != 0 && tok[pos] != separator)) {
                return false;
            }
            separator = tok[pos++];
        }
    }
    // A trailing dot ("5.1.2024.") is how some languages end a date.
    if (pos < tok.size() && !(separator == '.' && pos + 1 == tok.size() && tok[pos] == '.')) {
        return false;
    }
    if (widths[0] == 4 && widths[1] <= 2 && widths[2] <= 2) {
        f.year = parts[0];
        f.month = parts[1];
        f.day = parts[2];
        return true;
    }
    if (widths[2] != 4 || widths[0] > 2 || widths[1] > 2) {
        return false;
    }
    f.year = parts[2];
    if (separator == '.' || (parts[0] > 12 && parts[1] <= 12) || parts[0] == parts[1]) {
        f.day = parts[0];
        f.month = parts[1];
    } else if (parts[1] > 12 && parts[0] <= 12) {
        f.month = parts[0];
        f.day = parts[1];
    } else {
        return false;
    }
    return true;
}

// Chinese and Japanese "2024年1月5日 10:00" → "2024-1-5 10:00". No zone is implied
// (unlike the Korean markers): the two countries' zones differ.
void normalise_cjk(std::string& text) {
    if (text.find("\u5e74") == std::string::npos) {
        return;
    }
    const std::pair<std::string_view, std::string_view> replacements[] = {
        {"\u5e74", "-"}, {"\u6708", "-"}, {"\u65e5", " "}};
    for (const auto& [from, to] : replacements) {
        for (auto pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos)) {
            text.replace(pos, from.size(), to);
            pos += to.size();
        }
    }
    std::string out;
    for (const char c : text) {
        if (c == ' ' && !out.empty() && out.back() == '-') {
            continue;
        }
        out.push_back(c);
    }
    text = std::move(out);
}

// A liberal token-based reader for RFC 822 and its relatives (asctime, "Thu Aug 30
// 2012 17:26:16 +0200", "13 Feb, 2012", "GMT-01:01"), plus "YYYY-MM-DD hh:mm".
std::optional<timestamp> parse_loose(std::string text, bool korean) {
    fields f;
    bool have_time = false;
    bool have_zone = false;
    bool numeric_zone = false;
    bool pm = false;
    bool am = false;
    if (korean) {
        f.offset_minutes = 9 * 60;
    }
    std::string lowered = ascii_lower(text);
    // Case folding only changes non-ASCII text; most dates are ASCII.
    if (std::any_of(lowered.begin(), lowered.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x80; })) {
        lowered = fold(lowered);
    }
    for (std::size_t i = 0; i < lowered.size(); ++i) {
        char& c = lowered[i];
        // "2013-03-23T03:51:00 UTC": the ISO 'T' separates tokens like a space.
        const bool iso_t = c == 't' && i >= 10 && i + 1 < lowered.size() &&
                           is_digit(lowered[i - 1]) && is_digit(lowered[i + 1]) &&
                           lowered[i - 3] == '-';
        if (c == ',' || c == '\t' || iso_t) {
            c = ' ';
        }
    }
    // A trailing comment names the zone again: "+0100 (CET)".
    if (const auto open = lowered.find('('); open != std::string::npos) {
        const auto close = lowered.find(')', open);
        if (close == std::string::npos ||
            lowered.find_first_not_of(' ', close + 1) != std::string::npos) {
            return std::nullopt;
        }
        lowered.erase(open);
    }
    std::vector<std::string> tokens;
    std::size_t pos = 0;
    while (pos < lowered.size()) {
        while (pos < lowered.size() && lowered[pos] == ' ') {
            ++pos;
        }
        const auto end = lowered.find(' ', pos);
        const auto stop = end == std::string::npos ? lowered.size() : end;
        if (stop > pos) {
            tokens.push_back(lowered.substr(pos, stop - pos));
        }
        pos = stop;
    }
    std::vector<std::pair<int, std::size_t>> numbers;  // value, width
    for (std::size_t t = 0; t < tokens.size(); ++t) {
        std::string tok = tokens[t];
        if (tok.rfind("etc/", 0) == 0) {
            tok.erase(0, 4);
        }
        if (tok.empty()) {
            continue;
        }
        if (tok.find(':') != std::string::npos && is_digit(tok[0])) {
            std::size_t p = 0;
            std::size_t run = 0;
            while (run < tok.size() && is_digit(tok[run])) {
                ++run;
            }
            if (run < 1 || run > 2) {
                return std::nullopt;
            }
            f.hour = digits(tok, p, run);
            ++p;
            // Sloppy clocks drop leading zeros: "1:2:3".
            f.minute = one_or_two_digits(tok, p);
            if (p < tok.size() && tok[p] == ':') {
                ++p;
                f.second = one_or_two_digits(tok, p);
                if (p < tok.size() && tok[p] == '.') {
                    ++p;
                    while (p < tok.size() && is_digit(tok[p])) {
                        ++p;
                    }
                }
            }
            if (f.minute < 0 || f.second < 0) {
                return std::nullopt;
            }
            have_time = true;
            // A zone glued to the time: "10:00:00+0200" or "10:00Z".
            if (p < tok.size()) {
                numeric_zone = tok[p] == '+' || tok[p] == '-';
                int offset = 0;
                if (!parse_iso_zone(tok, p, offset) || p != tok.size()) {
                    return std::nullopt;
                }
                f.offset_minutes = offset;
                have_zone = true;
            }
            continue;
        }
        if (tok[0] == '+' || (tok[0] == '-' && tok.size() > 1 && is_digit(tok[1]))) {
            std::size_t p = 0;
            int offset = 0;
            if (!parse_iso_zone(tok, p, offset) || p != tok.size()) {
                return std::nullopt;
            }
            f.offset_minutes = offset;
            have_zone = true;
            numeric_zone = true;
            continue;
        }
        // RFC 850 and cookie dates: "06-Dec-09", "6-December-2009".
        if (is_digit(tok[0]) && std::count(tok.begin(), tok.end(), '-') == 2) {
            const auto first = tok.find('-');
            const auto second = tok.find('-', first + 1);
            const std::string day_part = tok.substr(0, first);
            const std::string month_part = tok.substr(first + 1, second - first - 1);
            const std::string year_part = tok.substr(second + 1);
            const auto all_digits = [](const std::string& part) {
                return !part.empty() && part.size() <= 4 &&
                       std::all_of(part.begin(), part.end(), is_digit);
            };
            if (const int m = month_from_name(month_part);
                m > 0 && all_digits(day_part) && day_part.size() <= 2 && all_digits(year_part)) {
                f.month = m;
                f.day = std::stoi(day_part);
                f.year = expand_year(std::stoi(year_part), year_part.size());
                continue;
            }
        }
        if (is_digit(tok[0])) {
            // "2004-05-28", Perforce's "2006/09/15", "05.01.2024", "13/01/2024".
            if (const auto separator = tok.find_first_of("-/."); separator != std::string::npos) {
                if (!numeric_date(tok, f)) {
                    return std::nullopt;
                }
                continue;
            }
            std::size_t run = 0;
            while (run < tok.size() && is_digit(tok[run])) {
                ++run;
            }
            std::string rest = tok.substr(run);
            if (!rest.empty() && rest != "st" && rest != "nd" && rest != "rd" && rest != "th") {
                return std::nullopt;
            }
            if (run > 4) {
                return std::nullopt;
            }
            std::size_t p = 0;
            numbers.emplace_back(digits(tok, p, run), run);
            continue;
        }
        // Words: weekday, month, zone (possibly "gmt+2", "gmt-01:01"), am/pm.
        std::string word = tok;
        std::string suffix;
        if (const auto sign = word.find_first_of("+-"); sign != std::string::npos) {
            suffix = word.substr(sign);
            word.erase(sign);
        }
        while (!word.empty() && word.back() == '.') {
            word.pop_back();
        }
        if (word == "am" || word == "pm") {
            (word == "pm" ? pm : am) = true;
            continue;
        }
        if (const int m = month_from_name(word); m > 0 && suffix.empty()) {
            f.month = m;
            continue;
        }
        if (is_weekday(word) && suffix.empty()) {
            continue;
        }
        if (auto zone = named_zone_minutes(word)) {
            // "+0200 CET": the number is what the clock meant; the name is a label.
            if (numeric_zone && suffix.empty()) {
                continue;
            }
            f.offset_minutes = *zone;
            have_zone = true;
            if (!suffix.empty()) {
                // "GMT+2", "GMT-01:01": an offset from the named zone.
                std::size_t p = 0;
                const int sign = suffix[0] == '-' ? -1 : 1;
                std::string body = suffix.substr(1);
                std::size_t run = 0;
                while (run < body.size() && is_digit(body[run])) {
                    ++run;
                }
                int h = 0;
                int m = 0;
                if (run == 1 || run == 2) {
                    h = digits(body, p, run);
                    if (p < body.size() && body[p] == ':') {
                        ++p;
                        m = digits(body, p, 2);
                    }
                } else if (run == 4) {
                    h = digits(body, p, 2);
                    m = digits(body, p, 2);
                } else {
                    return std::nullopt;
                }
                if (m < 0 || p != body.size()) {
                    return std::nullopt;
                }
                f.offset_minutes += sign * (h * 60 + m);
            }
            continue;
        }
        // An unknown zone abbreviation right after the time ("16:31:00 XYZT") is read
        // as UTC, as feedparser and most readers do: the date and clock are still
        // what the feed says, at worst a few hours off. Any other word is not a date.
        const bool letters_only =
            std::all_of(word.begin(), word.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
        if (have_time && !have_zone && suffix.empty() && letters_only && word.size() >= 2 &&
            word.size() <= 5) {
            have_zone = true;
            continue;
        }
        return std::nullopt;
    }
    // Assign loose numbers: day (≤ 31) first, year next; a 4-digit number is a year.
    for (const auto& [value, width] : numbers) {
        if (width >= 3) {
            if (f.year >= 0) {
                return std::nullopt;
            }
            f.year = value;
        } else if (f.day < 0 && value >= 1 && value <= 31 && f.month >= 0) {
            f.day = value;
        } else if (f.day < 0 && value >= 1 && value <= 31 && f.year < 0 && f.month < 0) {
            f.day = value;
        } else if (f.year < 0) {
            f.year = expand_year(value, width);
        } else {
            return std::nullopt;
        }
    }
    if (f.year < 0 || f.month < 0 || f.day < 0) {
        return std::nullopt;
    }
    if (pm && f.hour < 12) {
        f.hour += 12;
    } else if (am && f.hour == 12) {
        f.hour = 0;
    }
    return to_timestamp(f);
}

}  // namespace

namespace {

// The forms nearly every RSS feed writes, "Tue, 10 Jun 2003 04:00:00 GMT", "10 Jun 2003
// 4:00 +0200", read without the general parser's copies and tokens. nullopt for anything
// else, even a variant the general parser reads (which then takes the long way).
std::optional<timestamp> parse_rfc822_common(std::string_view text) {
    static constexpr std::string_view weekdays[] = {"Mon", "Tue", "Wed", "Thu",
                                                    "Fri", "Sat", "Sun"};
    static constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                  "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::size_t pos = 0;
    auto skip = [&](char c) {
        const bool there = pos < text.size() && text[pos] == c;
        pos += there ? 1 : 0;
        return there;
    };
    if (text.size() > 5 && text[3] == ',' && text[4] == ' ' &&
        std::find(std::begin(weekdays), std::end(weekdays), text.substr(0, 3)) !=
            std::end(weekdays)) {
        pos = 5;
    }
    fields f;
    f.day = one_or_two_digits(text, pos);
    if (f.day < 0 || !skip(' ')) {
        return std::nullopt;
    }
    const auto* month = std::find(std::begin(months), std::end(months), text.substr(pos, 3));
    if (month == std::end(months)) {
        return std::nullopt;
    }
    f.month = static_cast<int>(month - std::begin(months)) + 1;
    pos += 3;
    if (!skip(' ')) {
        return std::nullopt;
    }
    f.year = digits(text, pos, 4);
    if (f.year < 0) {
        // "Tue, 10 Jun 03 ...": what parse_loose makes of a two-digit year.
        const int short_year = digits(text, pos, 2);
        f.year = short_year < 0 ? -1 : expand_year(short_year, 2);
    }
    if (f.year < 0 || !skip(' ')) {
        return std::nullopt;
    }
    f.hour = one_or_two_digits(text, pos);
    if (!skip(':')) {
        return std::nullopt;
    }
    f.minute = digits(text, pos, 2);
    f.second = skip(':') ? digits(text, pos, 2) : 0;
    if (!skip(' ') || f.hour < 0 || f.hour > 23 || f.minute < 0 || f.minute > 59 || f.second < 0 ||
        f.second > 59) {
        return std::nullopt;
    }
    const std::string_view zone = text.substr(pos);
    if (zone.size() == 5 && (zone[0] == '+' || zone[0] == '-')) {
        std::size_t z = 1;
        const int h = digits(zone, z, 2);
        const int m = digits(zone, z, 2);
        if (h < 0 || h > 14 || m < 0 || m > 59) {
            return std::nullopt;
        }
        f.offset_minutes = (zone[0] == '-' ? -1 : 1) * (h * 60 + m);
    } else if (zone.size() >= 2 && zone.size() <= 4 &&
               std::all_of(zone.begin(), zone.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        // A named zone ("GMT", "EST"); single letters (military zones) take the long way.
        const auto minutes = named_zone_minutes(ascii_lower(zone));
        if (!minutes) {
            return std::nullopt;
        }
        f.offset_minutes = *minutes;
    } else if (zone != "Z") {
        return std::nullopt;
    }
    return to_timestamp(f);
}

}  // namespace

std::optional<timestamp> parse_date(std::string_view text) {
    // Most dates are short and ASCII: collapse their whitespace on the stack and try the two
    // common forms there, without a copy on the heap. For ASCII, this is collapse_whitespace's
    // result (its other spaces are not ASCII), so anything the two read here they read below.
    if (text.size() <= 128) {
        // Most dates are collapsed already: ASCII, single spaces between other characters.
        // Those are read where they are; the rest are collapsed on the stack first.
        bool clean = !text.empty() && text.front() != ' ' && text.back() != ' ';
        for (std::size_t k = 0; clean && k < text.size(); ++k) {
            const auto byte = static_cast<unsigned char>(text[k]);
            // A ' ' is never the last byte here, so text[k + 1] is in the text.
            clean = byte < 0x80 && (byte > ' ' || (byte == ' ' && text[k + 1] != ' '));
        }
        std::array<char, 128> buffer;  // its first n bytes are written before they are read
        std::size_t n = 0;
        bool ascii = true;
        bool pending_space = false;
        for (std::size_t k = 0; !clean && k < text.size(); ++k) {
            const char c = text[k];
            const auto byte = static_cast<unsigned char>(c);
            if (byte >= 0x80) {
                ascii = false;
                break;
            }
            if (byte == ' ' || byte - 0x09U < 5U) {  // ' ' or \t \n \v \f \r (0x09–0x0D)
                pending_space = true;
                continue;
            }
            if (pending_space && n > 0) {
                buffer[n++] = ' ';
            }
            pending_space = false;
            buffer[n++] = c;
        }
        if (ascii) {
            const std::string_view collapsed = clean ? text : std::string_view(buffer.data(), n);
            if (collapsed.empty()) {
                return std::nullopt;
            }
            if (auto common = parse_rfc822_common(collapsed)) {
                return common;
            }
            if (auto iso = parse_iso8601(collapsed)) {
                return iso;
            }
        }
    }
    std::string input = collapse_whitespace(text);
    if (input.empty() || input.size() > 128) {
        return std::nullopt;
    }
    if (auto common = parse_rfc822_common(input)) {
        return common;
    }
    if (auto iso = parse_iso8601(input)) {
        return iso;
    }
    const bool korean = normalise_korean(input);
    normalise_cjk(input);
    // Hungarian style "2004-július-13T9:15-05:00": month name between dashes.
    if (input.size() > 5 && is_digit(input[0]) && input[4] == '-') {
        const auto second_dash = input.find('-', 5);
        if (second_dash != std::string::npos) {
            const int m = month_from_name(ascii_lower(input.substr(5, second_dash - 5)));
            if (m > 0) {
                // Built digit by digit: g++ 12 -O2 warns falsely (-Wrestrict) on "0" + string.
                const char mm[] = {static_cast<char>('0' + m / 10), static_cast<char>('0' + m % 10),
                                   '\0'};
                std::string rebuilt = input.substr(0, 5) + mm + input.substr(second_dash);
                // Hours written with one digit: "T9:15".
                if (const auto t = rebuilt.find('T');
                    t != std::string::npos && t + 2 < rebuilt.size() && rebuilt[t + 2] == ':') {
                    rebuilt.insert(t + 1, "0");
                }
                if (auto iso = parse_iso8601(rebuilt)) {
                    return iso;
                }
            }
        }
    }
    return parse_loose(input, korean);
}

}  // namespace feedd::feeds
