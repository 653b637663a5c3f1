#include "daemon/digest.hpp"

#include <algorithm>
#include <chrono>
#include <stdexcept>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>

#include "daemon/mail_module.hpp"
#include "feeds/text.hpp"

namespace feedd::daemon {
namespace {

using storage::timestamp;

std::string local_time(timestamp t, const date::time_zone* zone) {
    return date::format("%Y-%m-%d %H:%M %Z", date::make_zoned(zone, t));
}

bool is_web_link(const std::optional<std::string>& link) {
    if (!link) return false;
    const auto lower = feeds::ascii_lower(link->substr(0, 8));
    return lower.starts_with("https://") || lower.starts_with("http://");
}

std::string stories_word(std::size_t n) {
    return n == 1 ? "story" : "stories";
}

std::string source_line(const storage::story_view& story) {
    std::string names;
    for (const auto& source : story.sources) {
        if (!names.empty()) names += ", ";
        names += source.name;
    }
    return fmt::format("{} source{}: {}", story.source_count, story.source_count == 1 ? "" : "s",
                       names);
}

// One line: a JSON Feed title is text taken literally, line breaks and all, and a headline
// spread over lines could lay out fake digest text (or CR/LF in the Subject).
std::string headline(const storage::story_view& story) {
    auto line = story.title ? feeds::collapse_whitespace(*story.title) : std::string();
    return line.empty() ? "(untitled)" : line;
}

// Cuts UTF-8 text to at most max bytes at a word boundary (never inside a code point).
std::string cut_words(std::string_view text, std::size_t max) {
    if (text.size() <= max) return std::string(text);
    auto end = text.rfind(' ', max);
    if (end == std::string_view::npos || end < max / 2) {
        end = max;
        while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80)
            --end;
    }
    return std::string(feeds::trim(text.substr(0, end))) + "…";
}

// The period as people read it: its key, or for a digest sent by hand the local date.
std::string period_label(const digest_input& input, const date::time_zone* zone) {
    if (!input.period.starts_with("manual:")) return input.period;
    return date::format("%Y-%m-%d", date::make_zoned(zone, input.date));
}

std::string build_text(const digest_input& input, const date::time_zone* zone) {
    std::string out =
        fmt::format("{}: {} {} ({}, {})\n\n", input.topic, input.stories.size(),
                    stories_word(input.stories.size()), period_label(input, zone), input.time_zone);
    if (input.stories.empty()) out += "Nothing new in this period.\n\n";
    std::size_t n = 0;
    for (const auto& entry : input.stories) {
        const auto& story = entry.story;
        out += fmt::format("{}. {}\n", ++n, headline(story));
        if (is_web_link(story.link)) out += fmt::format("   {}\n", *story.link);
        out += fmt::format("   {}\n", source_line(story));
        out += fmt::format("   First seen {}\n", local_time(story.first_seen, zone));
        if (!entry.summary.empty()) out += fmt::format("   {}\n", entry.summary);
        out += '\n';
    }
    out += fmt::format(
        "-- \nSent by feedd for the topic \"{}\". To stop these e-mails, remove the digest "
        "from the topic in the feedd configuration.\n",
        input.topic);
    return out;
}

std::string escaped(std::string_view text) {
    return feeds::escape_html(text);
}

// Inline styles only (no <style>, no classes): Gmail, Outlook and Apple Mail keep them.
std::string build_html(const digest_input& input, const date::time_zone* zone) {
    std::string out =
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width\">";
    out += fmt::format("<title>{}</title></head>\n", escaped(input.topic));
    out +=
        "<body style=\"margin:0;padding:16px;background:#f4f4f4;font-family:Helvetica,Arial,"
        "sans-serif;color:#222;\">\n<div style=\"max-width:640px;margin:0 auto;background:#fff;"
        "padding:16px 20px;border:1px solid #ddd;\">\n";
    out += fmt::format(
        "<h1 style=\"font-size:20px;margin:0 0 4px 0;\">{}</h1>\n<p style=\"margin:0 0 16px 0;"
        "color:#666;font-size:13px;\">{} {} &middot; {} &middot; {}</p>\n",
        escaped(input.topic), input.stories.size(), stories_word(input.stories.size()),
        escaped(period_label(input, zone)), escaped(input.time_zone));
    if (input.stories.empty()) {
        out += "<p style=\"margin:0 0 16px 0;\">Nothing new in this period.</p>\n";
    }
    for (const auto& entry : input.stories) {
        const auto& story = entry.story;
        out +=
            "<div style=\"margin:0 0 18px 0;padding:0 0 12px 0;border-bottom:1px solid "
            "#eee;\">\n<h2 style=\"font-size:16px;margin:0 0 4px 0;\">";
        if (is_web_link(story.link)) {
            out +=
                fmt::format("<a href=\"{}\" style=\"color:#1a56a8;text-decoration:none;\">{}</a>",
                            escaped(*story.link), escaped(headline(story)));
        } else {
            out += escaped(headline(story));
        }
        out += "</h2>\n";
        out += fmt::format(
            "<p style=\"margin:0 0 4px 0;color:#555;font-size:13px;\"><strong>{}</strong> "
            "&middot; first seen {}</p>\n",
            escaped(source_line(story)), escaped(local_time(story.first_seen, zone)));
        if (!entry.summary.empty()) {
            out += fmt::format("<p style=\"margin:0;font-size:14px;line-height:1.4;\">{}</p>\n",
                               escaped(entry.summary));
        }
        out += "</div>\n";
    }
    out += fmt::format(
        "<p style=\"margin:16px 0 0 0;color:#888;font-size:12px;\">Sent by feedd for the topic "
        "&ldquo;{}&rdquo;. To stop these e-mails, remove the digest from the topic in the feedd "
        "configuration.</p>\n</div>\n</body></html>\n",
        escaped(input.topic));
    return out;
}

}  // namespace

digest_period current_period(const digest_schedule& schedule, const std::string& time_zone,
                             timestamp now) {
    using namespace std::chrono_literals;
    const auto* zone = date::locate_zone(time_zone);
    const auto local = zone->to_local(now);
    const auto day = date::floor<date::days>(local);
    date::local_seconds start;
    date::local_seconds next;
    std::string key;
    switch (schedule.type) {
        case digest_schedule::kind::daily: {
            start = day + schedule.at;
            if (start > local) start -= date::days(1);
            next = start + date::days(1);
            key = date::format("%Y-%m-%d", start);
            break;
        }
        case digest_schedule::kind::weekly: {
            const date::weekday today{day};
            const date::weekday wanted{schedule.day.c_encoding()};
            start = day - (today - wanted) + schedule.at;
            if (start > local) start -= date::weeks(1);
            next = start + date::weeks(1);
            key = date::format("%G-W%V", start);
            break;
        }
        case digest_schedule::kind::every: {
            const auto since_midnight = local - day;
            start = day + (since_midnight / schedule.every) * schedule.every;
            next = start + schedule.every;
            key = date::format("%Y-%m-%dT%H:%M", start);
            break;
        }
    }
    return digest_period{key, zone->to_sys(start, date::choose::earliest),
                         zone->to_sys(next, date::choose::earliest)};
}

void order_for_digest(std::vector<digest_story>& stories) {
    std::stable_sort(stories.begin(), stories.end(),
                     [](const digest_story& a, const digest_story& b) {
                         if (a.story.source_count != b.story.source_count)
                             return a.story.source_count > b.story.source_count;
                         if (a.story.first_seen != b.story.first_seen)
                             return a.story.first_seen > b.story.first_seen;
                         return a.story.id > b.story.id;
                     });
}

std::string short_summary(const std::optional<std::string>& summary,
                          const std::optional<std::string>& content_html, std::size_t max_chars) {
    std::string text;
    if (summary && !feeds::trim(*summary).empty()) {
        text = feeds::collapse_whitespace(*summary);
    } else if (content_html) {
        text = feeds::html_to_text(*content_html);
    }
    return cut_words(feeds::trim(text), max_chars);
}

std::string make_message_id(const std::string& topic, const std::string& period,
                            const std::string& random_hex, const std::string& from) {
    const auto at = from.rfind('@');
    const auto domain =
        at == std::string::npos ? std::string("feedd.invalid") : from.substr(at + 1);
    std::string safe_period;
    for (const char c : period)
        safe_period += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '.';
    return fmt::format("digest.{}.{}.{}@{}", topic, safe_period, random_hex, domain);
}

digest_message build_digest(const digest_input& input) {
    const auto* zone = date::locate_zone(input.time_zone);
    digest_message out;
    out.subject = fmt::format("{}: {} {}", input.topic, input.stories.size(),
                              stories_word(input.stories.size()));
    if (!input.stories.empty()) {
        out.subject += " — " + cut_words(headline(input.stories.front().story), 70);
    }
    out.text = build_text(input, zone);
    out.html = build_html(input, zone);
    mime_fields fields;
    fields.from = input.from;
    fields.to = input.to;
    fields.subject = out.subject;
    fields.text = out.text;
    fields.html = out.html;
    fields.message_id = input.message_id;
    fields.list_id = fmt::format("feedd digest {} <{}.digest.feedd>", input.topic, input.topic);
    fields.date = input.date.time_since_epoch().count();
    out.rfc5322 = mail_module().render(fields);
    return out;
}

}  // namespace feedd::daemon
