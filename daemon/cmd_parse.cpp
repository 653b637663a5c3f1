// `feedd parse`: one feed document → the JSON of docs/interfaces.md.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "daemon/commands.hpp"
#include "feeds/parse.hpp"
#include "feeds/parse_json.hpp"

namespace feedd::daemon {
namespace {

// Reads a whole file (or stdin for "-") into buffer[0, size); "" on success, else what went
// wrong. The buffer is reused from file to file and never shrinks, so resize() only
// zero-fills where it grows (that fill had cost as much as reading the files).
std::string read_input(const std::string& file, std::string& buffer, std::size_t& size) {
    if (file == "-") {
        buffer.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        size = buffer.size();
        return {};
    }
    const std::unique_ptr<std::FILE, int (*)(std::FILE*)> in(std::fopen(file.c_str(), "rb"),
                                                             &std::fclose);
    if (!in) {
        return "cannot open " + file + ": " + std::strerror(errno);
    }
    // Reads straight into the string, not through a stream buffer and a copy.
    size = 0;
    for (;;) {
        if (buffer.size() < size + 65536) {
            buffer.resize(size + 65536);
        }
        const std::size_t room = buffer.size() - size;
        const std::size_t got = std::fread(buffer.data() + size, 1, room, in.get());
        size += got;
        if (got < room) {
            break;
        }
    }
    if (std::ferror(in.get()) != 0) {
        return "cannot read " + file + ": " + std::strerror(errno);
    }
    return {};
}

// Reads and parses one file; "" on success, else the error line to print.
std::string check_one(const parse_options& options, const std::string& file, std::string& buffer,
                      std::string* json) {
    std::size_t size = 0;
    if (std::string error = read_input(file, buffer, size); !error.empty()) {
        return "feedd parse: " + error;
    }
    const auto result =
        feeds::parse(std::string_view(buffer.data(), size), options.url, options.content_type);
    if (!result) {
        return "feedd parse: " + file + ": " + result.error;
    }
    if (json != nullptr) {
        *json = feeds::to_json(*result.feed);
    }
    return {};
}

// Many files: parse them on a few threads (each holds one document at a time); errors are
// printed afterwards in input order.
int check_in_parallel(const parse_options& options, std::size_t threads, std::ostream& err) {
    const std::size_t n = options.files.size();
    std::vector<std::string> errors(n);
    std::atomic<std::size_t> next{0};
    auto work = [&] {
        std::string bytes;
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                errors[i] = check_one(options, options.files[i], bytes, nullptr);
            } catch (const std::exception& e) {
                errors[i] = "feedd parse: " + options.files[i] + ": " + e.what();
            }
        }
    };
    std::vector<std::jthread> pool;
    for (std::size_t t = 1; t < threads; ++t) {
        pool.emplace_back(work);
    }
    work();
    pool.clear();  // joins
    int failures = 0;
    for (const auto& error : errors) {
        if (!error.empty()) {
            err << error << '\n';
            ++failures;
        }
    }
    return failures;
}

}  // namespace

int parse_command(const parse_options& options, std::ostream& out, std::ostream& err) {
    const bool print_json = options.files.size() == 1 && !options.quiet;
    const bool reads_stdin =
        std::find(options.files.begin(), options.files.end(), "-") != options.files.end();
    const std::size_t threads = std::min<std::size_t>(
        {std::max(1U, std::thread::hardware_concurrency()), 8, options.files.size()});
    if (threads > 1 && !print_json && !reads_stdin) {
        return check_in_parallel(options, threads, err) == 0 ? 0 : 1;
    }
    int failures = 0;
    std::string bytes;
    std::string json;
    for (const auto& file : options.files) {
        if (std::string error = check_one(options, file, bytes, print_json ? &json : nullptr);
            !error.empty()) {
            err << error << '\n';
            ++failures;
            continue;
        }
        if (print_json) out << json << '\n';
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace feedd::daemon
