// libcurl's SMTP client for digests (moved here from daemon/mailer.cpp, which keeps sendmail).
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>
#include <fmt/format.h>

#include "daemon/mail/parts.hpp"

namespace feedd::daemon::mail {
namespace {

struct upload {
    const std::string* data = nullptr;
    std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
    auto* state = static_cast<upload*>(user);
    const auto n = std::min(size * count, state->data->size() - state->offset);
    std::memcpy(buffer, state->data->data() + state->offset, n);
    state->offset += n;
    return n;
}

struct slist_free {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// libcurl calls this about once a second even while the server is silent; non-zero aborts
// the transfer (CURLE_ABORTED_BY_CALLBACK).
int check_cancel(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
    const auto* cancel = static_cast<const std::atomic<bool>*>(user);
    return cancel != nullptr && cancel->load() ? 1 : 0;
}

}  // namespace

send_result send_smtp(const smtp_config& smtp, const std::string& from,
                      const std::vector<std::string>& to, const std::string& message,
                      const std::atomic<bool>* cancel) {
    static std::once_flag once;
    std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return {false, "cannot create a libcurl handle", false};
    auto* c = curl.get();
    std::unique_ptr<curl_slist, slist_free> recipients;
    for (const auto& address : to) {
        auto* appended = curl_slist_append(recipients.get(), fmt::format("<{}>", address).c_str());
        static_cast<void>(recipients.release());
        recipients.reset(appended);
    }
    const auto envelope_from = fmt::format("<{}>", from);
    upload state{&message, 0};
    char error[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(c, CURLOPT_URL, smtp.url.c_str());
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    long use_ssl = CURLUSESSL_ALL;
    if (smtp.url.starts_with("smtp://")) {
        use_ssl = smtp.starttls == starttls_mode::required        ? CURLUSESSL_ALL
                  : smtp.starttls == starttls_mode::opportunistic ? CURLUSESSL_TRY
                                                                  : CURLUSESSL_NONE;
    }
    curl_easy_setopt(c, CURLOPT_USE_SSL, use_ssl);
    if (smtp.ca_file) curl_easy_setopt(c, CURLOPT_CAINFO, smtp.ca_file->c_str());
    if (smtp.username) curl_easy_setopt(c, CURLOPT_USERNAME, smtp.username->c_str());
    if (smtp.password) curl_easy_setopt(c, CURLOPT_PASSWORD, smtp.password->c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, envelope_from.c_str());
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, recipients.get());
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, &read_upload);
    curl_easy_setopt(c, CURLOPT_READDATA, &state);
    curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(message.size()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(smtp.connect_timeout.count()));
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(smtp.timeout.count()));
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &check_cancel);
    // libcurl hands the pointer back to check_cancel, which only reads through it.
    curl_easy_setopt(c, CURLOPT_XFERINFODATA, const_cast<std::atomic<bool>*>(cancel));
    curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    const auto code = curl_easy_perform(c);
    if (code == CURLE_OK) return {true, {}, false};
    if (code == CURLE_ABORTED_BY_CALLBACK) {
        // The connection stays in the handle's cache, and cleaning the handle up says QUIT
        // and waits for an answer the silent server may never give (up to smtp.timeout):
        // cut the connection first, so that wait ends at once.
        curl_socket_t socket = CURL_SOCKET_BAD;
        if (curl_easy_getinfo(c, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK &&
            socket != CURL_SOCKET_BAD) {
            ::shutdown(socket, SHUT_RDWR);
        }
        return {false, fmt::format("{}: given up, feedd is stopping", smtp.url), true};
    }
    long response = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response);
    const std::string detail = error[0] != '\0' ? error : curl_easy_strerror(code);
    if (response != 0) {
        return {false, fmt::format("{}: server said {} ({})", smtp.url, response, detail), false};
    }
    return {false, fmt::format("{}: {}", smtp.url, detail), false};
}

}  // namespace feedd::daemon::mail
