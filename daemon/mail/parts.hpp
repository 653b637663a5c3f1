// Inside the mail module (feedd_mail.so) only: the two halves it exports through
// daemon/mail_module.hpp. Nothing outside daemon/mail/ includes GMime or libcurl.
#pragma once

#include <string>
#include <vector>

#include "daemon/mail_module.hpp"

namespace feedd::daemon::mail {

// GMime: the digest as an RFC 5322 message (daemon/mail/mime.cpp).
std::string render(const mime_fields& fields);

// libcurl: one SMTP session delivering message to `to` (daemon/mail/smtp.cpp).
send_result send_smtp(const smtp_config& smtp, const std::string& from,
                      const std::vector<std::string>& to, const std::string& message,
                      const std::atomic<bool>* cancel);

}  // namespace feedd::daemon::mail
