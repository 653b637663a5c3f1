// Fetching feed documents: HTTP/1.1 and HTTPS (Beast + OpenSSL, verified, SNI),
// conditional GET, gzip/deflate, redirects, timeouts and a body cap; and file://.
// This is the I/O edge of feeds/: every outcome, failure included, is a value.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "feeds/fetch_options.hpp"

namespace feedd::feeds {

enum class fetch_outcome {
    ok,
    not_modified,
    network,
    timeout,
    tls,
    http_client,
    http_server,
    too_large,
    not_a_feed,  // set by the caller when the body does not parse as a feed
};

// "ok", "not_modified", "network", ...
const char* to_string(fetch_outcome outcome);
std::optional<fetch_outcome> fetch_outcome_from_string(std::string_view text);

struct validators {
    std::optional<std::string> etag;
    std::optional<std::string> last_modified;
};

struct fetch_result {
    fetch_outcome outcome = fetch_outcome::network;
    int http_status = 0;    // last HTTP status seen, 0 when none
    std::string final_url;  // the URL that answered, after redirects
    // Set when the request was redirected and every hop was permanent (301/308):
    // the caller may update its stored URL to this.
    std::optional<std::string> permanent_url;
    feeds::validators validators;  // from the response; the request's on a 304
    std::string content_type;
    std::string body;   // decoded (gzip/deflate undone); only on ok
    std::string error;  // one line for humans on failure, e.g. "timed out after 30s (connect)"
    std::optional<std::chrono::seconds> retry_after;
    // How long the response stays fresh: Cache-Control max-age, else Expires minus
    // the response's Date; capped at a year; absent with no-cache/no-store.
    std::optional<std::chrono::seconds> fresh_for;
    std::chrono::milliseconds elapsed{0};
};

// One fetcher serves every feed; fetch() runs on the fetcher's executor (the I/O loop).
class http_fetcher {
  public:
    http_fetcher(boost::asio::any_io_executor executor, fetch_options options);
    ~http_fetcher();
    http_fetcher(const http_fetcher&) = delete;
    http_fetcher& operator=(const http_fetcher&) = delete;

    // url: http:// or https://. Never throws for network or protocol failures;
    // a cancelled fetch (shutdown) ends with outcome network and error "cancelled".
    boost::asio::awaitable<fetch_result> fetch(std::string url, validators known);

  private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

// Reads a local file as if it were fetched: the mtime and size act as validators,
// so an unchanged file is not_modified. Blocking: call it off the I/O loop.
fetch_result fetch_file(const std::filesystem::path& path, const validators& known,
                        std::size_t max_body_bytes);

}  // namespace feedd::feeds
