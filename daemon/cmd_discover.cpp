// `feedd discover FILE|URL`: the feeds an HTML page advertises, or "this is a feed".
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <ostream>
#include <sstream>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>

#include "daemon/commands.hpp"
#include "feeds/charset.hpp"
#include "feeds/discover.hpp"
#include "feeds/fetch.hpp"
#include "feeds/parse.hpp"
#include "feeds/urls.hpp"

namespace feedd::daemon {
namespace net = boost::asio;

namespace {

struct page {
    std::string bytes;
    std::string url;  // base for relative links
    std::string content_type;
};

bool read_file(const discover_options& options, page& p, std::ostream& err) {
    p.url = options.url;
    if (options.input == "-") {
        p.bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        return true;
    }
    std::ifstream in(options.input, std::ios::binary);
    if (!in) {
        err << "feedd discover: cannot open " << options.input << ": " << std::strerror(errno)
            << '\n';
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    p.bytes = std::move(text).str();
    return true;
}

bool fetch_page(const discover_options& options, page& p, std::ostream& err) {
    net::io_context ioc;
    feeds::fetch_options fetch;
    fetch.extra_ca_file = options.extra_ca_file;
    feeds::http_fetcher fetcher(ioc.get_executor(), fetch);
    feeds::fetch_result result;
    std::exception_ptr failure;
    auto request = fetcher.fetch(options.input, {});
    net::co_spawn(ioc, std::move(request), [&](std::exception_ptr e, feeds::fetch_result r) {
        failure = e;
        result = std::move(r);
    });
    ioc.run();
    if (failure) {
        std::rethrow_exception(failure);
    }
    if (result.outcome != feeds::fetch_outcome::ok) {
        err << "feedd discover: fetch " << options.input << ": "
            << (result.error.empty() ? feeds::to_string(result.outcome) : result.error) << '\n';
        return false;
    }
    p.bytes = std::move(result.body);
    p.url = result.final_url.empty() ? options.input : result.final_url;
    p.content_type = std::move(result.content_type);
    return true;
}

std::string or_empty(const std::optional<std::string>& value) {
    return value.value_or("");
}

}  // namespace

int discover_command(const discover_options& options, std::ostream& out, std::ostream& err) {
    page p;
    const bool remote = feeds::is_http_url(options.input);
    if (!(remote ? fetch_page(options, p, err) : read_file(options, p, err))) {
        return 1;
    }
    if (const auto parsed = feeds::parse(p.bytes, p.url, p.content_type)) {
        const auto& f = *parsed.feed;
        const std::string where = p.url.empty() ? options.input : p.url;
        if (options.json) {
            boost::json::object line{{"url", where},
                                     {"self", true},
                                     {"format", feeds::to_string(f.format)},
                                     {"version", or_empty(f.version)},
                                     {"title", or_empty(f.title)}};
            out << boost::json::serialize(line) << '\n';
        } else {
            out << where << "\tis a feed (" << feeds::to_string(f.format);
            if (f.version) out << ' ' << *f.version;
            out << ")\t" << or_empty(f.title) << '\n';
        }
        return 0;
    }
    // HTML says its charset in the header, else in a <meta> tag (ASCII-compatible bytes).
    std::string charset = feeds::charset_from_content_type(p.content_type);
    if (charset.empty()) {
        charset = feeds::html_meta_charset(p.bytes);
    }
    const auto decoded = feeds::decode_document(p.bytes, charset);
    const auto found = feeds::discover_feeds(decoded.utf8.value_or(p.bytes), p.url);
    if (found.empty()) {
        err << "feedd discover: " << options.input
            << ": no feeds advertised (no <link rel=\"alternate\"> with a feed type)\n";
        return 1;
    }
    for (const auto& feed : found) {
        if (options.json) {
            boost::json::object line{{"url", feed.url}};
            line["type"] = feed.type ? boost::json::value(*feed.type) : nullptr;
            line["title"] = feed.title ? boost::json::value(*feed.title) : nullptr;
            out << boost::json::serialize(line) << '\n';
        } else {
            out << feed.url << '\t' << or_empty(feed.type) << '\t' << or_empty(feed.title) << '\n';
        }
    }
    return 0;
}

}  // namespace feedd::daemon
