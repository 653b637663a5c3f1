// GMime composition of a digest (moved here from daemon/digest.cpp, which builds the parts).
#include <memory>
#include <mutex>

#include <gmime/gmime.h>

#include "daemon/mail/parts.hpp"

namespace feedd::daemon::mail {
namespace {

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

gobject_ptr<GMimeTextPart> text_part(const char* subtype, const std::string& body) {
    gobject_ptr<GMimeTextPart> part(g_mime_text_part_new_with_subtype(subtype));
    // UTF-8 as is. g_mime_text_part_set_text picks the "best" charset itself and converts, so
    // text Latin-1 can hold went out as iso-8859-1 while the HTML part says <meta
    // charset="utf-8">; the content is set as UTF-8 bytes and labelled so instead.
    gobject_ptr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(body.data(), body.size()));
    gobject_ptr<GMimeDataWrapper> content(
        g_mime_data_wrapper_new_with_stream(stream.get(), GMIME_CONTENT_ENCODING_DEFAULT));
    g_mime_part_set_content(as<GMimePart>(part.get()), content.get());
    g_mime_text_part_set_charset(part.get(), "utf-8");
    // Quoted-printable keeps mostly-ASCII text readable on the wire and lines under 76.
    g_mime_part_set_content_encoding(as<GMimePart>(part.get()),
                                     GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
    return part;
}

}  // namespace

std::string render(const mime_fields& fields) {
    init_gmime();
    gobject_ptr<GMimeMessage> message(g_mime_message_new(TRUE));
    g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_FROM, "feedd",
                               fields.from.c_str());
    for (const auto& to : fields.to)
        g_mime_message_add_mailbox(message.get(), GMIME_ADDRESS_TYPE_TO, nullptr, to.c_str());
    g_mime_message_set_subject(message.get(), fields.subject.c_str(), "utf-8");
    std::unique_ptr<GDateTime, decltype(&g_date_time_unref)> date(
        g_date_time_new_from_unix_utc(fields.date), &g_date_time_unref);
    g_mime_message_set_date(message.get(), date.get());
    g_mime_message_set_message_id(message.get(), fields.message_id.c_str());
    auto* object = as<GMimeObject>(message.get());
    g_mime_object_set_header(object, "List-Id", fields.list_id.c_str(), "utf-8");
    g_mime_object_set_header(object, "Auto-Submitted", "auto-generated", nullptr);

    gobject_ptr<GMimeMultipart> alternative(g_mime_multipart_new_with_subtype("alternative"));
    const auto plain = text_part("plain", fields.text);
    const auto html = text_part("html", fields.html);
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

}  // namespace feedd::daemon::mail
