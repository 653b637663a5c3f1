#include "daemon/mail_module.hpp"

#include <dlfcn.h>

#include <mutex>
#include <stdexcept>
#include <system_error>

#include <fmt/format.h>

namespace feedd::daemon {
namespace {

std::filesystem::path executable_dir() {
    std::error_code ec;
    const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (ec) {
        throw std::runtime_error(
            fmt::format("cannot find the mail module: /proc/self/exe: {}", ec.message()));
    }
    return exe.parent_path();
}

const mail_module_api& load(const std::filesystem::path& path) {
    // RTLD_LOCAL: the module's libraries (GLib, GnuTLS, ...) never interpose on ours.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
        throw std::runtime_error(
            fmt::format("cannot load the mail module {}: {}", path.string(), dlerror()));
    }
    // dlsym returns an object pointer; POSIX guarantees it converts to a function pointer.
    const auto entry = reinterpret_cast<mail_module_entry>(dlsym(handle, "feedd_mail_module"));
    const auto* api = entry != nullptr ? entry() : nullptr;
    if (api == nullptr || api->abi != mail_module_abi || api->layout != mail_module_layout ||
        std::string_view(api->version) != FEEDD_VERSION) {
        const auto found = api != nullptr
                               ? fmt::format("feedd {} (mail ABI {})", api->version, api->abi)
                               : std::string("no feedd_mail_module entry point");
        dlclose(handle);
        throw std::runtime_error(fmt::format(
            "the mail module {} does not match this feedd {} (mail ABI {}): it has {}; install "
            "the module built with this feedd",
            path.string(), FEEDD_VERSION, mail_module_abi, found));
    }
    // Never unloaded: GLib and libcurl keep process-wide state from their first use.
    return *api;
}

}  // namespace

std::vector<std::filesystem::path> mail_module_candidates() {
    const auto dir = executable_dir();
    return {dir / FEEDD_MAIL_MODULE_NAME,
            (dir / FEEDD_MAIL_MODULE_RELDIR / FEEDD_MAIL_MODULE_NAME).lexically_normal()};
}

const mail_module_api& mail_module() {
    // dlopen() is process-wide, so the loaded module is too: one per process, found once.
    static std::mutex mutex;
    static const mail_module_api* loaded = nullptr;
    const std::scoped_lock lock(mutex);
    if (loaded != nullptr) return *loaded;
    const auto candidates = mail_module_candidates();
    for (const auto& path : candidates) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) continue;
        loaded = &load(path);
        return *loaded;
    }
    throw std::runtime_error(fmt::format(
        "the mail module is missing: no {} (nor {}); digests are composed and sent by it, so "
        "install it with feedd (cmake --install) or build the feedd_mail target",
        candidates.front().string(), candidates.back().string()));
}

}  // namespace feedd::daemon
