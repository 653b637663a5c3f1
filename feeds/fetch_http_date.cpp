#include "feeds/fetch_http_date.hpp"

#include <array>
#include <charconv>
#include <cstdio>

namespace feedd::feeds {
namespace {

constexpr std::array<std::string_view, 7> day_names{"Sun", "Mon", "Tue", "Wed",
                                                    "Thu", "Fri", "Sat"};
constexpr std::array<std::string_view, 12> month_names{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// Splits on spaces, commas and dashes, skipping empty pieces, so the three date forms
// become token lists that differ only in order.
std::array<std::string_view, 8> tokens(std::string_view text, std::size_t& count) {
    std::array<std::string_view, 8> out{};
    count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && (text[i] == ' ' || text[i] == ',' || text[i] == '-'))
            ++i;
        std::size_t start = i;
        while (i < text.size() && text[i] != ' ' && text[i] != ',' && text[i] != '-')
            ++i;
        if (i > start) {
            if (count == out.size()) {
                count = out.size() + 1;  // too many: not a date
                return out;
            }
            out[count++] = text.substr(start, i - start);
        }
    }
    return out;
}

std::optional<int> number(std::string_view text) {
    int value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

std::optional<unsigned> month_index(std::string_view text) {
    for (unsigned i = 0; i < month_names.size(); ++i) {
        if (text == month_names[i]) return i + 1;
    }
    return std::nullopt;
}

std::optional<std::chrono::seconds> time_of_day(std::string_view text) {
    if (text.size() != 8 || text[2] != ':' || text[5] != ':') return std::nullopt;
    auto h = number(text.substr(0, 2));
    auto m = number(text.substr(3, 2));
    auto s = number(text.substr(6, 2));
    if (!h || !m || !s || *h > 23 || *m > 59 || *s > 60) return std::nullopt;
    return std::chrono::hours(*h) + std::chrono::minutes(*m) + std::chrono::seconds(*s);
}

}  // namespace

std::string format_http_date(std::chrono::system_clock::time_point time) {
    using namespace std::chrono;
    auto secs = floor<seconds>(time);
    auto day = floor<days>(secs);
    year_month_day ymd{day};
    hh_mm_ss hms{secs - day};
    weekday wd{day};
    char buffer[40];
    std::snprintf(buffer, sizeof buffer, "%s, %02u %s %04d %02d:%02d:%02d GMT",
                  day_names[wd.c_encoding()].data(), static_cast<unsigned>(ymd.day()),
                  month_names[static_cast<unsigned>(ymd.month()) - 1].data(),
                  static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                  static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
    return buffer;
}

std::optional<std::chrono::system_clock::time_point> parse_http_date(std::string_view text) {
    using namespace std::chrono;
    std::size_t count = 0;
    auto parts = tokens(text, count);
    std::optional<int> d, y;
    std::optional<unsigned> mon;
    std::optional<seconds> tod;
    if (count == 6 && parts[5] == "GMT") {
        // IMF-fixdate: Sun 06 Nov 1994 08:49:37 GMT; RFC 850: Sunday 06 Nov 94 08:49:37 GMT
        d = number(parts[1]);
        mon = month_index(parts[2]);
        y = number(parts[3]);
        tod = time_of_day(parts[4]);
        if (y && parts[3].size() == 2) *y += *y < 70 ? 2000 : 1900;
    } else if (count == 5) {
        // asctime: Sun Nov 6 08:49:37 1994
        mon = month_index(parts[1]);
        d = number(parts[2]);
        tod = time_of_day(parts[3]);
        y = number(parts[4]);
    }
    if (!d || !mon || !y || !tod) return std::nullopt;
    year_month_day ymd{year{*y}, month{*mon}, day{static_cast<unsigned>(*d)}};
    if (!ymd.ok()) return std::nullopt;
    return sys_days{ymd} + *tod;
}

}  // namespace feedd::feeds
