// `feedd parse`: one feed document → the JSON of docs/interfaces.md.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>
#include <string>

#include "daemon/commands.hpp"
#include "feeds/parse.hpp"
#include "feeds/parse_json.hpp"

namespace feedd::daemon {
namespace {

bool read_input(const std::string& file, std::string& bytes, std::ostream& err) {
    if (file == "-") {
        bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        return true;
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        err << "feedd parse: cannot open " << file << ": " << std::strerror(errno) << '\n';
        return false;
    }
    std::ostringstream text;
    text << in.rdbuf();
    bytes = std::move(text).str();
    return true;
}

}  // namespace

int parse_command(const parse_options& options, std::ostream& out, std::ostream& err) {
    const bool print_json = options.files.size() == 1 && !options.quiet;
    int failures = 0;
    std::string bytes;
    for (const auto& file : options.files) {
        if (!read_input(file, bytes, err)) {
            ++failures;
            continue;
        }
        const auto result = feeds::parse(bytes, options.url, options.content_type);
        if (!result) {
            err << "feedd parse: " << file << ": " << result.error << '\n';
            ++failures;
            continue;
        }
        if (print_json) out << feeds::to_json(*result.feed) << '\n';
    }
    return failures == 0 ? 0 : 1;
}

}  // namespace feedd::daemon
