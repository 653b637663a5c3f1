#include "tests/support/http_server.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <zlib.h>

namespace feedd::test {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

bool iequals(std::string_view a, std::string_view b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return std::tolower(static_cast<unsigned char>(x)) ==
               std::tolower(static_cast<unsigned char>(y));
    });
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && s.front() == ' ')
        s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ')
        s.remove_suffix(1);
    return s;
}

std::string_view path_of(std::string_view target) {
    return target.substr(0, target.find('?'));
}

// If-None-Match is a list of entity tags, or "*"; weak comparison, as for GET.
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    auto strip_weak = [](std::string_view tag) {
        return tag.substr(0, 2) == "W/" ? tag.substr(2) : tag;
    };
    while (!if_none_match.empty()) {
        auto comma = if_none_match.find(',');
        auto item = trim(if_none_match.substr(0, comma));
        if (item == "*" || strip_weak(item) == strip_weak(etag)) return true;
        if (comma == std::string_view::npos) break;
        if_none_match.remove_prefix(comma + 1);
    }
    return false;
}

std::string serialize(const http_response& spec, const recorded_request& request) {
    http::response<http::string_body> response;
    response.version(11);
    response.set(http::field::server, "feedd-test");
    bool not_modified = false;
    if (spec.honour_conditional && (spec.etag || spec.last_modified)) {
        if (auto inm = request.header("If-None-Match")) {
            not_modified = spec.etag && etag_matches(*inm, *spec.etag);
        } else if (auto ims = request.header("If-Modified-Since")) {
            not_modified = spec.last_modified && *ims == *spec.last_modified;
        }
    }
    if (spec.etag) response.set(http::field::etag, *spec.etag);
    if (spec.last_modified) response.set(http::field::last_modified, *spec.last_modified);
    if (not_modified) {
        response.result(http::status::not_modified);
        std::ostringstream out;
        out << response;
        return out.str();
    }

    response.result(static_cast<unsigned>(spec.status));
    if (!spec.content_type.empty()) response.set(http::field::content_type, spec.content_type);
    for (const auto& [name, value] : spec.headers)
        response.insert(name, value);
    response.body() = spec.gzip ? gzip(spec.body) : spec.body;
    if (spec.gzip) response.set(http::field::content_encoding, "gzip");
    if (spec.declared_length) {
        response.set(http::field::content_length, std::to_string(*spec.declared_length));
    } else if (spec.chunked) {
        response.chunked(true);
    } else {
        response.prepare_payload();
    }
    std::ostringstream out;
    out << response;
    return out.str();
}

}  // namespace

std::optional<std::string> recorded_request::header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
        if (iequals(key, name)) return value;
    }
    return std::nullopt;
}

http_response http_response::ok(std::string body, std::string content_type) {
    http_response response;
    response.body = std::move(body);
    response.content_type = std::move(content_type);
    return response;
}

http_response http_response::redirect(int status, std::string location) {
    http_response response;
    response.status = status;
    response.content_type.clear();
    response.headers.emplace_back("Location", std::move(location));
    return response;
}

http_response http_response::error(int status) {
    http_response response;
    response.status = status;
    response.content_type = "text/plain";
    response.body = "error " + std::to_string(status) + "\n";
    return response;
}

server_tls server_tls::test() {
    return {std::filesystem::path(FEEDD_TEST_DATA) / "tls/server.pem",
            std::filesystem::path(FEEDD_TEST_DATA) / "tls/server.key"};
}

server_tls server_tls::untrusted() {
    return {std::filesystem::path(FEEDD_TEST_DATA) / "tls/untrusted.pem",
            std::filesystem::path(FEEDD_TEST_DATA) / "tls/untrusted.key"};
}

std::filesystem::path server_tls::test_ca() {
    return std::filesystem::path(FEEDD_TEST_DATA) / "tls/ca.pem";
}

std::string gzip(std::string_view data) {
    z_stream zs{};
    // 15 + 16: a gzip wrapper rather than zlib's.
    if (deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    std::string out;
    std::array<char, 64 * 1024> chunk;
    // zlib's API is not const-correct; it never writes through next_in.
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (rc != Z_STREAM_END) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        rc = deflate(&zs, Z_FINISH);
        if (rc == Z_STREAM_ERROR) break;
        out.append(chunk.data(), chunk.size() - zs.avail_out);
    }
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate failed");
    return out;
}

std::string gunzip(std::string_view data) {
    z_stream zs{};
    if (inflateInit2(&zs, 15 + 16) != Z_OK) throw std::runtime_error("inflateInit2 failed");
    std::string out;
    std::array<char, 64 * 1024> chunk;
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    int rc = Z_OK;
    while (rc == Z_OK) {
        zs.next_out = reinterpret_cast<Bytef*>(chunk.data());
        zs.avail_out = static_cast<uInt>(chunk.size());
        rc = inflate(&zs, Z_NO_FLUSH);
        out.append(chunk.data(), chunk.size() - zs.avail_out);
    }
    inflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("inflate failed: not one whole gzip member");
    return out;
}

// The io_context and everything bound to it. Only the server thread touches the
// sockets; the routes and records in http_server are behind its mutex.
struct http_server::impl {
    explicit impl(http_server& owner) : server(owner) {}

    net::awaitable<void> accept_loop();
    template <class Stream>
    net::awaitable<void> serve(Stream& stream);
    net::awaitable<void> session(tcp::socket socket);

    http_server& server;
    std::optional<ssl::context> tls;  // declared before ioc: outlives the streams using it
    net::io_context ioc{1};
    tcp::acceptor acceptor{ioc};
};

net::awaitable<void> http_server::impl::accept_loop() {
    while (true) {
        auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
        if (ec == net::error::operation_aborted || !acceptor.is_open()) co_return;
        if (ec) continue;  // e.g. the client reset before accept; keep serving the rest
        ++server.connections_;
        net::co_spawn(ioc, session(std::move(socket)), [](std::exception_ptr error) {
            // A session ends with an exception only when a test handler threw; say so,
            // since the client just sees the connection close.
            if (!error) return;
            try {
                std::rethrow_exception(error);
            } catch (const std::exception& e) {
                std::cerr << "http_server: session failed: " << e.what() << '\n';
            }
        });
    }
}

net::awaitable<void> http_server::impl::session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    if (!tls) {
        co_await serve(stream);
        boost::system::error_code ignored;  // the client may be gone already
        stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
        co_return;
    }
    ssl::stream<beast::tcp_stream> secure(std::move(stream), *tls);
    auto [ec] = co_await secure.async_handshake(ssl::stream_base::server,
                                                net::as_tuple(net::use_awaitable));
    if (ec) co_return;  // "bad certificate" tests make clients abort the handshake
    co_await serve(secure);
    // Bounded, because a client may never answer our close_notify.
    beast::get_lowest_layer(secure).expires_after(std::chrono::seconds(1));
    boost::system::error_code ignored;  // stream_truncated or eof from the client is fine
    co_await secure.async_shutdown(net::redirect_error(net::use_awaitable, ignored));
}

template <class Stream>
net::awaitable<void> http_server::impl::serve(Stream& stream) {
    beast::flat_buffer buffer;
    // Reads until the client closes: how a stalled response waits without a timer.
    auto wait_for_close = [&]() -> net::awaitable<void> {
        std::array<char, 1024> sink;
        while (true) {
            auto [ec, n] = co_await stream.async_read_some(net::buffer(sink),
                                                           net::as_tuple(net::use_awaitable));
            if (ec) co_return;
        }
    };
    while (true) {
        http::request<http::string_body> request;
        auto [read_ec, n] =
            co_await http::async_read(stream, buffer, request, net::as_tuple(net::use_awaitable));
        if (read_ec) co_return;  // the client closed, or sent something that is not HTTP

        recorded_request record;
        record.method = std::string(request.method_string());
        record.target = std::string(request.target());
        for (const auto& field : request) {
            record.headers.emplace_back(std::string(field.name_string()),
                                        std::string(field.value()));
        }
        server.record(record);
        http_response spec = server.route(record).value_or(http_response::error(404));

        if (spec.stall) {
            co_await wait_for_close();
            co_return;
        }
        if (spec.delay.count() > 0) {
            net::steady_timer timer(ioc, spec.delay);
            co_await timer.async_wait(net::use_awaitable);
        }
        const std::string bytes = spec.raw ? *spec.raw : serialize(spec, record);
        if (spec.trickle.count() > 0) {
            for (char byte : bytes) {
                auto [ec, written] = co_await net::async_write(stream, net::buffer(&byte, 1),
                                                               net::as_tuple(net::use_awaitable));
                if (ec) co_return;
                net::steady_timer timer(ioc, spec.trickle);
                co_await timer.async_wait(net::use_awaitable);
            }
        } else {
            auto [ec, written] = co_await net::async_write(stream, net::buffer(bytes),
                                                           net::as_tuple(net::use_awaitable));
            if (ec) co_return;
        }
        if (spec.declared_length) {
            co_await wait_for_close();
            co_return;
        }
        if (spec.raw || !request.keep_alive()) co_return;
    }
}

http_server::http_server(std::optional<server_tls> tls)
    : impl_(std::make_unique<impl>(*this)), tls_(tls.has_value()) {
    if (tls) {
        impl_->tls.emplace(ssl::context::tls_server);
        impl_->tls->use_certificate_chain_file(tls->certificate_chain.string());
        impl_->tls->use_private_key_file(tls->private_key.string(), ssl::context::pem);
    }
    const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), 0);
    impl_->acceptor.open(endpoint.protocol());
    impl_->acceptor.set_option(tcp::acceptor::reuse_address(true));
    impl_->acceptor.bind(endpoint);
    impl_->acceptor.listen();
    port_ = impl_->acceptor.local_endpoint().port();
    net::co_spawn(impl_->ioc, impl_->accept_loop(), [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);  // a bug in the fixture: fail loudly
    });
    thread_ = std::thread([this] { impl_->ioc.run(); });
}

http_server::~http_server() {
    // stop() abandons stalled sessions mid-operation; destroying the io_context below
    // then destroys their coroutine frames, closing the sockets.
    impl_->ioc.stop();
    thread_.join();
    impl_.reset();
}

std::string http_server::url(std::string_view path) const {
    return (tls_ ? "https://127.0.0.1:" : "http://127.0.0.1:") + std::to_string(port_) +
           std::string(path);
}

void http_server::set(const std::string& path, http_response response) {
    set(path, [response = std::move(response)](const recorded_request&) { return response; });
}

void http_server::set(const std::string& path,
                      std::function<http_response(const recorded_request&)> handler) {
    std::lock_guard lock(mutex_);
    routes_[path] = std::move(handler);
}

std::optional<http_response> http_server::route(const recorded_request& request) {
    std::function<http_response(const recorded_request&)> handler;
    {
        std::lock_guard lock(mutex_);
        auto it = routes_.find(request.target);
        if (it == routes_.end()) it = routes_.find(path_of(request.target));
        if (it == routes_.end()) return std::nullopt;
        handler = it->second;
    }
    return handler(request);  // outside the lock: a handler may call back into the server
}

void http_server::record(const recorded_request& request) {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
}

std::vector<recorded_request> http_server::requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
}

std::vector<recorded_request> http_server::requests(std::string_view path) const {
    std::lock_guard lock(mutex_);
    std::vector<recorded_request> out;
    for (const auto& request : requests_) {
        if (path_of(request.target) == path || request.target == path) out.push_back(request);
    }
    return out;
}

int http_server::hits(std::string_view path) const {
    return static_cast<int>(requests(path).size());
}

}  // namespace feedd::test
