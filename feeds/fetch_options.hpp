// How a fetch behaves: deadlines, caps, identity, trust. Plain values without
// Asio, so the configuration can hold them without pulling in the network headers.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>

namespace feedd::feeds {

struct fetch_options {
    std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds total_timeout{std::chrono::seconds(30)};
    std::size_t max_body_bytes = 16 * 1024 * 1024;
    int max_redirects = 5;
    std::string user_agent = "feedd/0.1 (+https://github.com/feedd/feedd)";
    // Extra CA certificate (PEM) to trust besides the system store; tests use it.
    std::optional<std::filesystem::path> extra_ca_file;

    friend bool operator==(const fetch_options&, const fetch_options&) = default;
};

}  // namespace feedd::feeds
