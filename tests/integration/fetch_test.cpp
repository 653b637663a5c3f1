// http_fetcher against the real fixture server on 127.0.0.1: every outcome class,
// conditional GET, decoding, redirects, caps, deadlines, TLS and cancellation.
#include "feeds/fetch.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include "tests/support/http_server.hpp"

namespace {

namespace net = boost::asio;
using feedd::feeds::fetch_options;
using feedd::feeds::fetch_outcome;
using feedd::feeds::fetch_result;
using feedd::feeds::http_fetcher;
using feedd::feeds::validators;
using net::experimental::awaitable_operators::operator||;
using feedd::test::http_response;
using feedd::test::http_server;
using feedd::test::server_tls;
using namespace std::chrono_literals;

const std::string rss =
    R"(<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>)";

// Generous enough for a loaded 2-core machine; tests about deadlines set their own.
fetch_options test_options() {
    fetch_options options;
    options.connect_timeout = 2s;
    options.total_timeout = 3s;
    options.extra_ca_file = server_tls::test_ca();
    return options;
}

// Runs one fetch on a fresh io_context with a hard deadline; the spawn handler
// rethrows, and work left after the deadline is a failure.
fetch_result fetch(const std::string& url, validators known = {},
                   fetch_options options = test_options()) {
    net::io_context ioc;
    http_fetcher fetcher(ioc.get_executor(), options);
    std::optional<fetch_result> result;
    std::exception_ptr error;
    net::co_spawn(ioc, fetcher.fetch(url, std::move(known)),
                  [&](std::exception_ptr e, fetch_result r) {
                      error = e;
                      result = std::move(r);
                  });
    ioc.run_for(10s);
    if (error) std::rethrow_exception(error);
    EXPECT_TRUE(ioc.stopped()) << "fetch of " << url << " still running after 10s";
    return result.value_or(fetch_result{});
}

// Runs fetches one after another on one fetcher, as a poll round does for a host's feeds.
std::vector<fetch_result> fetch_in_turn(const std::vector<std::string>& urls,
                                        fetch_options options = test_options()) {
    net::io_context ioc;
    http_fetcher fetcher(ioc.get_executor(), options);
    std::vector<fetch_result> results;
    auto in_turn = [&]() -> net::awaitable<void> {
        for (const auto& url : urls) {
            auto result = co_await fetcher.fetch(url, {});
            results.push_back(std::move(result));
        }
    };
    net::co_spawn(ioc, in_turn(), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    ioc.run_for(10s);
    EXPECT_TRUE(ioc.stopped()) << "fetches still running after 10s";
    return results;
}

std::string zlib_compress(const std::string& data, int window_bits) {
    z_stream zs{};
    EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, window_bits, 8, Z_DEFAULT_STRATEGY), Z_OK);
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

std::uint16_t unused_port() {
    net::io_context ioc;
    net::ip::tcp::acceptor acceptor(ioc, {net::ip::make_address("127.0.0.1"), 0});
    return acceptor.local_endpoint().port();  // closed on return: nothing listens there
}

TEST(http_fetcher, ok_stores_validators_and_content_type) {
    http_server server;
    http_response response = http_response::ok(rss, "application/rss+xml; charset=utf-8");
    response.etag = "\"v1\"";
    response.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
    server.set("/feed.xml", response);

    auto result = fetch(server.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.http_status, 200);
    EXPECT_EQ(result.body, rss);
    EXPECT_EQ(result.content_type, "application/rss+xml; charset=utf-8");
    EXPECT_EQ(result.validators.etag, "\"v1\"");
    EXPECT_EQ(result.validators.last_modified, "Wed, 21 Oct 2015 07:28:00 GMT");
    EXPECT_EQ(result.final_url, server.url("/feed.xml"));
    EXPECT_FALSE(result.permanent_url);
    EXPECT_TRUE(result.error.empty());
    EXPECT_EQ(server.hits("/feed.xml"), 1);
}

TEST(http_fetcher, second_fetch_is_conditional_and_not_modified) {
    http_server server;
    http_response response = http_response::ok(rss);
    response.etag = "\"v1\"";
    response.last_modified = "Wed, 21 Oct 2015 07:28:00 GMT";
    server.set("/feed.xml", response);

    auto first = fetch(server.url("/feed.xml"));
    ASSERT_EQ(first.outcome, fetch_outcome::ok) << first.error;
    auto second = fetch(server.url("/feed.xml"), first.validators);

    EXPECT_EQ(second.outcome, fetch_outcome::not_modified) << second.error;
    EXPECT_EQ(second.http_status, 304);
    EXPECT_TRUE(second.body.empty());
    EXPECT_EQ(second.validators.etag, "\"v1\"");
    auto requests = server.requests("/feed.xml");
    ASSERT_EQ(requests.size(), 2u);
    EXPECT_FALSE(requests[0].header("If-None-Match"));
    EXPECT_FALSE(requests[0].header("If-Modified-Since"));
    EXPECT_EQ(requests[1].header("If-None-Match"), "\"v1\"");
    EXPECT_EQ(requests[1].header("If-Modified-Since"), "Wed, 21 Oct 2015 07:28:00 GMT");
}

TEST(http_fetcher, not_modified_without_validators_keeps_the_requests) {
    http_server server;
    http_response bare;
    bare.status = 304;
    bare.content_type.clear();
    server.set("/feed.xml", bare);

    auto result = fetch(server.url("/feed.xml"), {"\"abc\"", "Thu, 01 Jan 2015 00:00:00 GMT"});

    EXPECT_EQ(result.outcome, fetch_outcome::not_modified) << result.error;
    EXPECT_EQ(result.validators.etag, "\"abc\"");
    EXPECT_EQ(result.validators.last_modified, "Thu, 01 Jan 2015 00:00:00 GMT");

    // The same answer to a request that asked nothing conditionally: it counted as a healthy
    // not_modified, poll after poll, with no item ever stored.
    auto unasked = fetch(server.url("/feed.xml"));
    EXPECT_EQ(unasked.outcome, fetch_outcome::http_server) << unasked.error;
    EXPECT_EQ(unasked.error, "HTTP 304 to a request without validators");
}

TEST(http_fetcher, partial_content_without_a_range_request_is_a_server_error) {
    // It counted as ok with whatever part of the feed came, or no items at all.
    http_server server;
    http_response part = http_response::ok(rss.substr(0, 40));
    part.status = 206;
    part.headers.emplace_back("Content-Range", "bytes 0-39/" + std::to_string(rss.size()));
    server.set("/feed.xml", part);

    auto result = fetch(server.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::http_server) << result.error;
    EXPECT_TRUE(result.body.empty());
}

TEST(http_fetcher, sends_user_agent_accept_and_accept_encoding) {
    http_server server;
    server.set("/feed.xml", http_response::ok(rss));
    auto options = test_options();
    options.user_agent = "feedd-test/9.9";

    auto result = fetch(server.url("/feed.xml"), {}, options);

    ASSERT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    auto requests = server.requests("/feed.xml");
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_EQ(requests[0].method, "GET");
    EXPECT_EQ(requests[0].header("User-Agent"), "feedd-test/9.9");
    EXPECT_EQ(requests[0].header("Host"), "127.0.0.1:" + std::to_string(server.port()));
    auto accept = requests[0].header("Accept").value_or("");
    EXPECT_NE(accept.find("application/rss+xml"), std::string::npos) << accept;
    EXPECT_NE(accept.find("*/*;q=0.1"), std::string::npos) << accept;
    EXPECT_EQ(requests[0].header("Accept-Encoding"), "gzip, deflate");
}

TEST(http_fetcher, query_string_is_sent) {
    http_server server;
    server.set("/feed", http_response::ok(rss));

    auto result = fetch(server.url("/feed?format=rss&x=%20y"));

    ASSERT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    ASSERT_EQ(server.requests("/feed").size(), 1u);
    EXPECT_EQ(server.requests("/feed")[0].target, "/feed?format=rss&x=%20y");
}

TEST(http_fetcher, gzip_body_is_decoded) {
    http_server server;
    std::string big;
    for (int i = 0; i < 2000; ++i)
        big += "<item>" + std::to_string(i) + "</item>";
    http_response response = http_response::ok(big);
    response.gzip = true;
    server.set("/feed.xml", response);

    auto result = fetch(server.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, big);
}

TEST(http_fetcher, deflate_body_is_decoded_in_zlib_and_raw_form) {
    http_server server;
    http_response zlib_wrapped = http_response::ok(zlib_compress(rss, 15));
    zlib_wrapped.headers.emplace_back("Content-Encoding", "deflate");
    server.set("/zlib.xml", zlib_wrapped);
    http_response raw = http_response::ok(zlib_compress(rss, -15));
    raw.headers.emplace_back("Content-Encoding", "deflate");
    server.set("/raw.xml", raw);

    auto a = fetch(server.url("/zlib.xml"));
    auto b = fetch(server.url("/raw.xml"));

    EXPECT_EQ(a.outcome, fetch_outcome::ok) << a.error;
    EXPECT_EQ(a.body, rss);
    EXPECT_EQ(b.outcome, fetch_outcome::ok) << b.error;
    EXPECT_EQ(b.body, rss);
}

// Fetches body served with Content-Encoding: gzip.
fetch_result fetch_gzipped(const std::string& body, const fetch_options& options = test_options()) {
    http_server server;
    http_response response = http_response::ok(body);
    response.headers.emplace_back("Content-Encoding", "gzip");
    server.set("/feed.xml", response);
    return fetch(server.url("/feed.xml"), {}, options);
}

TEST(http_fetcher, encodings_on_several_header_lines_are_undone_in_order) {
    // Two Content-Encoding lines are one list (RFC 9110, 5.3); only the first was read.
    http_server server;
    http_response twice = http_response::ok(zlib_compress(zlib_compress(rss, 15), 31));
    twice.headers.emplace_back("Content-Encoding", "deflate");
    twice.headers.emplace_back("Content-Encoding", "gzip");
    server.set("/twice.xml", twice);

    auto result = fetch(server.url("/twice.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, rss);
}

TEST(http_fetcher, corrupt_gzip_is_a_network_error) {
    auto result = fetch_gzipped("this is not gzip at all");

    EXPECT_EQ(result.outcome, fetch_outcome::network);
    EXPECT_FALSE(result.error.empty());
    EXPECT_TRUE(result.body.empty());
}

TEST(http_fetcher, permanent_redirects_set_permanent_url) {
    http_server server;
    server.set("/old", http_response::redirect(301, "/older"));
    server.set("/older", http_response::redirect(308, server.url("/feed.xml")));
    server.set("/feed.xml", http_response::ok(rss));

    auto result = fetch(server.url("/old"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, rss);
    EXPECT_EQ(result.final_url, server.url("/feed.xml"));
    EXPECT_EQ(result.permanent_url, server.url("/feed.xml"));
    EXPECT_EQ(server.hits("/old"), 1);
    EXPECT_EQ(server.hits("/older"), 1);
}

TEST(http_fetcher, temporary_redirect_does_not_set_permanent_url) {
    http_server server;
    server.set("/tmp", http_response::redirect(302, "feed.xml"));  // relative reference
    server.set("/mixed", http_response::redirect(301, "/tmp"));
    server.set("/feed.xml", http_response::ok(rss));

    auto direct = fetch(server.url("/tmp"));
    auto mixed = fetch(server.url("/mixed"));

    EXPECT_EQ(direct.outcome, fetch_outcome::ok) << direct.error;
    EXPECT_EQ(direct.final_url, server.url("/feed.xml"));
    EXPECT_FALSE(direct.permanent_url);
    EXPECT_EQ(mixed.outcome, fetch_outcome::ok) << mixed.error;
    EXPECT_EQ(mixed.final_url, server.url("/feed.xml"));
    EXPECT_FALSE(mixed.permanent_url) << "a 302 hop makes the chain temporary";
}

TEST(http_fetcher, a_relative_redirect_above_the_root_lands_on_the_root) {
    // "../../ok.xml" from /a/old is /ok.xml (RFC 3986 5.2.4); Boost.URL 1.81 asked for
    // GET /../ok.xml.
    http_server server;
    server.set("/ok.xml", http_response::ok(rss));
    server.set("/a/old", http_response::redirect(302, "../../ok.xml"));

    auto result = fetch(server.url("/a/old"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(server.hits("/ok.xml"), 1);
    EXPECT_EQ(result.final_url, server.url("/ok.xml"));
}

TEST(http_fetcher, redirect_loop_is_http_client) {
    http_server server;
    server.set("/a", http_response::redirect(302, "/b"));
    server.set("/b", http_response::redirect(302, "/a"));

    auto result = fetch(server.url("/a"));

    EXPECT_EQ(result.outcome, fetch_outcome::http_client);
    EXPECT_NE(result.error.find("redirect loop"), std::string::npos) << result.error;
    EXPECT_EQ(server.hits("/a"), 1);
    EXPECT_EQ(server.hits("/b"), 1);
}

// Boost.URL 1.81 wraps a port past 65535 (83728 reads as 18192): a Location with this
// server's port plus 65536 was followed back to this server. It is a bad Location instead.
TEST(http_fetcher, redirect_to_a_port_past_65535_is_http_client_not_wrapped) {
    http_server server;
    const std::string wrapped = std::to_string(server.port() + 65536U);
    server.set("/old", http_response::redirect(301, "http://127.0.0.1:" + wrapped + "/feed.xml"));
    server.set("/feed.xml", http_response::ok(rss));

    auto result = fetch(server.url("/old"));

    EXPECT_EQ(result.outcome, fetch_outcome::http_client) << result.error;
    EXPECT_NE(result.error.find("port " + wrapped + " is out of range"), std::string::npos)
        << result.error;
    EXPECT_EQ(server.hits("/feed.xml"), 0);

    // Any Location the next hop could not fetch is the server's bad answer too.
    server.set("/ftp", http_response::redirect(302, "ftp://127.0.0.1/feed.xml"));
    auto ftp = fetch(server.url("/ftp"));
    EXPECT_EQ(ftp.outcome, fetch_outcome::http_client) << ftp.error;
    EXPECT_NE(ftp.error.find("unsupported URL scheme"), std::string::npos) << ftp.error;
}

TEST(http_fetcher, too_many_redirects_is_http_client) {
    http_server server;
    for (int i = 0; i < 5; ++i) {
        server.set("/r" + std::to_string(i),
                   http_response::redirect(307, "/r" + std::to_string(i + 1)));
    }
    server.set("/r5", http_response::ok(rss));
    auto options = test_options();
    options.max_redirects = 4;

    auto refused = fetch(server.url("/r0"), {}, options);
    options.max_redirects = 5;
    auto allowed = fetch(server.url("/r0"), {}, options);

    EXPECT_EQ(refused.outcome, fetch_outcome::http_client);
    EXPECT_NE(refused.error.find("too many redirects"), std::string::npos) << refused.error;
    EXPECT_EQ(allowed.outcome, fetch_outcome::ok) << allowed.error;
    EXPECT_EQ(server.hits("/r5"), 1);
}

TEST(http_fetcher, status_classes) {
    http_server server;
    server.set("/missing", http_response::error(404));
    server.set("/gone", http_response::error(410));
    server.set("/broken", http_response::error(500));

    auto missing = fetch(server.url("/missing"));
    auto gone = fetch(server.url("/gone"));
    auto broken = fetch(server.url("/broken"));

    EXPECT_EQ(missing.outcome, fetch_outcome::http_client);
    EXPECT_EQ(missing.http_status, 404);
    EXPECT_NE(missing.error.find("404"), std::string::npos) << missing.error;
    EXPECT_TRUE(missing.body.empty());
    EXPECT_EQ(gone.outcome, fetch_outcome::http_client);
    EXPECT_EQ(gone.http_status, 410);
    EXPECT_EQ(broken.outcome, fetch_outcome::http_server);
    EXPECT_EQ(broken.http_status, 500);
}

TEST(http_fetcher, retry_after_in_seconds_and_as_date) {
    http_server server;
    http_response seconds = http_response::error(429);
    seconds.headers.emplace_back("Retry-After", "120");
    server.set("/seconds", seconds);
    http_response date = http_response::error(503);
    date.headers.emplace_back("Date", "Wed, 21 Oct 2015 07:28:00 GMT");
    date.headers.emplace_back("Retry-After", "Wed, 21 Oct 2015 07:30:30 GMT");
    server.set("/date", date);

    auto a = fetch(server.url("/seconds"));
    auto b = fetch(server.url("/date"));

    EXPECT_EQ(a.outcome, fetch_outcome::http_client);
    EXPECT_EQ(a.http_status, 429);
    EXPECT_EQ(a.retry_after, std::chrono::seconds(120));
    EXPECT_EQ(b.outcome, fetch_outcome::http_server);
    EXPECT_EQ(b.retry_after, std::chrono::seconds(150)) << "relative to the response's Date";
}

TEST(http_fetcher, absurd_retry_after_is_capped_at_a_year) {
    http_server server;
    http_response response = http_response::error(503);
    response.headers.emplace_back("Retry-After", "99999999999");
    server.set("/busy", response);

    auto result = fetch(server.url("/busy"));

    EXPECT_EQ(result.outcome, fetch_outcome::http_server);
    EXPECT_EQ(result.retry_after, std::chrono::seconds(365LL * 24 * 3600));
}

TEST(http_fetcher, permanent_redirect_from_https_to_http_is_followed_but_not_kept) {
    http_server plain;
    plain.set("/feed.xml", http_response::ok(rss));
    http_server secure(server_tls::test());
    secure.set("/feed.xml", http_response::redirect(301, plain.url("/feed.xml")));

    auto result = fetch(secure.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.final_url, plain.url("/feed.xml"));
    EXPECT_FALSE(result.permanent_url) << "a downgrade to http must not become the feed's URL";
}

TEST(http_fetcher, stalled_server_times_out_within_budget) {
    http_server server;
    http_response stall;
    stall.stall = true;
    server.set("/feed.xml", stall);
    auto options = test_options();
    options.total_timeout = 300ms;

    auto result = fetch(server.url("/feed.xml"), {}, options);

    EXPECT_EQ(result.outcome, fetch_outcome::timeout);
    EXPECT_EQ(result.error, "timed out after 300ms (read)");
    EXPECT_GE(result.elapsed, 250ms);
    EXPECT_LT(result.elapsed, 1500ms);
    EXPECT_EQ(server.hits("/feed.xml"), 1);
}

TEST(http_fetcher, slow_answer_within_budget_is_ok_and_beyond_is_timeout) {
    http_server server;
    http_response slow = http_response::ok(rss);
    slow.delay = 100ms;
    server.set("/slow.xml", slow);
    slow.delay = 2s;
    server.set("/slower.xml", slow);
    auto options = test_options();
    options.total_timeout = 400ms;

    auto within = fetch(server.url("/slow.xml"), {}, options);
    auto beyond = fetch(server.url("/slower.xml"), {}, options);

    EXPECT_EQ(within.outcome, fetch_outcome::ok) << within.error;
    EXPECT_GE(within.elapsed, 100ms);
    EXPECT_EQ(beyond.outcome, fetch_outcome::timeout) << beyond.error;
    EXPECT_LT(beyond.elapsed, 1500ms);
}

TEST(http_fetcher, handler_routes_see_the_request) {
    http_server server;
    server.set("/echo", [](const feedd::test::recorded_request& request) {
        return http_response::ok(request.header("User-Agent").value_or("none"), "text/plain");
    });

    auto result = fetch(server.url("/echo"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, test_options().user_agent);
    EXPECT_EQ(result.content_type, "text/plain");
}

TEST(http_fetcher, slowloris_response_times_out_within_budget) {
    http_server server;
    http_response slow = http_response::ok(rss);
    slow.trickle = 50ms;  // ~150 bytes at 20 bytes/s: would take seconds
    server.set("/feed.xml", slow);
    auto options = test_options();
    options.total_timeout = 300ms;

    auto result = fetch(server.url("/feed.xml"), {}, options);

    EXPECT_EQ(result.outcome, fetch_outcome::timeout) << result.error;
    EXPECT_LT(result.elapsed, 1500ms);
}

TEST(http_fetcher, declared_length_over_cap_is_refused_without_reading) {
    http_server server;
    http_response huge = http_response::ok("only a little");
    huge.declared_length = 50'000'000;  // never sent; the server then waits
    server.set("/feed.xml", huge);
    auto options = test_options();
    options.max_body_bytes = 1000;

    auto result = fetch(server.url("/feed.xml"), {}, options);

    EXPECT_EQ(result.outcome, fetch_outcome::too_large) << result.error;
    EXPECT_LT(result.elapsed, 1000ms) << "must not wait for the body";
    EXPECT_TRUE(result.body.empty());
}

TEST(http_fetcher, plain_body_over_cap_is_too_large) {
    http_server server;
    server.set("/feed.xml", http_response::ok(std::string(1001, 'x')));
    server.set("/exact.xml", http_response::ok(std::string(1000, 'x')));
    auto options = test_options();
    options.max_body_bytes = 1000;

    auto over = fetch(server.url("/feed.xml"), {}, options);
    auto exact = fetch(server.url("/exact.xml"), {}, options);

    EXPECT_EQ(over.outcome, fetch_outcome::too_large) << over.error;
    EXPECT_EQ(exact.outcome, fetch_outcome::ok) << exact.error;
    EXPECT_EQ(exact.body.size(), 1000u);
}

TEST(http_fetcher, chunked_body_over_cap_is_too_large) {
    http_server server;
    http_response chunked = http_response::ok(std::string(5000, 'x'));
    chunked.chunked = true;
    server.set("/big.xml", chunked);
    http_response small = http_response::ok(rss);
    small.chunked = true;
    server.set("/small.xml", small);
    auto options = test_options();
    options.max_body_bytes = 1000;

    auto big = fetch(server.url("/big.xml"), {}, options);
    auto fits = fetch(server.url("/small.xml"), {}, options);

    EXPECT_EQ(big.outcome, fetch_outcome::too_large) << big.error;
    EXPECT_EQ(fits.outcome, fetch_outcome::ok) << fits.error;
    EXPECT_EQ(fits.body, rss);
}

TEST(http_fetcher, gzip_bomb_is_too_large) {
    http_server server;
    http_response bomb = http_response::ok(feedd::test::gzip(std::string(20'000'000, 'a')));
    bomb.headers.emplace_back("Content-Encoding", "gzip");
    server.set("/feed.xml", bomb);
    auto options = test_options();
    options.max_body_bytes = 1'000'000;  // the compressed body (~20 KB) fits easily

    auto result = fetch(server.url("/feed.xml"), {}, options);

    EXPECT_EQ(result.outcome, fetch_outcome::too_large) << result.error;
    EXPECT_NE(result.error.find("decoded"), std::string::npos) << result.error;
    EXPECT_TRUE(result.body.empty());
}

// A gzip trailer states the decoded size; a small lie there must not let a bomb through.
TEST(http_fetcher, gzip_bomb_with_a_trailer_that_understates_its_size_is_too_large) {
    auto body = feedd::test::gzip(std::string(20'000'000, 'a'));
    body.replace(body.size() - 4, 4, std::string("\x10\x00\x00\x00", 4));  // "16 bytes"
    auto options = test_options();
    options.max_body_bytes = 1'000'000;

    auto result = fetch_gzipped(body, options);

    EXPECT_EQ(result.outcome, fetch_outcome::too_large) << result.error;
    EXPECT_TRUE(result.body.empty());
}

// RFC 1952 allows several members back to back; the body is all of them in turn.
TEST(http_fetcher, gzip_of_several_members_is_decoded_whole) {
    const std::string first = rss.substr(0, rss.size() / 2);
    const std::string second = rss.substr(rss.size() / 2);

    auto result = fetch_gzipped(feedd::test::gzip(first) + feedd::test::gzip(second));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, rss);
}

// A trailer whose size does not match the data is corrupt, whichever decoder notices.
TEST(http_fetcher, gzip_with_a_wrong_stated_size_is_a_network_error) {
    auto body = feedd::test::gzip(rss);
    body[body.size() - 4] = static_cast<char>(body[body.size() - 4] + 1);

    auto result = fetch_gzipped(body);

    EXPECT_EQ(result.outcome, fetch_outcome::network);
    EXPECT_FALSE(result.error.empty());
    EXPECT_TRUE(result.body.empty());
}

TEST(http_fetcher, connection_refused_is_network) {
    const auto url = "http://127.0.0.1:" + std::to_string(unused_port()) + "/feed.xml";

    auto result = fetch(url);

    EXPECT_EQ(result.outcome, fetch_outcome::network);
    EXPECT_NE(result.error.find("(connect)"), std::string::npos) << result.error;
    EXPECT_EQ(result.http_status, 0);
}

TEST(http_fetcher, unsupported_scheme_is_network) {
    auto result = fetch("ftp://127.0.0.1/feed.xml");

    EXPECT_EQ(result.outcome, fetch_outcome::network);
    EXPECT_NE(result.error.find("scheme"), std::string::npos) << result.error;
}

TEST(http_fetcher, a_port_out_of_range_is_refused_not_wrapped) {
    // 70000 would be port 4464 if it were truncated to 16 bits.
    auto result = fetch("http://127.0.0.1:70000/feed.xml");

    EXPECT_EQ(result.outcome, fetch_outcome::network);
    EXPECT_NE(result.error.find("port 70000 is out of range"), std::string::npos) << result.error;
}

TEST(http_fetcher, https_with_the_test_ca_is_ok) {
    http_server server(server_tls::test());
    http_response response = http_response::ok(rss);
    response.etag = "\"tls\"";
    server.set("/feed.xml", response);

    auto by_ip = fetch(server.url("/feed.xml"));
    // By name: exercises SNI and the DNS name in the certificate.
    auto by_name = fetch("https://localhost:" + std::to_string(server.port()) + "/feed.xml");

    EXPECT_EQ(by_ip.outcome, fetch_outcome::ok) << by_ip.error;
    EXPECT_EQ(by_ip.body, rss);
    EXPECT_EQ(by_ip.validators.etag, "\"tls\"");
    EXPECT_EQ(by_name.outcome, fetch_outcome::ok) << by_name.error;
    EXPECT_EQ(by_name.body, rss);
    EXPECT_EQ(server.hits("/feed.xml"), 2);
}

TEST(http_fetcher, https_with_an_untrusted_certificate_is_tls) {
    http_server server(server_tls::untrusted());
    server.set("/feed.xml", http_response::ok(rss));

    auto result = fetch(server.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::tls);
    EXPECT_NE(result.error.find("certificate"), std::string::npos) << result.error;
    EXPECT_TRUE(result.body.empty());
    EXPECT_EQ(server.hits("/feed.xml"), 0) << "no request may be sent over an unverified TLS";
}

TEST(http_fetcher, https_without_trusting_the_test_ca_is_tls) {
    http_server server(server_tls::test());
    server.set("/feed.xml", http_response::ok(rss));
    auto options = test_options();
    options.extra_ca_file.reset();

    auto result = fetch(server.url("/feed.xml"), {}, options);

    EXPECT_EQ(result.outcome, fetch_outcome::tls) << result.error;
}

TEST(http_fetcher, https_redirect_and_gzip) {
    http_server server(server_tls::test());
    server.set("/old", http_response::redirect(308, "/feed.xml"));
    http_response response = http_response::ok(rss);
    response.gzip = true;
    server.set("/feed.xml", response);

    auto result = fetch(server.url("/old"));

    EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
    EXPECT_EQ(result.body, rss);
    EXPECT_EQ(result.permanent_url, server.url("/feed.xml"));
}

TEST(http_fetcher, caller_cancellation_stops_the_fetch_promptly) {
    http_server server;
    http_response stall;
    stall.stall = true;
    server.set("/feed.xml", stall);

    net::io_context ioc;
    http_fetcher fetcher(ioc.get_executor(), test_options());  // 3 s budget
    net::cancellation_signal cancel;
    std::optional<fetch_result> result;
    net::co_spawn(
        ioc, fetcher.fetch(server.url("/feed.xml"), {}),
        net::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e, fetch_result r) {
            EXPECT_FALSE(e);
            result = std::move(r);
        }));
    net::steady_timer timer(ioc, 100ms);
    timer.async_wait(
        [&](boost::system::error_code) { cancel.emit(net::cancellation_type::terminal); });
    const auto start = std::chrono::steady_clock::now();
    ioc.run_for(5s);

    ASSERT_TRUE(result);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
    EXPECT_EQ(result->outcome, fetch_outcome::network);
    EXPECT_EQ(result->error, "cancelled");
}

TEST(http_fetcher, losing_a_race_stops_the_fetch_promptly) {
    http_server server;
    http_response stall;
    stall.stall = true;
    server.set("/feed.xml", stall);

    net::io_context ioc;
    http_fetcher fetcher(ioc.get_executor(), test_options());  // 3 s budget
    int winner = -1;
    auto race = [&]() -> net::awaitable<void> {
        net::steady_timer timer(ioc, 100ms);
        auto result = co_await (fetcher.fetch(server.url("/feed.xml"), {}) ||
                                timer.async_wait(net::use_awaitable));
        winner = static_cast<int>(result.index());
    };
    net::co_spawn(ioc, race(), [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
    });
    const auto start = std::chrono::steady_clock::now();
    ioc.run_for(5s);

    EXPECT_TRUE(ioc.stopped());
    EXPECT_EQ(winner, 1);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms) << "the loser must stop at once";
}

TEST(http_fetcher, malformed_or_cut_responses_are_network) {
    http_server server;
    http_response garbage;
    garbage.raw = "this is not HTTP\r\n\r\n";
    server.set("/garbage", garbage);
    http_response bad_length;
    bad_length.raw = "HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n";
    server.set("/bad-length", bad_length);
    http_response hang_up;
    hang_up.raw = "";
    server.set("/hang-up", hang_up);
    http_response short_body;
    short_body.raw = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this";
    server.set("/short-body", short_body);

    for (const char* path : {"/garbage", "/bad-length", "/hang-up", "/short-body"}) {
        auto result = fetch(server.url(path));
        EXPECT_EQ(result.outcome, fetch_outcome::network) << path << ": " << result.error;
        EXPECT_FALSE(result.error.empty()) << path;
        EXPECT_TRUE(result.body.empty()) << path;
    }
}

// A reason phrase or Location is the server's text and ends up in last_error, the log and
// `feedd feeds`: the C1 controls Beast lets through as obs-text (CSI U+009B, OSC U+009D, as
// UTF-8) are filtered as in feed titles, so a hostile server cannot drive the terminal.
TEST(http_fetcher, control_characters_from_the_server_never_reach_the_error) {
    http_server server;
    http_response reason;
    reason.raw =
        "HTTP/1.1 503 Down\xC2\x9D"
        "0;owned\xC2\x9C now\xC2\x9B"
        "2J\r\n"
        "Content-Length: 0\r\n\r\n";
    server.set("/reason", reason);
    http_response location;
    location.raw =
        "HTTP/1.1 302 Found\r\nLocation: ftp://x\xC2\x9B"
        "31m/\r\n"
        "Content-Length: 0\r\n\r\n";
    server.set("/location", location);

    const auto down = fetch(server.url("/reason"));
    EXPECT_EQ(down.outcome, fetch_outcome::http_server) << down.error;
    EXPECT_EQ(down.http_status, 503);
    // C1 becomes its windows-1252 character where there is one (0x9B "›", 0x9C "œ"), else goes.
    EXPECT_EQ(down.error, "HTTP 503 Down0;owned\u0153 now\u203a2J");

    const auto moved = fetch(server.url("/location"));
    EXPECT_EQ(moved.outcome, fetch_outcome::http_client) << moved.error;
    EXPECT_NE(moved.error.find("bad Location"), std::string::npos) << moved.error;
    for (const auto* result : {&down, &moved}) {
        for (const char c : std::string("\xC2\x9B\xC2\x9C\xC2\x9D")) {
            if (c != '\xC2') {
                EXPECT_EQ(result->error.find(std::string("\xC2") + c), std::string::npos)
                    << result->error;
            }
        }
    }
}

TEST(http_fetcher, huge_response_header_is_too_large) {
    http_server server;
    http_response response = http_response::ok(rss);
    for (int i = 0; i < 10; ++i) {  // 100 KB in all; Beast caps a single field at 64 KB
        response.headers.emplace_back("X-Padding-" + std::to_string(i), std::string(10'000, 'p'));
    }
    server.set("/feed.xml", response);

    auto result = fetch(server.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::too_large) << result.error;
}

// A chunked response whose framing (after the body) is hostile: Beast's header limit does not
// cover chunk extensions or trailers, so only the bounded read buffer stops them.
std::string chunked_head_and_body(const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nTransfer-Encoding: "
           "chunked\r\n\r\n" +
           fmt::format("{:x}\r\n", body.size()) + body + "\r\n";
}

TEST(http_fetcher, a_trailer_field_too_large_to_store_is_too_large_not_a_crash) {
    // One 70 KB trailer field: Beast threw std::length_error from inside the read, out of
    // io_context::run() (the whole daemon exited).
    http_server server;
    http_response response;
    response.raw =
        chunked_head_and_body(rss) + "0\r\nX-T: " + std::string(70'000, 'y') + "\r\n\r\n";
    server.set("/feed.xml", response);

    auto result = fetch(server.url("/feed.xml"));

    EXPECT_EQ(result.outcome, fetch_outcome::too_large) << result.error;
    EXPECT_NE(result.error.find("trailer"), std::string::npos) << result.error;
}

TEST(http_fetcher, endless_trailers_and_chunk_extensions_are_too_large) {
    // Each was read into memory whole (hundreds of MB from a flooding server); small fields
    // passed as ok.
    http_server server;
    http_response trailers;
    trailers.raw = chunked_head_and_body(rss) + "0\r\n";
    for (int i = 0; i < 20'000; ++i)
        trailers.raw->append("X-T: y\r\n");  // 160 KB of fields, each small
    trailers.raw->append("\r\n");
    server.set("/trailers.xml", trailers);
    http_response extension;
    extension.raw = chunked_head_and_body(rss) + "5;ext=" + std::string(200'000, 'x') +
                    "\r\nhello\r\n0\r\n\r\n";
    server.set("/extension.xml", extension);

    for (const char* path : {"/trailers.xml", "/extension.xml"}) {
        auto result = fetch(server.url(path));
        EXPECT_EQ(result.outcome, fetch_outcome::too_large) << path << ": " << result.error;
    }
}

TEST(http_fetcher, interim_responses_before_the_final_one_are_read_past) {
    http_server server;
    const std::string final_response = fmt::format(
        "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\n\r\n{}",
        rss.size(), rss);
    http_response early_hints;
    early_hints.raw = "HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" +
                      std::string("HTTP/1.1 100 Continue\r\n\r\n") + final_response;
    server.set("/hinted.xml", early_hints);
    http_response storm;
    storm.raw = "";
    for (int i = 0; i < 9; ++i)
        storm.raw->append("HTTP/1.1 100 Continue\r\n\r\n");
    storm.raw->append(final_response);
    server.set("/storm.xml", storm);

    auto hinted = fetch(server.url("/hinted.xml"));
    EXPECT_EQ(hinted.outcome, fetch_outcome::ok) << hinted.error;
    EXPECT_EQ(hinted.http_status, 200);
    EXPECT_EQ(hinted.body, rss);

    auto stormed = fetch(server.url("/storm.xml"));
    EXPECT_EQ(stormed.outcome, fetch_outcome::http_client) << stormed.error;
    EXPECT_NE(stormed.error.find("interim"), std::string::npos) << stormed.error;
}

TEST(http_fetcher, https_to_a_plain_http_server_is_tls) {
    http_server server;
    server.set("/feed.xml", http_response::ok(rss));

    auto result = fetch("https://127.0.0.1:" + std::to_string(server.port()) + "/feed.xml");

    EXPECT_EQ(result.outcome, fetch_outcome::tls) << result.error;
}

TEST(http_fetcher, many_fetches_share_one_fetcher) {
    http_server server;
    server.set("/feed.xml", http_response::ok(rss));
    net::io_context ioc;
    http_fetcher fetcher(ioc.get_executor(), test_options());
    std::array<std::optional<fetch_result>, 8> results;
    for (auto& slot : results) {
        net::co_spawn(ioc, fetcher.fetch(server.url("/feed.xml"), {}),
                      [&slot](std::exception_ptr e, fetch_result r) {
                          EXPECT_FALSE(e);
                          slot = std::move(r);
                      });
    }
    ioc.run_for(10s);

    for (const auto& result : results) {
        ASSERT_TRUE(result);
        EXPECT_EQ(result->outcome, fetch_outcome::ok) << result->error;
    }
    EXPECT_EQ(server.hits("/feed.xml"), 8);
}

}  // namespace

namespace {

void expect_all_ok(const std::vector<fetch_result>& results, std::size_t count) {
    ASSERT_EQ(results.size(), count);
    for (const auto& result : results)
        EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
}

// The first request for path is read and answered by hanging up; later ones get the feed.
void hang_up_on_the_first_request(http_server& server, const std::string& path) {
    // The handler runs on the server thread, one request at a time; the server copies it.
    server.set(path, [calls = std::make_shared<int>(0)](const feedd::test::recorded_request&) {
        http_response answer = http_response::ok(rss);
        if ((*calls)++ == 0) answer.raw = "";
        return answer;
    });
}

TEST(http_fetcher, fetches_from_one_host_reuse_a_kept_alive_connection) {
    http_server server;
    http_response feed = http_response::ok(rss);
    feed.etag = "\"v1\"";
    server.set("/a.xml", feed);
    server.set("/b.xml", http_response::ok(rss));
    server.set("/gone.xml", http_response::error(404));

    auto results = fetch_in_turn({server.url("/a.xml"), server.url("/b.xml"),
                                  server.url("/gone.xml"), server.url("/a.xml")});

    ASSERT_EQ(results.size(), 4u);
    EXPECT_EQ(results[0].outcome, fetch_outcome::ok) << results[0].error;
    EXPECT_EQ(results[1].outcome, fetch_outcome::ok) << results[1].error;
    EXPECT_EQ(results[1].body, rss);
    EXPECT_EQ(results[2].outcome, fetch_outcome::http_client) << results[2].error;
    EXPECT_EQ(results[3].outcome, fetch_outcome::ok) << results[3].error;
    // The 404 had a body this client does not read, so that connection was not kept.
    EXPECT_EQ(server.connections(), 2);
    EXPECT_EQ(server.requests("/a.xml").front().header("Connection"), std::nullopt);
}

// Bodies far larger than the 16 KiB reserved for a response's reads (and than Beast's 64 KiB
// largest read), by Content-Length, chunked, and gzip'd and chunked (nginx's way): each arrives
// whole and leaves nothing unread, so one kept-alive connection carries all three.
TEST(http_fetcher, bodies_larger_than_the_read_buffer_arrive_whole_on_one_connection) {
    http_server server;
    std::string body;
    std::uint32_t state = 12345;  // varied text, so that gzip leaves it well over 16 KiB
    for (int i = 0; i < 200'000; ++i) {
        state = state * 1103515245u + 12345u;
        body += static_cast<char>('a' + (state >> 16) % 26);
    }
    server.set("/plain.xml", http_response::ok(body));
    http_response chunked = http_response::ok(body);
    chunked.chunked = true;
    server.set("/chunked.xml", chunked);
    http_response gzipped = chunked;
    gzipped.gzip = true;
    server.set("/gzip.xml", gzipped);

    auto results = fetch_in_turn(
        {server.url("/plain.xml"), server.url("/chunked.xml"), server.url("/gzip.xml")});

    ASSERT_EQ(results.size(), 3u);
    for (const auto& result : results) {
        EXPECT_EQ(result.outcome, fetch_outcome::ok) << result.error;
        EXPECT_EQ(result.body, body);
    }
    EXPECT_EQ(server.connections(), 1);
}

TEST(http_fetcher, https_fetches_reuse_the_tls_connection) {
    http_server server(server_tls::test());
    server.set("/a.xml", http_response::ok(rss));
    server.set("/b.xml", http_response::ok(rss));

    auto results = fetch_in_turn({server.url("/a.xml"), server.url("/b.xml")});

    expect_all_ok(results, 2);
    EXPECT_EQ(server.connections(), 1);
}

TEST(http_fetcher, a_kept_connection_the_server_closed_is_not_used) {
    http_server server;
    // Keep-alive by HTTP/1.1 default, but the fixture closes after a raw answer.
    http_response closing;
    closing.raw = "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: " +
                  std::to_string(rss.size()) + "\r\n\r\n" + rss;
    server.set("/closing.xml", closing);
    server.set("/b.xml", http_response::ok(rss));

    auto results = fetch_in_turn({server.url("/closing.xml"), server.url("/b.xml")});

    expect_all_ok(results, 2);
    EXPECT_EQ(server.connections(), 2);
}

TEST(http_fetcher, a_kept_connection_closed_under_the_request_is_retried_once_on_a_new_one) {
    http_server server;
    server.set("/a.xml", http_response::ok(rss));
    hang_up_on_the_first_request(server, "/b.xml");

    auto results = fetch_in_turn({server.url("/a.xml"), server.url("/b.xml")});

    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[1].outcome, fetch_outcome::ok) << results[1].error;
    EXPECT_EQ(server.hits("/b.xml"), 2);
    EXPECT_EQ(server.connections(), 2);
}

// The redirect's own status must not count as "the response began" for the next hop.
TEST(http_fetcher, a_kept_connection_closed_under_a_redirected_request_is_retried_too) {
    http_server server;
    server.set("/a.xml", http_response::ok(rss));
    server.set("/moved.xml", http_response::redirect(302, "/b.xml"));
    hang_up_on_the_first_request(server, "/b.xml");

    auto results = fetch_in_turn({server.url("/a.xml"), server.url("/moved.xml")});

    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[1].outcome, fetch_outcome::ok) << results[1].error;
    EXPECT_EQ(results[1].body, rss);
    EXPECT_EQ(server.hits("/b.xml"), 2);
}

TEST(http_fetcher, a_new_connection_hung_up_on_is_not_retried) {
    http_server server;
    hang_up_on_the_first_request(server, "/b.xml");

    auto results = fetch_in_turn({server.url("/b.xml")});

    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, fetch_outcome::network) << results[0].error;
    EXPECT_EQ(server.hits("/b.xml"), 1);
}

}  // namespace
