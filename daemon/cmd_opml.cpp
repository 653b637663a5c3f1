// `feedd opml export`: the configured feeds as an OPML 2.0 document, tags as folders.
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ostream>
#include <string>
#include <system_error>
#include <vector>

#include "daemon/commands.hpp"
#include "daemon/config.hpp"
#include "feeds/opml.hpp"

namespace feedd::daemon {
namespace fs = std::filesystem;

namespace {

// Writes next to the target and renames, so a failed export never leaves a
// half-written file in place of a good one (the target may be an OPML the config reads).
bool write_atomically(const fs::path& target, const std::string& text, std::ostream& err) {
    fs::path temporary = target;
    temporary += ".tmp";
    {
        std::ofstream file(temporary, std::ios::binary | std::ios::trunc);
        if (!file || !file.write(text.data(), static_cast<std::streamsize>(text.size())) ||
            !file.flush()) {
            err << "feedd opml export: cannot write " << temporary.string() << ": "
                << std::strerror(errno) << '\n';
            std::error_code ignored;  // best effort: the error above is what matters
            fs::remove(temporary, ignored);
            return false;
        }
    }
    std::error_code ec;
    fs::rename(temporary, target, ec);
    if (ec) {
        err << "feedd opml export: cannot replace " << target.string() << ": " << ec.message()
            << '\n';
        fs::remove(temporary, ec);
        return false;
    }
    return true;
}

}  // namespace

int opml_export_command(const opml_export_options& options, std::ostream& out, std::ostream& err) {
    const auto cfg = load_config(options.config_file);
    std::vector<feeds::opml_feed> list;
    list.reserve(cfg.feeds.size());
    for (const auto& feed : cfg.feeds) {
        list.push_back({feed.url, feed.title, feed.tags});
    }
    const std::string document = feeds::write_opml(list, "feedd subscriptions");
    if (!options.out_file) {
        out << document;
        return out ? 0 : 1;
    }
    return write_atomically(*options.out_file, document, err) ? 0 : 1;
}

}  // namespace feedd::daemon
