// Sends a rendered digest: SMTP through libcurl in the mail module (STARTTLS modes, AUTH, its
// own CA file; daemon/mail_module.hpp) or a sendmail-compatible program. Blocking: the daemon
// calls it on its own digest thread, never on the Asio I/O loop.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "daemon/config.hpp"

namespace feedd::daemon {

struct send_result {
    bool ok = false;
    std::string error;       // e.g. "smtp://127.0.0.1:2525: server said 451 (...)"; empty when ok
    bool cancelled = false;  // given up because cancel became true, not a failed attempt
};

// message: an RFC 5322 message with CRLF line ends. Recipients go in the envelope (RCPT TO).
// Every transport is bounded in time (smtp.connect_timeout and smtp.timeout, or
// mail.sendmail_timeout) and gives up within about a second once *cancel is true.
send_result send_mail(const mail_config& mail, const std::vector<std::string>& to,
                      const std::string& message, const std::atomic<bool>* cancel = nullptr);

}  // namespace feedd::daemon
