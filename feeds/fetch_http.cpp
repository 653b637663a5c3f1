// http_fetcher: one GET (plus redirects) per call, every step under a deadline. Connections
// are kept alive and reused per origin (a poll round asks one host for many feeds); a reused
// connection the server has closed meanwhile is replaced once, transparently. Failures are
// caught here and turned into fetch_result values.
#include "feeds/fetch.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>
#include <libdeflate.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <zlib.h>

#include "feeds/fetch_http_date.hpp"
#include "feeds/text.hpp"
#include "feeds/urls.hpp"

namespace feedd::feeds {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace urls = boost::urls;
using net::experimental::awaitable_operators::operator||;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

// Response headers beyond this are hostile or broken; real feeds send a few hundred bytes.
constexpr std::uint32_t header_limit = 64 * 1024;
// What the read buffer may hold unparsed: a header, a chunk header with its extensions, or a
// chunked body's trailer must fit in it. Beast's header_limit does not bound the last two
// (1.81), so without it a server could fill memory with one endless chunk extension or
// trailer, and a trailer field over 64 KiB made Beast throw from inside the read, past every
// handler here, out of the event loop. Body bytes pass through without piling up.
constexpr std::size_t max_unparsed_bytes = header_limit;
// Interim responses (1xx) read past before the final one; a server sending more is hostile.
constexpr int max_interim_responses = 8;
// Room for a response's reads (see exchange()). 64 KiB (Beast's largest read) saved a few more
// recv() calls but held 3 MB more at 64 fetches in flight; 8 KiB doubled the epoll waits.
constexpr std::size_t read_buffer_bytes = 16 * 1024;
// Waiting for the peer's close_notify is a courtesy; never let it hold a fetch up long.
constexpr auto tls_shutdown_timeout = std::chrono::milliseconds(500);
// Idle keep-alive connections: how long one is kept (servers close theirs after 5 s
// (Apache) to 75 s (nginx); a stale one costs one retry), and how many are kept per origin
// and in all (each holds a file descriptor).
constexpr auto idle_connection_lifetime = std::chrono::seconds(15);
constexpr std::size_t idle_connections_per_origin = 64;
constexpr std::size_t idle_connections_total = 256;

constexpr const char* accept_types =
    "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml, "
    "application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.1";

// An expected failure detected by our own checks (not an error code from Asio).
struct fetch_failure : std::runtime_error {
    fetch_failure(fetch_outcome o, const std::string& message)
        : std::runtime_error(message), outcome(o) {}
    fetch_outcome outcome;
};

// Shared between run() and fetch() by reference: when the total budget runs out,
// fetch() reports the phase and URL that were in progress.
struct progress {
    std::string url;
    std::string phase = "resolve";
    int http_status = 0;
};

std::string describe(std::chrono::milliseconds d) {
    if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + "s";
    return std::to_string(d.count()) + "ms";
}

std::chrono::milliseconds remaining(steady::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - steady::now());
    return std::max(left, std::chrono::milliseconds(1));
}

bool is_redirect(int status) {
    return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

std::optional<std::string> header(const http::fields& fields, http::field name) {
    auto it = fields.find(name);
    if (it == fields.end()) return std::nullopt;
    return std::string(it->value());
}

// A list-valued header sent as several lines means their values joined by commas, in order
// (RFC 9110, 5.3): `Content-Encoding: gzip` then `Content-Encoding: gzip` is "gzip, gzip".
std::optional<std::string> header_list(const http::fields& fields, http::field name) {
    std::optional<std::string> joined;
    for (auto [at, end] = fields.equal_range(name); at != end; ++at) {
        if (joined) {
            joined->append(", ");
        } else {
            joined.emplace();
        }
        joined->append(at->value().data(), at->value().size());
    }
    return joined;
}

// Retry-After is delta-seconds or an HTTP-date; a date is taken relative to the
// response's Date (the server's clock) when it has one, else to our clock.
std::optional<std::chrono::seconds> parse_retry_after(const http::fields& fields) {
    auto value = header(fields, http::field::retry_after);
    if (!value) return std::nullopt;
    auto text = trim(*value);
    std::int64_t secs = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), secs);
    // Capped at a year: the caller adds it to a time point, which must not overflow.
    constexpr std::int64_t max_seconds = 365LL * 24 * 3600;
    if (ec == std::errc{} && end == text.data() + text.size() && !text.empty()) {
        return std::chrono::seconds(std::clamp<std::int64_t>(secs, 0, max_seconds));
    }
    auto when = parse_http_date(text);
    if (!when) return std::nullopt;
    auto now = std::chrono::system_clock::now();
    if (auto date = header(fields, http::field::date)) {
        if (auto server_now = parse_http_date(trim(*date))) now = *server_now;
    }
    auto delta = std::chrono::ceil<std::chrono::seconds>(*when - now);
    return std::clamp(delta, std::chrono::seconds(0), std::chrono::seconds(max_seconds));
}

// Cache-Control: max-age=N (no-cache/no-store: nothing), else Expires relative to
// the response's Date (or our clock). Unparseable values are ignored: a hint only.
std::optional<std::chrono::seconds> parse_freshness(const http::fields& fields) {
    constexpr std::int64_t max_seconds = 365LL * 24 * 3600;
    if (auto cache_control = header(fields, http::field::cache_control)) {
        const auto directives = ascii_lower(*cache_control);
        std::string_view rest = directives;
        while (!rest.empty()) {
            const auto comma = rest.find(',');
            const auto directive = trim(rest.substr(0, comma));
            rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
            if (directive == "no-cache" || directive == "no-store") return std::nullopt;
            constexpr std::string_view max_age = "max-age=";
            if (directive.substr(0, max_age.size()) == max_age) {
                auto value = directive.substr(max_age.size());
                if (!value.empty() && value.front() == '"' && value.back() == '"' &&
                    value.size() >= 2)
                    value = value.substr(1, value.size() - 2);
                std::int64_t secs = 0;
                const auto [end, ec] =
                    std::from_chars(value.data(), value.data() + value.size(), secs);
                if (ec == std::errc{} && end == value.data() + value.size() && !value.empty()) {
                    return std::chrono::seconds(std::clamp<std::int64_t>(secs, 0, max_seconds));
                }
            }
        }
    }
    auto expires = header(fields, http::field::expires);
    if (!expires) return std::nullopt;
    auto when = parse_http_date(trim(*expires));
    if (!when) return std::chrono::seconds(0);  // RFC 9111: an invalid Expires is in the past
    auto now = std::chrono::system_clock::now();
    if (auto date = header(fields, http::field::date)) {
        if (auto server_now = parse_http_date(trim(*date))) now = *server_now;
    }
    auto delta = std::chrono::floor<std::chrono::seconds>(*when - now);
    return std::clamp(delta, std::chrono::seconds(0), std::chrono::seconds(max_seconds));
}

// Inflates gzip, zlib or raw deflate data, stopping with too_large once the output
// would pass the cap (a small gzip bomb can expand a thousandfold).
std::string inflate_body(std::string_view input, std::size_t cap, bool raw) {
    z_stream zs{};
    // 15+32: a zlib or gzip header, detected; -15: raw deflate (what some servers send
    // for "deflate").
    if (inflateInit2(&zs, raw ? -15 : 15 + 32) != Z_OK) {
        throw fetch_failure(fetch_outcome::network, "cannot initialise zlib");
    }
    struct guard {
        z_stream* zs;
        ~guard() { inflateEnd(zs); }
    } cleanup{&zs};
    std::string out;
    std::array<char, 64 * 1024> chunk;
    // zlib's API is not const-correct; it never writes through next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(input.data()));
    zs.avail_in = static_cast<uInt>(input.size());
    while (true) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        int rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk.data(), chunk.size() - zs.avail_out);
        if (out.size() > cap) {
            throw fetch_failure(fetch_outcome::too_large,
                                "decoded body over the " + std::to_string(cap) + "-byte cap");
        }
        if (rc == Z_STREAM_END) {
            // gzip allows several members back to back.
            if (zs.avail_in == 0 || raw) return out;
            if (inflateReset(&zs) != Z_OK) break;
            continue;
        }
        if (rc == Z_BUF_ERROR && zs.avail_in == 0) {
            throw fetch_failure(fetch_outcome::network, "compressed body is truncated");
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) break;
    }
    throw fetch_failure(fetch_outcome::network,
                        std::string("cannot decode body: ") + (zs.msg ? zs.msg : "bad data"));
}

// The decoded size a gzip trailer states (ISIZE, RFC 1952: the size mod 2^32 of the last
// member), for data that starts like gzip and is long enough to hold a header and a trailer.
std::optional<std::size_t> gzip_stated_size(std::string_view data) {
    constexpr std::size_t header_and_trailer = 18;
    if (data.size() < header_and_trailer || static_cast<unsigned char>(data[0]) != 0x1f ||
        static_cast<unsigned char>(data[1]) != 0x8b) {
        return std::nullopt;
    }
    std::uint32_t size = 0;
    for (std::size_t i = 1; i <= 4; ++i)  // little-endian, the last four bytes
        size = (size << 8) | static_cast<unsigned char>(data[data.size() - i]);
    return size;
}

// A gzip body of one member whose trailer states its size, decoded by libdeflate in one call
// into a buffer of that size: three times zlib's speed on feeds, and no growing copies.
// Anything else (several members, a stated size over the cap or a wrong one, corrupt data)
// gives nullopt, and inflate_body decodes it or names what is wrong, as before. A lying
// trailer costs one bounded attempt: the buffer never exceeds the cap.
std::optional<std::string> inflate_whole_gzip(std::string_view input, std::size_t cap) {
    const auto stated = gzip_stated_size(input);
    if (!stated || *stated > cap) return std::nullopt;
    using decompressor =
        std::unique_ptr<libdeflate_decompressor, decltype(&libdeflate_free_decompressor)>;
    thread_local const decompressor d(libdeflate_alloc_decompressor(),
                                      &libdeflate_free_decompressor);
    if (!d) return std::nullopt;
    std::string out(*stated, '\0');
    std::size_t in_used = 0;
    std::size_t out_used = 0;
    const auto rc = libdeflate_gzip_decompress_ex(d.get(), input.data(), input.size(), out.data(),
                                                  out.size(), &in_used, &out_used);
    if (rc != LIBDEFLATE_SUCCESS || in_used != input.size() || out_used != out.size()) {
        return std::nullopt;
    }
    return out;
}

// RFC 1950 header: compression method 8 and a check value making the pair divisible by 31.
bool has_zlib_header(std::string_view data) {
    if (data.size() < 2) return false;
    const auto cmf = static_cast<unsigned char>(data[0]);
    const auto flg = static_cast<unsigned char>(data[1]);
    return (cmf & 0x0f) == 8 && (cmf * 256 + flg) % 31 == 0;
}

std::string decode_body(std::string body, std::string_view encodings, std::size_t cap) {
    // Encodings are listed in the order applied, so undo them from the last.
    std::vector<std::string_view> list;
    while (!encodings.empty()) {
        auto comma = encodings.find(',');
        auto item = trim(encodings.substr(0, comma));
        if (!item.empty()) list.push_back(item);
        encodings =
            comma == std::string_view::npos ? std::string_view{} : encodings.substr(comma + 1);
    }
    for (auto it = list.rbegin(); it != list.rend(); ++it) {
        std::string name(*it);
        std::transform(name.begin(), name.end(), name.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (name == "identity") continue;
        if (name == "gzip" || name == "x-gzip") {
            auto whole = inflate_whole_gzip(body, cap);
            body = whole ? std::move(*whole) : inflate_body(body, cap, false);
        } else if (name == "deflate") {
            // "deflate" means zlib-wrapped (RFC 9110), but many servers send it raw.
            body = inflate_body(body, cap, !has_zlib_header(body));
        } else {
            throw fetch_failure(fetch_outcome::network, "unsupported Content-Encoding: " + name);
        }
    }
    return body;
}

bool is_ssl_error(const boost::system::error_code& ec) {
    return ec.category() == net::error::get_ssl_category() ||
           ec.category() == ssl::error::get_stream_category();
}

bool set_sni(SSL* handle, const std::string& host) {
// OpenSSL's SSL_set_tlsext_host_name macro casts the C way.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
    return SSL_set_tlsext_host_name(handle, host.c_str()) == 1;
#pragma GCC diagnostic pop
}

struct target {
    bool https = false;
    std::string host;  // without brackets, for resolving and certificate checks
    std::uint16_t port = 0;
    std::string host_header;
    std::string resource;  // path and query
};

target parse_target(const std::string& url) {
    auto parsed = urls::parse_uri(url);
    if (!parsed) throw fetch_failure(fetch_outcome::network, "invalid URL: " + url);
    target t;
    auto scheme = parsed->scheme_id();
    if (scheme != urls::scheme::http && scheme != urls::scheme::https) {
        throw fetch_failure(fetch_outcome::network, "unsupported URL scheme: " + url);
    }
    t.https = scheme == urls::scheme::https;
    t.host = parsed->host_address();
    if (t.host.empty()) throw fetch_failure(fetch_outcome::network, "URL has no host: " + url);
    t.port = t.https ? 443 : 80;
    if (parsed->has_port() && !parsed->port().empty()) {  // "host:" means the default port
        // Read from the text: port_number() wraps some values (83728 as 18192), and a
        // redirect's Location reaches here without any other check.
        const auto port = tcp_port(parsed->port());
        if (!port) {
            throw fetch_failure(fetch_outcome::network,
                                "port " + std::string(parsed->port()) +
                                    " is out of range (1-65535) in URL: " + url);
        }
        t.port = *port;
    }
    t.host_header = parsed->encoded_host_and_port();
    t.resource = parsed->encoded_target();
    if (t.resource.empty() || t.resource.front() != '/') t.resource.insert(0, "/");
    return t;
}

struct exchanged {
    http::response<http::string_body> response;
    // The response was read to its end, nothing follows it, and the server keeps the
    // connection open: it may carry the next request.
    bool reusable = false;
};

// Sends the request and reads the response head; reads the body only for 2xx, since
// nothing else here uses it (the connection is then not reused unless the response
// had no body).
template <class Stream>
net::awaitable<exchanged> exchange(Stream& stream, beast::tcp_stream& lowest,
                                   const http::request<http::empty_body>& request,
                                   std::size_t max_body_bytes, steady::time_point deadline,
                                   progress& state) {
    state.phase = "write";
    lowest.expires_after(remaining(deadline));
    co_await http::async_write(stream, request, net::use_awaitable);

    // Beast reads max(512, free capacity) bytes at a time (at most 64 KiB), and a flat_buffer
    // only grows while unparsed bytes are left in it, so an empty one read a 15 KB gzip'd feed
    // in ~25 recv() calls of ~600 bytes; with 16 KiB reserved it takes about two. The buffer
    // lives for this exchange only.
    beast::flat_buffer buffer(max_unparsed_bytes);
    buffer.reserve(read_buffer_bytes);
    // A parser reads one response; interim ones (100 Continue, 103 Early Hints) come before
    // the final one on the same connection and say nothing about it (RFC 9110, 15.2).
    std::optional<http::response_parser<http::string_body>> reading;
    state.phase = "read";
    lowest.expires_after(remaining(deadline));
    for (int interim = 0;; ++interim) {
        auto& next = reading.emplace();
        next.header_limit(header_limit);
        // No body limit yet: set before the header, Beast would reject a large Content-Length
        // itself with a vaguer message than ours below.
        next.body_limit(boost::none);
        co_await http::async_read_header(stream, buffer, next, net::use_awaitable);
        const int status = next.get().result_int();
        // 101 (Switching Protocols) is final, and never asked for here: the caller refuses it.
        if (status / 100 != 1 || status == 101) break;
        if (interim == max_interim_responses) {
            throw fetch_failure(
                fetch_outcome::http_client,
                "more than " + std::to_string(max_interim_responses) + " interim (1xx) responses");
        }
    }
    auto& parser = *reading;
    const int status = parser.get().result_int();
    state.http_status = status;
    if (status / 100 != 2) {
        // After a 101 the connection speaks another protocol: never hand it to the next fetch.
        const bool reusable =
            status != 101 && parser.is_done() && parser.keep_alive() && buffer.size() == 0;
        co_return exchanged{parser.release(), reusable};
    }

    if (auto length = parser.content_length(); length && *length > max_body_bytes) {
        throw fetch_failure(fetch_outcome::too_large,
                            "Content-Length " + std::to_string(*length) + " is over the " +
                                std::to_string(max_body_bytes) + "-byte cap");
    }
    parser.body_limit(max_body_bytes);  // bounds chunked and read-until-close bodies
    lowest.expires_after(remaining(deadline));
    auto [ec, n] =
        co_await http::async_read(stream, buffer, parser, net::as_tuple(net::use_awaitable));
    if (ec == ssl::error::stream_truncated && !parser.chunked() && !parser.content_length()) {
        // A body delimited by the end of the connection, from a server that closed
        // without close_notify: common, and all we can do is take what arrived.
        boost::system::error_code eof_ec;
        parser.put_eof(eof_ec);
        ec = eof_ec;
    }
    if (ec) throw boost::system::system_error(ec);
    const bool reusable = parser.keep_alive() && buffer.size() == 0;
    co_return exchanged{parser.release(), reusable};
}

// A connection the server may have closed while it sat idle: the request can be sent
// again on a new one, since nothing of a response arrived.
bool is_stale_connection_error(const boost::system::error_code& ec) {
    return ec == net::error::eof || ec == net::error::connection_reset ||
           ec == net::error::broken_pipe || ec == http::error::end_of_stream ||
           ec == ssl::error::stream_truncated;
}

using tls_stream = ssl::stream<beast::tcp_stream>;

// One open connection: plain TCP, or TLS over it.
struct connection {
    std::variant<beast::tcp_stream, tls_stream> stream;
    steady::time_point idle_since{};

    beast::tcp_stream& lowest() {
        if (auto* plain = std::get_if<beast::tcp_stream>(&stream)) return *plain;
        return std::get<tls_stream>(stream).next_layer();
    }

    // An idle connection is usable when the server has neither closed it nor sent
    // anything unasked (a peek that would block means: still open, nothing pending).
    bool still_open() {
        auto& socket = lowest().socket();
        if (!socket.is_open()) return false;
        char byte = 0;
        const auto n = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
    }
};

// Idle connections by origin ("https://host:port"). Loop thread only.
class connection_pool {
  public:
    // An idle connection to origin the server still holds open, or null. Every call also
    // closes the expired ones of all origins, so a quiet daemon holds no stale descriptors
    // past its next fetch.
    std::unique_ptr<connection> take(const std::string& origin) {
        drop_expired(steady::now());
        auto it = idle_.find(origin);
        if (it == idle_.end()) return nullptr;
        auto& list = it->second;
        std::unique_ptr<connection> found;
        while (!list.empty() && !found) {
            auto candidate = std::move(list.back());
            list.pop_back();
            --count_;
            if (candidate->still_open()) found = std::move(candidate);
        }
        if (list.empty()) idle_.erase(it);
        return found;
    }

    void give_back(const std::string& origin, std::unique_ptr<connection> conn) {
        const auto now = steady::now();
        drop_expired(now);
        if (count_ >= idle_connections_total) return;  // closed by the destructor
        auto& list = idle_[origin];
        if (list.size() >= idle_connections_per_origin) return;
        conn->idle_since = now;
        list.push_back(std::move(conn));
        ++count_;
    }

  private:
    void drop_expired(steady::time_point now) {
        for (auto it = idle_.begin(); it != idle_.end();) {
            auto& list = it->second;
            const auto before = list.size();
            std::erase_if(list, [&](const std::unique_ptr<connection>& c) {
                return now - c->idle_since >= idle_connection_lifetime;
            });
            count_ -= before - list.size();
            it = list.empty() ? idle_.erase(it) : std::next(it);
        }
    }

    std::map<std::string, std::vector<std::unique_ptr<connection>>, std::less<>> idle_;
    std::size_t count_ = 0;
};

}  // namespace

struct http_fetcher::impl {
    impl(net::any_io_executor ex, fetch_options opts)
        : executor(std::move(ex)), options(std::move(opts)) {
        // A configuration mistake is found at start-up, not at the first https fetch.
        if (options.extra_ca_file) tls_context();
    }

    // Built at the first https fetch: loading the system's CA certificates costs tens of
    // milliseconds of CPU, a fifth of a warm poll of plain-http feeds. Loop thread only.
    ssl::context& tls_context() {
        if (tls) return *tls;
        ssl::context ctx(ssl::context::tls_client);
        ctx.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
        ctx.set_default_verify_paths();
        if (options.extra_ca_file) {
            boost::system::error_code ec;
            ctx.load_verify_file(options.extra_ca_file->string(), ec);
            if (ec) {
                // A configuration mistake, found at start-up: not a per-fetch outcome.
                throw std::runtime_error("cannot load CA file " + options.extra_ca_file->string() +
                                         ": " + ec.message());
            }
        }
        ctx.set_verify_mode(ssl::verify_peer);
        return tls.emplace(std::move(ctx));
    }

    net::awaitable<fetch_result> run(std::string url, validators known, progress& state);
    net::awaitable<http::response<http::string_body>> one_hop(const target& t,
                                                              const validators& known,
                                                              steady::time_point deadline,
                                                              progress& state);
    net::awaitable<std::unique_ptr<connection>> connect(const target& t,
                                                        steady::time_point deadline,
                                                        progress& state);
    net::awaitable<exchanged> exchange_on(connection& conn,
                                          const http::request<http::empty_body>& request,
                                          steady::time_point deadline, progress& state);

    net::any_io_executor executor;
    fetch_options options;
    std::optional<ssl::context> tls;  // see tls_context()
    connection_pool idle;
};

net::awaitable<std::unique_ptr<connection>> http_fetcher::impl::connect(const target& t,
                                                                        steady::time_point deadline,
                                                                        progress& state) {
    state.phase = "resolve";
    boost::system::error_code address_ec;
    const auto address = net::ip::make_address(t.host, address_ec);
    tcp::resolver::results_type endpoints;
    if (address_ec) {
        tcp::resolver resolver(executor);
        const std::string service = std::to_string(t.port);  // named: held across co_await
        endpoints = co_await resolver.async_resolve(t.host, service, tcp::resolver::numeric_service,
                                                    net::use_awaitable);
    } else {
        // An IP literal needs no resolver (whose getaddrinfo runs on a thread of its own).
        endpoints = tcp::resolver::results_type::create(tcp::endpoint(address, t.port), t.host,
                                                        std::to_string(t.port));
    }

    state.phase = "connect";
    beast::tcp_stream stream(executor);
    stream.expires_after(std::min(options.connect_timeout, remaining(deadline)));
    co_await stream.async_connect(endpoints, net::use_awaitable);
    if (!t.https) {
        co_return std::make_unique<connection>(connection{std::move(stream)});
    }

    auto conn =
        std::make_unique<connection>(connection{tls_stream(std::move(stream), tls_context())});
    auto& secure = std::get<tls_stream>(conn->stream);
    // SNI carries host names only (RFC 6066), never IP literals.
    if (address_ec && !set_sni(secure.native_handle(), t.host)) {
        throw fetch_failure(fetch_outcome::tls, "cannot set SNI host name " + t.host);
    }
    // host_name_verification checks IP literals against IP SANs, names against DNS SANs.
    secure.set_verify_callback(ssl::host_name_verification(t.host));
    state.phase = "tls handshake";
    conn->lowest().expires_after(std::min(options.connect_timeout, remaining(deadline)));
    auto [handshake_ec] = co_await secure.async_handshake(ssl::stream_base::client,
                                                          net::as_tuple(net::use_awaitable));
    if (handshake_ec) {
        if (handshake_ec == beast::error::timeout ||
            handshake_ec == net::error::operation_aborted) {
            throw boost::system::system_error(handshake_ec);
        }
        const long verify = SSL_get_verify_result(secure.native_handle());
        throw fetch_failure(
            fetch_outcome::tls,
            verify != X509_V_OK
                ? "TLS certificate of " + t.host +
                      " rejected: " + X509_verify_cert_error_string(verify)
                : "TLS handshake with " + t.host + " failed: " + handshake_ec.message());
    }
    co_return conn;
}

net::awaitable<exchanged> http_fetcher::impl::exchange_on(
    connection& conn, const http::request<http::empty_body>& request, steady::time_point deadline,
    progress& state) {
    if (auto* plain = std::get_if<beast::tcp_stream>(&conn.stream)) {
        co_return co_await exchange(*plain, *plain, request, options.max_body_bytes, deadline,
                                    state);
    }
    co_return co_await exchange(std::get<tls_stream>(conn.stream), conn.lowest(), request,
                                options.max_body_bytes, deadline, state);
}

net::awaitable<http::response<http::string_body>> http_fetcher::impl::one_hop(
    const target& t, const validators& known, steady::time_point deadline, progress& state) {
    http::request<http::empty_body> request{http::verb::get, t.resource, 11};
    request.set(http::field::host, t.host_header);
    request.set(http::field::user_agent, options.user_agent);
    request.set(http::field::accept, accept_types);
    request.set(http::field::accept_encoding, "gzip, deflate");
    if (known.etag) request.set(http::field::if_none_match, *known.etag);
    if (known.last_modified) request.set(http::field::if_modified_since, *known.last_modified);

    const std::string origin =
        (t.https ? "https://" : "http://") + t.host + ":" + std::to_string(t.port);
    std::optional<exchanged> answer;
    auto conn = idle.take(origin);
    if (conn) {
        // The server may have closed it a moment ago; then a new connection is made below.
        // Only a failure before this hop's response began is retried: the status of an
        // earlier hop (a redirect) must not count as one.
        const int earlier_status = std::exchange(state.http_status, 0);
        try {
            answer.emplace(co_await exchange_on(*conn, request, deadline, state));
        } catch (const boost::system::system_error& error) {
            if (state.http_status != 0 || !is_stale_connection_error(error.code())) throw;
            state.http_status = earlier_status;
            conn.reset();
        }
    }
    if (!answer) {
        conn = co_await connect(t, deadline, state);
        answer.emplace(co_await exchange_on(*conn, request, deadline, state));
    }

    if (answer->reusable) {
        idle.give_back(origin, std::move(conn));
        co_return std::move(answer->response);
    }
    if (auto* secure = std::get_if<tls_stream>(&conn->stream)) {
        state.phase = "tls shutdown";
        conn->lowest().expires_after(
            std::min<std::chrono::milliseconds>(tls_shutdown_timeout, remaining(deadline)));
        // The response is complete; stream_truncated (no close_notify), eof or a timeout
        // here cannot change it, so every error is ignored.
        boost::system::error_code ignored;
        co_await secure->async_shutdown(net::redirect_error(net::use_awaitable, ignored));
    } else {
        boost::system::error_code ignored;  // the peer may have closed first; nothing to do
        conn->lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    }
    co_return std::move(answer->response);
}

// Never throws: wait_for_one_success in fetch() would otherwise keep waiting for
// the timer after a failure, turning every error into a timeout.
net::awaitable<fetch_result> http_fetcher::impl::run(std::string url, validators known,
                                                     progress& state) {
    const auto cancel_state = co_await net::this_coro::cancellation_state;
    const auto deadline = steady::now() + options.total_timeout;
    fetch_result result;
    std::string current = std::move(url);
    std::set<std::string> visited{current};
    bool all_permanent = true;
    try {
        for (int redirects = 0;; ++redirects) {
            state.url = current;
            auto t = parse_target(current);
            auto response = co_await one_hop(t, known, deadline, state);
            const int status = response.result_int();
            result.http_status = status;
            result.retry_after = parse_retry_after(response.base());
            result.fresh_for = parse_freshness(response.base());

            if (is_redirect(status)) {
                auto location = header(response.base(), http::field::location);
                if (!location || trim(*location).empty()) {
                    throw fetch_failure(fetch_outcome::http_client,
                                        "HTTP " + std::to_string(status) + " without Location");
                }
                if (redirects >= options.max_redirects) {
                    throw fetch_failure(fetch_outcome::http_client,
                                        "too many redirects (more than " +
                                            std::to_string(options.max_redirects) + ")");
                }
                auto reference = urls::parse_uri_reference(trim(*location));
                urls::url next;
                if (!reference || !urls::resolve(urls::url_view(current), *reference, next)) {
                    throw fetch_failure(
                        fetch_outcome::http_client,
                        "HTTP " + std::to_string(status) + " with bad Location " + *location);
                }
                next.remove_fragment();
                drop_segments_above_root(next);
                std::string next_url(next.buffer());
                // A Location the next hop could not fetch (another scheme, no host, a port out
                // of range) is the server's bad answer, as a malformed one is, not a network
                // failure of that hop.
                try {
                    parse_target(next_url);
                } catch (const fetch_failure& bad) {
                    throw fetch_failure(fetch_outcome::http_client,
                                        "HTTP " + std::to_string(status) + " with bad Location " +
                                            *location + ": " + bad.what());
                }
                if (!visited.insert(next_url).second) {
                    throw fetch_failure(
                        fetch_outcome::http_client,
                        "redirect loop: " + current + " redirects back to " + next_url);
                }
                // A hop from https to http is followed (the content is public) but never
                // stored as the feed's new URL: that would downgrade every later fetch.
                const bool downgrade = next.scheme_id() == urls::scheme::http &&
                                       urls::url_view(current).scheme_id() == urls::scheme::https;
                all_permanent = all_permanent && (status == 301 || status == 308) && !downgrade;
                current = std::move(next_url);
                continue;
            }

            result.final_url = current;
            if (redirects > 0 && all_permanent) result.permanent_url = current;
            result.content_type = header(response.base(), http::field::content_type).value_or("");
            result.validators.etag = header(response.base(), http::field::etag);
            result.validators.last_modified = header(response.base(), http::field::last_modified);
            if (status == 304 && !known.etag && !known.last_modified) {
                // Nothing was asked conditionally, so nothing can be "not modified": a server
                // answering so would pass for healthy forever while no item ever arrives.
                result.outcome = fetch_outcome::http_server;
                result.error = "HTTP 304 to a request without validators";
            } else if (status == 206) {
                // No Range was sent: a part of a document is no document (its items would be
                // cut short, or none found while the feed counted as healthy).
                result.outcome = fetch_outcome::http_server;
                result.error = "HTTP 206 (part of the document) to a request without Range";
            } else if (status == 304) {
                // Servers may omit validators on a 304; the ones we sent still hold.
                if (!result.validators.etag) result.validators.etag = known.etag;
                if (!result.validators.last_modified) {
                    result.validators.last_modified = known.last_modified;
                }
                result.outcome = fetch_outcome::not_modified;
            } else if (status / 100 == 2) {
                state.phase = "decode";
                auto encoding = header_list(response.base(), http::field::content_encoding);
                result.body = encoding ? decode_body(std::move(response.body()), *encoding,
                                                     options.max_body_bytes)
                                       : std::move(response.body());
                result.outcome = fetch_outcome::ok;
            } else {
                // 4xx, and 1xx/3xx codes we cannot act on, are the request's problem.
                result.outcome =
                    status / 100 == 5 ? fetch_outcome::http_server : fetch_outcome::http_client;
                result.error = "HTTP " + std::to_string(status);
                if (auto reason = response.reason(); !reason.empty()) {
                    result.error += " " + std::string(reason);
                }
            }
            co_return result;
        }
    } catch (const fetch_failure& failure) {
        result.outcome = failure.outcome;
        result.error = failure.what();
    } catch (const boost::system::system_error& error) {
        const auto ec = error.code();
        if (cancel_state.cancelled() != net::cancellation_type::none) {
            result.outcome = fetch_outcome::network;
            result.error = "cancelled";
        } else if (ec == beast::error::timeout) {
            const bool connecting = state.phase == "connect" || state.phase == "tls handshake";
            result.outcome = fetch_outcome::timeout;
            result.error = "timed out after " +
                           describe(connecting ? options.connect_timeout : options.total_timeout) +
                           " (" + state.phase + ")";
        } else if (ec == http::error::body_limit) {
            result.outcome = fetch_outcome::too_large;
            result.error = "body over the " + std::to_string(options.max_body_bytes) + "-byte cap";
        } else if (ec == http::error::header_limit) {
            result.outcome = fetch_outcome::too_large;
            result.error = "response header over " + std::to_string(header_limit) + " bytes";
        } else if (ec == http::error::buffer_overflow) {
            result.outcome = fetch_outcome::too_large;
            result.error = "response header, chunk header or trailer over " +
                           std::to_string(max_unparsed_bytes) + " bytes";
        } else if (ec.category() == http::make_error_code(http::error::end_of_stream).category()) {
            result.outcome = fetch_outcome::network;
            result.error = "malformed HTTP response: " + ec.message();
        } else if (is_ssl_error(ec)) {
            result.outcome = fetch_outcome::tls;
            result.error = "TLS error: " + ec.message() + " (" + state.phase + ")";
        } else {
            result.outcome = fetch_outcome::network;
            result.error = ec.message() + " (" + state.phase + ")";
        }
    } catch (const std::exception& error) {
        result.outcome = fetch_outcome::network;
        result.error = error.what();
    }
    result.final_url = current;
    result.http_status = state.http_status;
    co_return result;
}

http_fetcher::http_fetcher(net::any_io_executor executor, fetch_options options)
    : impl_(std::make_unique<impl>(std::move(executor), std::move(options))) {}

http_fetcher::~http_fetcher() = default;

net::awaitable<fetch_result> http_fetcher::fetch(std::string url, validators known) {
    const auto start = steady::now();
    const auto cancel_state = co_await net::this_coro::cancellation_state;
    fetch_result result;
    progress state;
    state.url = url;
    try {
        net::steady_timer budget(impl_->executor, impl_->options.total_timeout);
        // The timer bounds everything, including DNS, which has no deadline of its own;
        // whichever finishes first cancels the other, and both have finished on return.
        // The wait's error is a value: cancelled after every successful fetch, it would
        // otherwise throw and unwind once per fetch (~4 % of the I/O thread's instructions).
        auto winner = co_await (impl_->run(url, std::move(known), state) ||
                                budget.async_wait(net::as_tuple(net::use_awaitable)));
        if (winner.index() == 0) {
            result = std::move(std::get<0>(winner));
        } else if (std::get<0>(std::get<1>(winner))) {
            // Not expired but cancelled: the caller cancelled this fetch (shutdown).
            result.outcome = fetch_outcome::network;
            result.error = "cancelled";
            result.final_url = state.url;
        } else {
            result.outcome = fetch_outcome::timeout;
            result.error = "timed out after " + describe(impl_->options.total_timeout) + " (" +
                           state.phase + ")";
            result.final_url = state.url;
            result.http_status = state.http_status;
        }
    } catch (const std::exception& error) {
        // Only reachable through cancellation (run() itself never throws).
        result.outcome = fetch_outcome::network;
        result.error =
            cancel_state.cancelled() != net::cancellation_type::none ? "cancelled" : error.what();
        result.final_url = state.url;
    }
    // The error quotes the server (a reason phrase, a Location) and goes to last_error, the log
    // and `feedd feeds`: without the controls a terminal acts on, as feed titles. Beast takes
    // C1 (U+009B is CSI) as obs-text, in a reason phrase as in any header value.
    drop_control_characters(result.error);
    result.elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - start);
    co_return result;
}

}  // namespace feedd::feeds
