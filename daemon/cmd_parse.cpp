// `feedd parse`: one feed document → the JSON of docs/interfaces.md.
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/commands.hpp"
#include "feeds/parse.hpp"
#include "feeds/parse_json.hpp"

namespace feedd::daemon {
namespace {

// One input document: a file mapped read-only (no copy into a buffer of ours; the kernel's copy
// had cost as much as half of the parsing), else bytes read into `buffer`. The buffer is reused
// from file to file and never shrinks, so resize() only zero-fills where it grows.
class input_file {
  public:
    input_file() = default;
    input_file(const input_file&) = delete;
    input_file& operator=(const input_file&) = delete;
    ~input_file() { unmap(); }

    // "" on success, else what went wrong; bytes() is then the document.
    std::string open(const std::string& file) {
        unmap();
        if (file == "-") {
            buffer_.assign(std::istreambuf_iterator<char>(std::cin),
                           std::istreambuf_iterator<char>());
            bytes_ = buffer_;
            return {};
        }
        const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            return "cannot open " + file + ": " + std::strerror(errno);
        }
        std::string error = read_or_map(fd, file);
        ::close(fd);
        return error;
    }

    std::string_view bytes() const { return bytes_; }

  private:
    std::string read_or_map(int fd, const std::string& file) {
        struct stat st {};
        if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
            const auto size = static_cast<std::size_t>(st.st_size);
            // MAP_POPULATE: one call maps every page, instead of a fault per page or two; not
            // for a document parse() refuses by its size alone, which it never reads.
            const int populate =
                size <= feeds::parse_limits{}.max_document_bytes ? MAP_POPULATE : 0;
            void* const map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | populate, fd, 0);
            if (map != MAP_FAILED) {
                map_ = map;
                map_size_ = size;
                bytes_ = std::string_view(static_cast<const char*>(map), size);
                return {};
            }
        }
        // Pipes, devices, empty files and failed maps: read() until the end.
        std::size_t size = 0;
        for (;;) {
            if (buffer_.size() < size + 65536) {
                buffer_.resize(size + 65536);
            }
            const ssize_t got = ::read(fd, buffer_.data() + size, buffer_.size() - size);
            if (got < 0 && errno == EINTR) {
                continue;
            }
            if (got < 0) {
                return "cannot read " + file + ": " + std::strerror(errno);
            }
            if (got == 0) {
                break;
            }
            size += static_cast<std::size_t>(got);
        }
        bytes_ = std::string_view(buffer_.data(), size);
        return {};
    }

    void unmap() {
        if (map_ != nullptr) {
            ::munmap(map_, map_size_);
            map_ = nullptr;
        }
        bytes_ = {};
    }

    std::string buffer_;
    void* map_ = nullptr;
    std::size_t map_size_ = 0;
    std::string_view bytes_;
};

// Reads and parses one file; "" on success, else the error line to print.
std::string check_one(const parse_options& options, const std::string& file, input_file& input,
                      std::string* json) {
    if (std::string error = input.open(file); !error.empty()) {
        return "feedd parse: " + error;
    }
    const auto result = feeds::parse(input.bytes(), options.url, options.content_type);
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
        input_file input;
        for (std::size_t i = next++; i < n; i = next++) {
            try {
                errors[i] = check_one(options, options.files[i], input, nullptr);
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
    input_file input;
    std::string json;
    for (const auto& file : options.files) {
        if (std::string error = check_one(options, file, input, print_json ? &json : nullptr);
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
