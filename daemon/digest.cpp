#include "daemon/digest.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <stdexcept>

#include <date/date.h>
#include <date/tz.h>
#include <fmt/format.h>
#include <gmime/gmime.h>

#include "feeds/text.hpp"

namespace feedd::daemon {
namespace {

using storage::timestamp;

// GMime keeps global tables (charsets, header formatters); it is set up once per process.
void init_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

struct gobject_unref {
    void operator()(void* object) const { g_object_unref(object); }
};
template <typename T>
using gobject_ptr = std::unique_ptr<T, gobject_unref>;

struct g_free_deleter {
    void operator()(char* text) const { g_free(text); }
};

template <typename To, typename From>
To* as(From* object) {
    return reinterpret_cast<To*>(object);  // GObject single inheritance: the parent comes first
}

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

std::string headline(const storage::story_view& story) {
    return story.title && !story.title->empty() ? *story.title : "(untitled)";
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

gobject_ptr<GMimeTextPart> text_part(const char* subtype, const std::string& body) {
    gobject_ptr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
    g_mime_text_part_set_charset(part.get(), "utf-8");
    g_mime_text_part_set_text(part.get(), body.c_str());
    // Quoted-printable keeps mostly-ASCII text readable on the wire and lines under 76.
    g_mime_part_set_content_encoding(as<GMimePart>(part.get()),
                                     GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return part;
}

std::string render(const digest_input& input, const digest_message& parts) {
    init_gmime();
    gobject_ptr<GMimeMessage> message(g_mime_message_new(TRUE));
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, "feedd", input.from.c_str());
    for (const auto& to : input.to)
        g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, to.c_str());
    g_mime_message_set_subject(message.get(), parts.subject.c_str(), "utf-8");
    std::unique_ptr<GDateTime, decltype(&g_date_time_unref)> date(
        g_date_time_new_from_unix_utc(input.date.time_since_epoch().count()), &g_date_time_unref);
    g_mime_message_set_date(message.get(), date.get());
    g_mime_message_set_message_id(message.get(), input.message_id.c_str());
    auto* object = as<GMimeObject>(message.get());
    g_mime_object_set_header(
        object, "List-Id",
        fmt::format("feedd digest {} <{}.digest.feedd>", input.topic, input.topic).c_str(),
        "utf-8");
    g_mime_object_set_header(object, "Auto-Submitted", "auto-generated", nullptr);

    gobject_ptr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
    const auto plain = text_part("plain", parts.text);
    const auto html = text_part("html", parts.html);
    g_mime_multipart_add(alternative.get(), as<GMimeObject>(plain.get()));
    g_mime_multipart_add(alternative.get(), as<GMimeObject>(html.get()));
    g_mime_message_set_mime_part(message.get(), as<GMimeObject>(alternative.get()));

    std::unique_ptr<GMimeFormatOptions, decltype(&g_mime_format_options_free)> options(
        g_mime_format_options_new(), &g_mime_format_options_free);
    g_mime_format_options_set_newline_format(options.get(), GMIME_NEWLINE_FORMAT_DOS);
    const std::unique_ptr<char, g_free_deleter> text(
        g_mime_object_to_string(object, options.get()));
    return text ? std::string(text.get()) : std::string();
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
    out.rfc5322 = render(input, out);
    return out;
}

}  // namespace feedd::daemon
