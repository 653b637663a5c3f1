// How many rows a listing command (query items, stories, timeline, search; digests) prints:
// --limit N, or --all for every one; with neither, the HTTP API's default page (50), and a
// listing cut there says so on stderr, so a script learns that it did not get everything.
#pragma once

#include <cstddef>
#include <optional>
#include <ostream>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "daemon/http_api.hpp"

namespace feedd::daemon {

struct listing_limit {
    std::optional<int> limit;  // --limit N
    bool all = false;          // --all
};

// The rows a listing asks storage for: the --limit, none for --all, else one past the default
// page, which tells whether the default cut anything.
inline std::optional<int> rows_to_read(const listing_limit& limit) {
    if (limit.all) return std::nullopt;
    return limit.limit ? *limit.limit : default_page_limit + 1;
}

// Cuts rows read with rows_to_read to the default page, and says so on err: a script that
// reads the output would otherwise take 50 rows for all there are. command: "query items".
template <class Row>
void keep_default_page(std::vector<Row>& rows, const listing_limit& limit, std::string_view command,
                       std::string_view what, std::ostream& err) {
    if (limit.all || limit.limit || rows.size() <= static_cast<std::size_t>(default_page_limit))
        return;
    rows.resize(static_cast<std::size_t>(default_page_limit));
    err << fmt::format(
        "feedd {}: showing the first {} {}, there are more (--limit N shows N, --all every one)\n",
        command, default_page_limit, what);
}

}  // namespace feedd::daemon
