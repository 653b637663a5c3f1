// to_string / fetch_outcome_from_string: the names are stored in the database, so they
// must never change once shipped.
#include "feeds/fetch.hpp"

#include <array>
#include <utility>

namespace feedd::feeds {
namespace {

constexpr std::array<std::pair<fetch_outcome, const char*>, 9> names{{
    {fetch_outcome::ok, "ok"},
    {fetch_outcome::not_modified, "not_modified"},
    {fetch_outcome::network, "network"},
    {fetch_outcome::timeout, "timeout"},
    {fetch_outcome::tls, "tls"},
    {fetch_outcome::http_client, "http_client"},
    {fetch_outcome::http_server, "http_server"},
    {fetch_outcome::too_large, "too_large"},
    {fetch_outcome::not_a_feed, "not_a_feed"},
}};

}  // namespace

const char* to_string(fetch_outcome outcome) {
    for (const auto& [value, name] : names) {
        if (value == outcome) return name;
    }
    return "unknown";
}

std::optional<fetch_outcome> fetch_outcome_from_string(std::string_view text) {
    for (const auto& [value, name] : names) {
        if (text == name) return value;
    }
    return std::nullopt;
}

}  // namespace feedd::feeds
