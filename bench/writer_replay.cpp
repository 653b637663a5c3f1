// The cold poll's writer thread alone: every document of a feed farm parsed, signed and
// prepared first (as the daemon's CPU pool does for a feed's first document), then stored
// through story_ingest::store_group in batches of BATCH refreshes, as the daemon's group
// commit stores them. Prints the store phase's wall and thread CPU time and the database's
// size (and what the checkpointer thread did), so a change to storage/ is measured without the
// network, the parser or the load of the other threads. Under callgrind,
// `--toggle-collect='*store_all(*unsigned long)'` counts the store only (`*store_all*` also
// matches the lambdas inside it, whose entry toggles counting off again). `check` prints the
// integrity check of the database and its full-text index after the timing.
//   build-release/bench/writer_replay FARM [BATCH=64] [DB=$TMPDIR/feedd-writer-replay.db] [check]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <string_view>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "daemon/config.hpp"
#include "daemon/ingest.hpp"
#include "feeds/parse.hpp"
#include "storage/database.hpp"

namespace {

namespace fs = std::filesystem;
using feedd::storage::timestamp;

struct prepared_refresh {
    feedd::storage::refresh refresh;
    std::vector<feedd::daemon::signed_item> signatures;
};

double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error(fmt::format("{}: cannot read", path.string()));
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Not inlined: callgrind's --toggle-collect names it.
[[gnu::noinline]] int store_all(feedd::storage::database& db, feedd::daemon::story_ingest& ingest,
                                const std::vector<prepared_refresh>& refreshes,
                                std::size_t batch_size) {
    int stored = 0;
    for (std::size_t first = 0; first < refreshes.size(); first += batch_size) {
        std::vector<std::function<void(feedd::storage::database&)>> units;
        for (auto i = first; i < std::min(refreshes.size(), first + batch_size); ++i) {
            units.emplace_back([&ingest, &stored, &p = refreshes[i]](auto& d) {
                stored += ingest.store(d, p.refresh, p.signatures).new_items;
            });
        }
        for (const auto& error : ingest.store_group(db, units))
            if (error) std::rethrow_exception(error);
    }
    return stored;
}

}  // namespace

int main(int argc, char** argv) try {
    if (argc < 2) {
        std::fprintf(stderr, "usage: writer_replay FARM [BATCH=64] [DB] [check]\n");
        return 2;
    }
    const fs::path farm = argv[1];
    const auto batch_size = static_cast<std::size_t>(argc > 2 ? std::stoul(argv[2]) : 64);
    const fs::path path =
        argc > 3 ? fs::path(argv[3]) : fs::temp_directory_path() / "feedd-writer-replay.db";
    for (const auto* suffix : {"", "-wal", "-shm"})
        fs::remove(path.string() + suffix);

    std::vector<std::string> files;
    {
        std::ifstream list(farm / "files.txt");
        for (std::string line; std::getline(list, line);)
            if (!line.empty()) files.push_back(line);
    }
    auto db = feedd::storage::database::open(path, feedd::storage::open_mode::read_write);
    std::vector<feedd::storage::feed_spec> specs;
    for (const auto& f : files)
        specs.push_back({"http://127.0.0.1:18152/" + f, {}, {}, std::chrono::minutes(15)});
    const timestamp start{std::chrono::seconds{1'790'000'000}};
    const auto rows = db.sync_feeds(specs, start);

    std::vector<prepared_refresh> refreshes;
    std::size_t items = 0;
    double pool_cpu = 0;  // what the daemon's CPU pool would spend preparing and signing
    for (std::size_t i = 0; i < files.size(); ++i) {
        const auto bytes = read_file(farm / files[i]);
        auto parsed = feedd::feeds::parse(bytes, rows[i].url, "application/xml");
        if (!parsed) throw std::runtime_error(files[i] + ": " + parsed.error);
        prepared_refresh p;
        auto& r = p.refresh;
        r.feed_id = rows[i].id;
        r.fetched_at = start + std::chrono::seconds(static_cast<long>(i / 100));
        r.outcome = "ok";
        r.http_status = 200;
        r.success = true;
        r.etag = fmt::format("\"{:x}\"", i);
        r.feed_title = parsed.feed->title;
        r.items = std::move(parsed.feed->items);
        const auto pool0 = thread_cpu_seconds();
        r.prepared = feedd::storage::prepare_items(r.items, true);
        p.signatures = feedd::daemon::sign_items(r.items);
        pool_cpu += thread_cpu_seconds() - pool0;
        r.next_poll = r.fetched_at + std::chrono::minutes(15);
        r.poll_reason = "interval";
        items += r.items.size();
        refreshes.push_back(std::move(p));
    }

    feedd::daemon::story_ingest ingest(feedd::daemon::stories_config{});
    ingest.rebuild(db);
    const auto wall0 = std::chrono::steady_clock::now();
    const auto cpu0 = thread_cpu_seconds();
    const int stored = store_all(db, ingest, refreshes, batch_size);
    const auto cpu = thread_cpu_seconds() - cpu0;
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wall0;
    const auto checkpoints = db.checkpoints();
    if (argc > 4 && std::string_view(argv[4]) == "check") {
        // SQLite's integrity_check and FTS5's index against the items (after the timing).
        std::printf("integrity_check: %s\n", db.integrity_check().c_str());
    }
    { [[maybe_unused]] const auto closed = std::move(db); }  // the last connection checkpoints
    const auto bytes = fs::file_size(path);
    std::printf(
        "refreshes %zu items %zu stored %d batch %zu: wall %.3f s, thread CPU %.3f s, "
        "database %.1f MiB; preparing and signing (the pool's work) %.3f s CPU\n",
        refreshes.size(), items, stored, batch_size, wall.count(), cpu,
        static_cast<double>(bytes) / (1024.0 * 1024.0), pool_cpu);
    // The writer waits for the checkpointer only so the log can start over
    // (storage/checkpointer.hpp).
    std::printf("checkpointer: %lld passes, %lld commits waited %.1f ms in all, %lld failures\n",
                static_cast<long long>(checkpoints.passes),
                static_cast<long long>(checkpoints.writer_waits),
                static_cast<double>(checkpoints.writer_waited.count()) / 1000.0,
                static_cast<long long>(checkpoints.failures));
    return 0;
} catch (const std::exception& e) {
    std::fprintf(stderr, "writer_replay: %s\n", e.what());
    return 1;
}
