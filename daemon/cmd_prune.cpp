// `feedd prune --config FILE [--dry-run]`: one retention run ([storage] keep) from the command
// line, the same batches the daemon runs hourly on its writer.
#include <ostream>

#include <fmt/format.h>

#include "daemon/clock.hpp"
#include "daemon/commands.hpp"
#include "daemon/schedule.hpp"
#include "storage/retention.hpp"

namespace feedd::daemon {
namespace {

double mebibytes(const storage::file_pages& p) {
    return static_cast<double>(p.pages * p.page_size) / (1024.0 * 1024.0);
}

}  // namespace

int prune_command(const prune_command_options& options, std::ostream& out) {
    if (!options.keep) {
        out << "Retention is off ([storage] keep = \"forever\"): nothing to prune.\n";
        return 0;
    }
    auto db = open_store(options.db, storage::open_mode::read_write);
    if (!options.dry_run && storage::enable_incremental_vacuum(db)) {
        out << "Switched the database to incremental auto-vacuum (one VACUUM).\n";
    }
    const auto before = storage::pages_of(db);
    storage::prune_options prune;
    prune.cutoff = wall_now() - *options.keep;
    prune.dry_run = options.dry_run;
    const auto counts = storage::prune_all(db, prune);
    const auto after = storage::pages_of(db);
    out << fmt::format(
        "{} {} items, {} stories and {} timeline entries first seen more than {} ago. "
        "Database: {:.1f} MiB -> {:.1f} MiB\n",
        options.dry_run ? "Would prune" : "Pruned", counts.items, counts.stories,
        counts.timeline_entries, format_duration(*options.keep), mebibytes(before),
        mebibytes(after));
    return 0;
}

}  // namespace feedd::daemon
