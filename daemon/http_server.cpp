#include "daemon/http_server.hpp"

#include <algorithm>
#include <charconv>
#include <exception>
#include <map>
#include <stdexcept>
#include <string_view>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace feedd::daemon {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace urls = boost::urls;
using tcp = net::ip::tcp;
using steady = std::chrono::steady_clock;

namespace {

constexpr auto use = net::as_tuple(net::use_awaitable);
// What a connection's read buffer may hold unparsed (see session()); above the request header
// limit, below the 64 KiB field size Beast cannot store.
constexpr std::size_t max_unparsed_bytes = 32 * 1024;

// "ADDR:PORT" / "[ADDR]:PORT" to an endpoint (config.cpp has already checked it).
tcp::endpoint parse_endpoint(std::string_view listen) {
    std::string_view host;
    std::string_view port;
    if (!listen.empty() && listen.front() == '[') {
        const auto close = listen.find(']');
        if (close == std::string_view::npos || close + 1 >= listen.size())
            throw std::runtime_error(fmt::format("http listen {}: not [ADDR]:PORT", listen));
        host = listen.substr(1, close - 1);
        port = listen.substr(close + 2);
    } else {
        const auto colon = listen.rfind(':');
        if (colon == std::string_view::npos)
            throw std::runtime_error(fmt::format("http listen {}: not ADDR:PORT", listen));
        host = listen.substr(0, colon);
        port = listen.substr(colon + 1);
    }
    boost::system::error_code ec;
    const auto address = net::ip::make_address(std::string(host), ec);
    unsigned short number = 0;
    const auto [end, parse_ec] = std::from_chars(port.data(), port.data() + port.size(), number);
    if (ec || parse_ec != std::errc() || end != port.data() + port.size())
        throw std::runtime_error(fmt::format("http listen {}: not ADDR:PORT", listen));
    return {address, number};
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

std::string status_class(int status) {
    return fmt::format("{}xx", status / 100);
}

}  // namespace

struct http_server::impl : std::enable_shared_from_this<impl> {
    struct connection {
        explicit connection(tcp::socket socket, std::string peer)
            : stream(std::move(socket)), wake(stream.get_executor()), client(std::move(peer)) {}
        beast::tcp_stream stream;
        net::steady_timer wake;  // event streams wait on it; stop() and publish cancel it
        std::string client;      // peer address, the unit of the per-client caps
    };
    struct bucket {
        double tokens = 0;
        steady::time_point last;
    };

    impl(net::any_io_executor ex, http_server_options opts, request_handler h, event_hub& e,
         metrics_registry* m)
        : executor(std::move(ex)),
          options(std::move(opts)),
          handler(std::move(h)),
          events(e),
          metrics(m),
          acceptor(executor) {}

    net::any_io_executor executor;
    http_server_options options;
    request_handler handler;
    event_hub& events;
    metrics_registry* metrics;
    tcp::acceptor acceptor;
    bool stopped = false;
    std::uint64_t next_id = 0;
    std::map<std::uint64_t, std::weak_ptr<connection>> connections;
    std::map<std::string, int> per_client;
    std::map<std::string, bucket> buckets;

    void count_connections() {
        if (metrics)
            metrics->set("feedd_http_connections", static_cast<double>(connections.size()));
    }

    // Token bucket per client address.
    bool allow_request(const std::string& client) {
        const auto now = steady::now();
        if (buckets.size() > 4096) {
            // Forget clients whose bucket has refilled: they lose nothing by it.
            std::erase_if(buckets, [&](const auto& entry) {
                const auto idle = std::chrono::duration<double>(now - entry.second.last).count();
                return entry.second.tokens + idle * options.requests_per_second >=
                       options.request_burst;
            });
        }
        auto [it, added] = buckets.try_emplace(client, bucket{options.request_burst, now});
        auto& b = it->second;
        const auto elapsed = std::chrono::duration<double>(now - b.last).count();
        b.tokens =
            std::min(options.request_burst, b.tokens + elapsed * options.requests_per_second);
        b.last = now;
        if (b.tokens < 1) return false;
        b.tokens -= 1;
        return true;
    }

    template <class Message>
    net::awaitable<bool> write(connection& c, Message& message) {
        c.stream.expires_after(options.write_timeout);
        auto [ec, n] = co_await http::async_write(c.stream, message, use);
        c.stream.expires_never();
        co_return !ec;
    }

    net::awaitable<bool> write_reply(connection& c, http_reply reply, unsigned version, bool head,
                                     bool keep_alive) {
        if (metrics)
            metrics->add("feedd_http_requests_total", 1, {{"code", status_class(reply.status)}});
        const auto fill = [&](auto& res) {
            res.set(http::field::server, "feedd");
            if (!reply.content_type.empty()) res.set(http::field::content_type, reply.content_type);
            res.set("X-Content-Type-Options", "nosniff");
            for (const auto& [name, value] : reply.headers)
                res.insert(name, value);
            res.keep_alive(keep_alive);
        };
        const auto status = static_cast<http::status>(reply.status);
        if (head || reply.status == 304) {
            // No body; HEAD still announces the length GET would send.
            http::response<http::empty_body> res{status, version};
            fill(res);
            if (reply.status != 304) res.content_length(reply.body.size());
            co_return co_await write(c, res);
        }
        http::response<http::string_body> res{status, version};
        fill(res);
        res.body() = std::move(reply.body);
        res.prepare_payload();
        co_return co_await write(c, res);
    }

    // last_event_id: the client's Last-Event-ID header, when it holds a number (ours are).
    net::awaitable<void> event_stream(std::shared_ptr<connection> c, std::string target,
                                      unsigned version,
                                      std::optional<std::uint64_t> last_event_id) {
        std::optional<std::string> topic;
        std::string problem;
        if (const auto url = urls::parse_origin_form(target)) {
            for (const auto& p : url->params()) {
                if (p.key != "topic" || topic) {
                    problem = fmt::format(
                        "query parameter \"{}\" not allowed; /events takes "
                        "only topic=NAME once",
                        p.key);
                    break;
                }
                topic = std::string(p.value);
            }
        } else {
            problem = "the request target is not a valid path";
        }
        if (problem.empty() && topic &&
            (topic->empty() || topic->size() > 64 ||
             !std::all_of(topic->begin(), topic->end(), [](char ch) {
                 return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
             }))) {
            problem = fmt::format("topic=\"{}\" is not a topic name", *topic);
        }
        if (!problem.empty()) {
            co_await write_reply(*c, error_reply(400, problem), version, false, false);
            co_return;
        }
        if (metrics) metrics->add("feedd_http_requests_total", 1, {{"code", "2xx"}});
        std::weak_ptr<connection> weak = c;
        auto wake = [weak] {
            if (const auto s = weak.lock()) s->wake.cancel();
        };
        const auto sub = events.subscribe(topic, std::move(wake), last_event_id);
        // The body runs until either side closes, so no length and no chunking.
        std::string out =
            "HTTP/1.1 200 OK\r\nServer: feedd\r\nContent-Type: text/event-stream; "
            "charset=utf-8\r\nCache-Control: no-cache\r\nConnection: close\r\n"
            "X-Content-Type-Options: nosniff\r\n\r\nretry: 5000\n: connected\n\n";
        std::vector<event_hub::message> batch;  // shared with the hub: written, not copied
        std::vector<net::const_buffer> buffers;
        while (!stopped && !sub->overflowed) {
            if (out.empty() && sub->queue.empty()) {
                c->wake.expires_after(options.event_heartbeat);
                auto [ec] = co_await c->wake.async_wait(use);
                if (stopped || sub->overflowed) break;
                // A timeout with nothing to say: a comment keeps proxies from closing.
                if (!ec && sub->queue.empty()) out = ": keep-alive\n\n";
            }
            batch = sub->take();
            buffers.clear();
            if (!out.empty()) buffers.push_back(net::buffer(out));
            for (const auto& m : batch)
                buffers.push_back(net::buffer(*m));
            if (buffers.empty()) continue;
            c->stream.expires_after(options.write_timeout);
            auto [ec, n] = co_await net::async_write(c->stream, buffers, use);
            c->stream.expires_never();
            if (ec) break;  // the client went away
            out.clear();
            batch.clear();
        }
    }

    net::awaitable<void> session(std::shared_ptr<connection> c) {
        // Bounded: a request's head, a chunk header with its extensions or a trailer must fit.
        // Beast's header_limit does not bound the last two (1.81), and a trailer field over
        // 64 KiB made Beast throw out of the event loop (feeds/fetch_http.cpp, the same guard).
        beast::flat_buffer buffer(max_unparsed_bytes);
        int served = 0;
        for (;;) {
            http::request_parser<http::string_body> parser;
            parser.header_limit(static_cast<std::uint32_t>(options.max_header_bytes));
            parser.body_limit(options.max_body_bytes);
            c->stream.expires_after(options.request_timeout);
            auto [ec, n] = co_await http::async_read(c->stream, buffer, parser, use);
            c->stream.expires_never();
            if (stopped) break;
            if (ec) {
                // A clean close, a timeout or a reset needs no answer; a request we
                // refuse gets one saying why, then the connection closes.
                std::optional<http_reply> refusal;
                if (ec == http::error::header_limit) {
                    refusal = error_reply(431, fmt::format("request headers exceed {} bytes",
                                                           options.max_header_bytes));
                } else if (ec == http::error::buffer_overflow) {
                    refusal = error_reply(
                        431, fmt::format("request head, chunk header or trailer exceeds {} bytes",
                                         max_unparsed_bytes));
                } else if (ec == http::error::body_limit) {
                    refusal = error_reply(
                        413, fmt::format("request body exceeds {} bytes", options.max_body_bytes));
                } else if (ec.category() ==
                               beast::http::make_error_code(http::error::bad_target).category() &&
                           ec != http::error::end_of_stream && ec != http::error::partial_message) {
                    refusal = error_reply(400, fmt::format("malformed request: {}", ec.message()));
                }
                if (refusal) co_await write_reply(*c, std::move(*refusal), 11, false, false);
                break;
            }
            ++served;
            auto& req = parser.get();
            http_request request;
            request.method = std::string(req.method_string());
            request.target = std::string(req.target());
            for (const auto& field : req)
                request.headers.emplace_back(std::string(field.name_string()),
                                             std::string(field.value()));
            const bool head = req.method() == http::verb::head;
            const bool keep_alive =
                req.keep_alive() && served < options.max_requests_per_connection && !stopped;
            const auto path = path_of(request.target);
            http_reply reply;
            if (!allow_request(c->client)) {
                reply = error_reply(429, "too many requests from this address; slow down");
                reply.headers.emplace_back("Retry-After", "1");
            } else if (path != "/healthz" && !authorised(request, options.token)) {
                reply = error_reply(401,
                                    "missing or wrong bearer token (Authorization: Bearer "
                                    "TOKEN from [http] token_file)");
                reply.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"feedd\"");
            } else if (path == "/events" && req.method() == http::verb::get) {
                // Anything but a number is no id of ours: the stream starts afresh.
                std::optional<std::uint64_t> last_event_id;
                const auto last = req["Last-Event-ID"];
                std::uint64_t id = 0;
                const auto [end, id_ec] =
                    std::from_chars(last.data(), last.data() + last.size(), id);
                if (!last.empty() && id_ec == std::errc() && end == last.data() + last.size())
                    last_event_id = id;
                co_await event_stream(c, std::move(request.target), req.version(), last_event_id);
                break;
            } else {
                reply = co_await handler(std::move(request));
            }
            if (stopped) break;
            const bool written =
                co_await write_reply(*c, std::move(reply), req.version(), head, keep_alive);
            if (!written || !keep_alive) break;
        }
        boost::system::error_code ignored;  // the peer may be gone already
        c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
        c->stream.close();
    }

    void end_session(std::uint64_t id, const std::string& client) {
        connections.erase(id);
        if (--per_client[client] <= 0) per_client.erase(client);
        count_connections();
    }

    net::awaitable<void> accept_loop() {
        const auto self = shared_from_this();  // outlives a server destroyed mid-accept
        net::steady_timer pause(executor);
        while (!stopped) {
            auto [ec, socket] = co_await acceptor.async_accept(use);
            if (stopped) break;
            if (ec) {
                // Out of descriptors or a transient network error: log and pause
                // instead of spinning on the same failure.
                spdlog::warn("http accept failed: {}", ec.message());
                pause.expires_after(std::chrono::milliseconds(200));
                co_await pause.async_wait(use);
                continue;
            }
            boost::system::error_code peer_ec;
            const auto peer = socket.remote_endpoint(peer_ec);
            if (peer_ec) continue;  // gone before we looked
            auto client = peer.address().to_string();
            if (static_cast<int>(connections.size()) >= options.max_connections ||
                per_client[client] >= options.max_connections_per_client) {
                spdlog::debug("http client={} refused: connection cap", client);
                boost::system::error_code ignored;  // closing a socket we just refused
                socket.close(ignored);
                if (per_client[client] == 0) per_client.erase(client);
                continue;
            }
            const auto id = next_id++;
            auto c = std::make_shared<connection>(std::move(socket), client);
            connections[id] = c;
            ++per_client[client];
            count_connections();
            net::co_spawn(executor, session(c), [self, id, client](std::exception_ptr e) {
                self->end_session(id, client);
                if (!e) return;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& ex) {
                    spdlog::error("http client={} session failed: {}", client, ex.what());
                }
            });
        }
    }

    void stop() {
        if (stopped) return;
        stopped = true;
        boost::system::error_code ignored;  // closing during shutdown; errors change nothing
        acceptor.close(ignored);
        for (auto& [id, weak] : connections) {
            if (const auto c = weak.lock()) {
                c->wake.cancel();
                c->stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
                c->stream.socket().close(ignored);
            }
        }
    }
};

http_server::http_server(net::any_io_executor executor, http_server_options options,
                         request_handler handler, event_hub& events, metrics_registry* metrics)
    : impl_(std::make_shared<impl>(std::move(executor), std::move(options), std::move(handler),
                                   events, metrics)) {}

http_server::~http_server() {
    impl_->stop();
}

void http_server::bind() {
    const auto endpoint = parse_endpoint(impl_->options.listen);
    auto& acceptor = impl_->acceptor;
    boost::system::error_code ec;
    acceptor.open(endpoint.protocol(), ec);
    if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    if (!ec) acceptor.bind(endpoint, ec);
    if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("http listen {}: {}", impl_->options.listen, ec.message()));
    }
}

std::uint16_t http_server::port() const {
    return impl_->acceptor.local_endpoint().port();
}

net::awaitable<void> http_server::run() {
    return impl_->accept_loop();
}

void http_server::stop() {
    impl_->stop();
}

}  // namespace feedd::daemon
