// feedd's HTTP/1.1 server (Beast, C++20 coroutines on the daemon's io_context). It
// owns the listener and the connections and enforces the transport rules: header
// and body caps, per-request deadlines (slowloris), a connection cap overall and
// per client, a per-client request rate, the bearer token, keep-alive and HEAD.
// Requests go to a handler (the pure http_api, run off the loop by the caller);
// GET /events is a Server-Sent Events stream fed by an event_hub.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "daemon/http_api.hpp"
#include "daemon/http_events.hpp"
#include "daemon/metrics.hpp"

namespace feedd::daemon {

struct http_server_options {
    std::string listen;  // "ADDR:PORT", checked by check_listen_address
    std::optional<std::string> token;
    std::size_t max_header_bytes = 8 * 1024;  // request line + headers
    std::size_t max_body_bytes = 16 * 1024;   // GET has none; anything more is hostile
    // A whole request (or the wait for the next one on a kept-alive connection) must
    // arrive within this: a client sending headers a byte a second is cut off.
    std::chrono::milliseconds request_timeout{10'000};
    std::chrono::milliseconds write_timeout{30'000};
    int max_connections = 512;
    int max_connections_per_client = 64;
    // Token bucket per client address: sustained rate and burst.
    double requests_per_second = 100;
    double request_burst = 200;
    int max_requests_per_connection = 10'000;
    std::chrono::milliseconds event_heartbeat{15'000};
};

using request_handler = std::function<boost::asio::awaitable<http_reply>(http_request)>;

class http_server {
  public:
    // Loop-thread only, like everything on it. metrics may be null.
    http_server(boost::asio::any_io_executor executor, http_server_options options,
                request_handler handler, event_hub& events, metrics_registry* metrics);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    // Binds and listens. Throws std::runtime_error naming the address on failure
    // (in use, not local); call before READY=1.
    void bind();
    // The bound port (useful with port 0).
    std::uint16_t port() const;
    // Accepts connections until stop(). Spawn it with a handler that logs failures.
    boost::asio::awaitable<void> run();
    // Closes the listener and every connection, event streams included.
    void stop();

  private:
    struct impl;
    std::shared_ptr<impl> impl_;
};

}  // namespace feedd::daemon
