// A real HTTP/1.1 (optionally HTTPS) server on 127.0.0.1 for tests, programmed per path.
// It runs its own io_context on a background thread, so tests may block, run another
// io_context, or spawn the feedd binary against it. All members are thread-safe.
// The destructor stops it promptly, even with stalled or half-read connections.
//
//   feedd::test::http_server server;                       // or http_server{server_tls::test()}
//   server.set("/feed.xml", {.body = rss, .etag = "\"v1\""});  // answers 304 to If-None-Match "v1"
//   server.set("/old", http_response::redirect(301, "/feed.xml"));
//   run_the_code_under_test(server.url("/feed.xml"));
//   EXPECT_EQ(server.hits("/feed.xml"), 2);
//   EXPECT_EQ(server.requests("/feed.xml").back().header("If-None-Match"), "\"v1\"");
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

namespace feedd::test {

// What the server answers on one path.
struct http_response {
    int status = 200;
    std::string body;
    std::string content_type = "application/xml";  // empty: no Content-Type header
    // Extra headers, sent as given (after the ones the fields below produce).
    std::vector<std::pair<std::string, std::string>> headers;
    // Wait this long after reading the request, before answering.
    std::chrono::milliseconds delay{0};
    // Read the request and never answer (until the client goes away): a hung server.
    bool stall = false;
    // Slowloris: write the response one byte per interval (0: all at once).
    std::chrono::milliseconds trickle{0};
    // gzip the body and send Content-Encoding: gzip.
    bool gzip = false;
    // Send the body with chunked transfer encoding instead of a Content-Length.
    bool chunked = false;
    // Declare this Content-Length whatever the body's size, then keep the connection
    // open (a lying or huge response the client should refuse without reading).
    std::optional<std::uint64_t> declared_length;
    // Served as ETag / Last-Modified; a request whose If-None-Match matches the etag
    // (or, without If-None-Match, whose If-Modified-Since equals last_modified) gets an
    // empty 304 instead, unless honour_conditional is false.
    std::optional<std::string> etag;
    std::optional<std::string> last_modified;
    bool honour_conditional = true;
    // Send exactly these bytes instead of a response built from the fields above, then
    // close (malformed or truncated responses).
    std::optional<std::string> raw;

    static http_response ok(std::string body, std::string content_type = "application/xml");
    // A redirect to location (absolute or relative; sent verbatim).
    static http_response redirect(int status, std::string location);
    static http_response error(int status);
};

// One request as the server received it.
struct recorded_request {
    std::string method;
    std::string target;  // path and query, as sent
    std::vector<std::pair<std::string, std::string>> headers;

    // Case-insensitive; nullopt when the header was not sent.
    std::optional<std::string> header(std::string_view name) const;
};

// Certificate and key the server presents when TLS is on.
struct server_tls {
    std::filesystem::path certificate_chain;
    std::filesystem::path private_key;

    // tests/data/tls/server.pem (127.0.0.1 and localhost), signed by test_ca().
    static server_tls test();
    // tests/data/tls/untrusted.pem: self-signed, for "bad certificate" tests.
    static server_tls untrusted();
    // tests/data/tls/ca.pem: give to fetch_options::extra_ca_file.
    static std::filesystem::path test_ca();
};

// gzip-compresses data (for building gzip bombs and other hand-made bodies).
std::string gzip(std::string_view data);
// Inflates one gzip member (to check what a server under test compressed).
std::string gunzip(std::string_view data);

class http_server {
  public:
    // Listens on 127.0.0.1 with an ephemeral port; HTTPS when tls is given.
    explicit http_server(std::optional<server_tls> tls = std::nullopt);
    ~http_server();
    http_server(const http_server&) = delete;
    http_server& operator=(const http_server&) = delete;

    std::uint16_t port() const { return port_; }
    // "http://127.0.0.1:PORT" or "https://..." followed by path.
    std::string url(std::string_view path = "") const;

    // What to answer on path (the request target without its query string, unless a
    // route for the full target exists). Unknown paths get 404. Replaces any earlier route.
    void set(const std::string& path, http_response response);
    // Computes the answer per request; called on the server thread.
    void set(const std::string& path,
             std::function<http_response(const recorded_request&)> handler);

    // Requests received so far, in arrival order: all of them or those for path.
    std::vector<recorded_request> requests() const;
    std::vector<recorded_request> requests(std::string_view path) const;
    int hits(std::string_view path) const;
    // Connections accepted so far (counts clients that never sent a full request).
    int connections() const { return connections_.load(); }

  private:
    struct impl;
    friend struct impl;

    std::optional<http_response> route(const recorded_request& request);
    void record(const recorded_request& request);

    std::unique_ptr<impl> impl_;
    std::uint16_t port_ = 0;
    bool tls_ = false;
    std::atomic<int> connections_{0};

    mutable std::mutex mutex_;
    std::map<std::string, std::function<http_response(const recorded_request&)>, std::less<>>
        routes_;
    std::vector<recorded_request> requests_;
    std::thread thread_;
};

}  // namespace feedd::test
