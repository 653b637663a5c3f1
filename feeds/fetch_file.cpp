// fetch_file: a local file read as if fetched over HTTP, so file:// feeds (and tests)
// go through the same conditional-GET and size-cap logic as remote ones.
#include "feeds/fetch.hpp"

#include <array>
#include <cstdio>
#include <fstream>
#include <system_error>

#include "feeds/fetch_http_date.hpp"

namespace feedd::feeds {
namespace {

std::string content_type_for(const std::filesystem::path& path) {
    auto ext = path.extension().string();
    if (ext == ".xml") return "application/xml";
    if (ext == ".json") return "application/feed+json";
    return {};
}

}  // namespace

fetch_result fetch_file(const std::filesystem::path& path, const validators& known,
                        std::size_t max_body_bytes) {
    namespace fs = std::filesystem;
    using std::chrono::steady_clock;
    const auto start = steady_clock::now();
    fetch_result result;
    std::error_code ec;
    result.final_url = "file://" + fs::absolute(path, ec).string();
    auto finish = [&](fetch_outcome outcome, std::string error = {}) {
        result.outcome = outcome;
        result.error = std::move(error);
        result.elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(steady_clock::now() - start);
        return std::move(result);
    };

    auto status = fs::status(path, ec);
    if (ec || !fs::exists(status)) {
        return finish(fetch_outcome::network, "no such file: " + path.string());
    }
    if (!fs::is_regular_file(status)) {
        return finish(fetch_outcome::network, "not a regular file: " + path.string());
    }
    const auto size = fs::file_size(path, ec);
    const auto mtime = fs::last_write_time(path, ec);
    if (ec) return finish(fetch_outcome::network, path.string() + ": " + ec.message());

    // The ETag carries the mtime in nanoseconds so a rewrite within the same second
    // (which Last-Modified cannot express) still counts as a change.
    const auto sys_mtime = std::chrono::file_clock::to_sys(mtime);
    const auto mtime_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(sys_mtime.time_since_epoch());
    char etag[64];
    std::snprintf(etag, sizeof etag, "\"%jx-%jx\"", static_cast<std::uintmax_t>(size),
                  static_cast<std::uintmax_t>(mtime_ns.count()));
    result.validators.etag = etag;
    result.validators.last_modified = format_http_date(
        std::chrono::time_point_cast<std::chrono::system_clock::duration>(sys_mtime));
    result.content_type = content_type_for(path);

    // The ETag is the stronger validator, so it decides whenever the caller has one.
    const bool unchanged =
        known.etag ? known.etag == result.validators.etag
                   : known.last_modified && known.last_modified == result.validators.last_modified;
    if (unchanged) return finish(fetch_outcome::not_modified);

    if (size > max_body_bytes) {
        return finish(fetch_outcome::too_large, path.string() + ": " + std::to_string(size) +
                                                    " bytes, over the " +
                                                    std::to_string(max_body_bytes) + "-byte cap");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return finish(fetch_outcome::network, "cannot open " + path.string());
    // Read in chunks and re-check the cap: the file may have grown since file_size().
    std::string body;
    body.reserve(size);
    std::array<char, 64 * 1024> chunk;
    while (in.read(chunk.data(), chunk.size()) || in.gcount() > 0) {
        body.append(chunk.data(), static_cast<std::size_t>(in.gcount()));
        if (body.size() > max_body_bytes) {
            return finish(
                fetch_outcome::too_large,
                path.string() + ": over the " + std::to_string(max_body_bytes) + "-byte cap");
        }
    }
    if (in.bad()) return finish(fetch_outcome::network, "cannot read " + path.string());
    result.body = std::move(body);
    return finish(fetch_outcome::ok);
}

}  // namespace feedd::feeds
