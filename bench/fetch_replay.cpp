// The cold poll's I/O thread alone: COUNT feeds BASE/00000.xml, BASE/00001.xml, ... fetched by
// one http_fetcher on one thread, CONCURRENCY at a time (the daemon's [fetch] concurrency), and
// each body dropped on that thread as the daemon's stored refreshes are. No parsing, no
// storage: a change to the fetch path is measured without the other threads' load. Prints the
// wall and thread CPU time, the bytes decoded and the outcomes that were not ok. Under
// callgrind the whole run is the fetch path (start-up is a few million instructions).
//   bench/feedfarm/serve.sh /tmp/prof/farm0 PORT
//   build-release/bench/fetch_replay http://127.0.0.1:PORT/feeds 1000 [CONCURRENCY=64]
#include <time.h>

#include <chrono>
#include <cstddef>
#include <cstdio>
#include <exception>
#include <map>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <fmt/format.h>

#include "feeds/fetch.hpp"

namespace {

namespace net = boost::asio;

double thread_cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

struct tally {
    std::size_t next = 0;
    std::size_t count = 0;
    std::size_t bytes = 0;
    std::map<std::string, int> failures;
};

net::awaitable<void> worker(feedd::feeds::http_fetcher& fetcher, const std::string& base,
                            tally& t) {
    while (t.next < t.count) {
        const auto url = fmt::format("{}/{:05}.xml", base, t.next++);
        auto result = co_await fetcher.fetch(url, {});
        if (result.outcome == feedd::feeds::fetch_outcome::ok) {
            t.bytes += result.body.size();
        } else {
            ++t.failures[fmt::format("{}: {}", feedd::feeds::to_string(result.outcome),
                                     result.error)];
        }
    }
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 3) {
        std::fprintf(stderr, "usage: fetch_replay BASE_URL COUNT [CONCURRENCY=64]\n");
        return 2;
    }
    const std::string base = argv[1];
    tally t;
    t.count = std::stoul(argv[2]);
    const std::size_t concurrency = argc > 3 ? std::stoul(argv[3]) : 64;

    net::io_context ioc(1);
    feedd::feeds::http_fetcher fetcher(ioc.get_executor(), {});
    const auto wall_start = std::chrono::steady_clock::now();
    const auto cpu_start = thread_cpu_seconds();
    for (std::size_t i = 0; i < concurrency; ++i) {
        net::co_spawn(ioc, worker(fetcher, base, t), [](const std::exception_ptr& error) {
            if (error) std::rethrow_exception(error);
        });
    }
    ioc.run();
    const auto cpu = thread_cpu_seconds() - cpu_start;
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wall_start;
    fmt::print("{} feeds, {:.1f} MB decoded: wall {:.3f} s, thread CPU {:.3f} s\n", t.count,
               static_cast<double>(t.bytes) / 1e6, wall.count(), cpu);
    for (const auto& [what, n] : t.failures)
        fmt::print("  {} x {}\n", n, what);
    return t.failures.empty() ? 0 : 1;
} catch (const std::exception& error) {
    std::fprintf(stderr, "fetch_replay: %s\n", error.what());
    return 1;
}
