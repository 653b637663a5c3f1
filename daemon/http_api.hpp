// The HTTP API as a pure function: a request in, a reply out, reading through a
// web_store. No sockets here: http_server.cpp owns the connections, the caps and
// the event stream, and runs this on the reader thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "daemon/metrics.hpp"
#include "daemon/web_model.hpp"

namespace feedd::daemon {

struct http_request {
    std::string method;  // as sent: "GET", "HEAD", ...
    std::string target;  // origin-form: path and query
    std::vector<std::pair<std::string, std::string>> headers;

    // Case-insensitive; nullopt when absent.
    std::optional<std::string> header(std::string_view name) const;
};

struct http_reply {
    int status = 200;
    std::string content_type;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
};

// A 4xx/5xx reply with a JSON body {"error": message}.
http_reply error_reply(int status, std::string_view message);

// True when no token is configured, or the request carries "Authorization: Bearer
// TOKEN" (compared in constant time).
bool authorised(const http_request& request, const std::optional<std::string>& token);

// Answers everything except /events (a stream, handled by the server).
// metrics may be null (no /metrics then). now: for relative times on pages.
http_reply handle_request(const http_request& request, web_store& store,
                          const metrics_registry* metrics, web_time now);

// Limits on what a client may ask for.
inline constexpr int default_page_limit = 50;
inline constexpr int max_page_limit = 1000;

}  // namespace feedd::daemon
