// The mail stack, loaded on first use: GMime (MIME composition) and libcurl (SMTP) pull in
// about 40 shared libraries (GLib, GIO, gpgme, GnuTLS, Kerberos, LDAP, ...) that only a digest
// needs, so they live in a module (feedd_mail.so) that feedd dlopen()s the first time a digest
// is composed or sent over SMTP. Both sides are built together: the interface passes C++ values
// and the module refuses to load into a feedd of another version.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "daemon/config.hpp"
#include "daemon/mailer.hpp"

namespace feedd::daemon {

// What the module needs to write a digest as an RFC 5322 message.
struct mime_fields {
    std::string from;  // address; the display name is "feedd"
    std::vector<std::string> to;
    std::string subject;
    std::string text;  // the plain-text part
    std::string html;  // the HTML part
    std::string message_id;
    std::string list_id;
    std::int64_t date = 0;  // seconds since the Unix epoch
};

// The module's exported entry point (extern "C", named feedd_mail_module) returns this.
struct mail_module_api {
    int abi = 0;                    // mail_module_abi of the build
    std::size_t layout = 0;         // mail_module_layout of the build
    const char* version = nullptr;  // FEEDD_VERSION of the build
    // The message, multipart/alternative, quoted-printable, CRLF line ends.
    std::string (*render)(const mime_fields& fields) = nullptr;
    // Blocking; the library's own timeouts apply (smtp.connect_timeout, smtp.timeout), and
    // it gives up (cancelled) within about a second once *cancel (may be null) is true.
    send_result (*send_smtp)(const smtp_config& smtp, const std::string& from,
                             const std::vector<std::string>& to, const std::string& message,
                             const std::atomic<bool>* cancel) = nullptr;
};

// Bumped whenever mime_fields, smtp_config, send_result or mail_module_api change.
inline constexpr int mail_module_abi = 3;
// A check on the bump: a development build whose shared types grew or shrank refuses a
// module built before, even when nobody bumped the number (reordered fields still need it).
inline constexpr std::size_t mail_module_layout =
    sizeof(mime_fields) + sizeof(smtp_config) + sizeof(send_result) + sizeof(mail_module_api);

using mail_module_entry = const mail_module_api* (*)();

// Where feedd looks for the module, in order: next to the executable (the build tree), then
// the installed layout (<bindir>/../<libdir>/feedd/feedd_mail.so).
std::vector<std::filesystem::path> mail_module_candidates();

// Loads the module at its first call and keeps it loaded. Throws std::runtime_error naming
// the path when it is missing, cannot be loaded, or is of another version; the next call
// tries again (a module installed later is found). Thread-safe.
const mail_module_api& mail_module();

}  // namespace feedd::daemon
