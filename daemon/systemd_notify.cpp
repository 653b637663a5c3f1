#include "daemon/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

namespace feedd::daemon {
namespace {

template <typename T>
std::optional<T> parse_number(const char* text) {
    if (text == nullptr) return std::nullopt;
    const std::string_view view(text);
    T value{};
    const auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
    if (ec != std::errc() || end != view.data() + view.size()) return std::nullopt;
    return value;
}

}  // namespace

systemd_notifier::systemd_notifier(const char* socket) {
    const std::string_view name = socket != nullptr ? socket : "";
    if (name.empty() || (name[0] != '/' && name[0] != '@')) return;
    if (name.size() >= sizeof address_.sun_path) return;
    address_.sun_family = AF_UNIX;
    std::memcpy(address_.sun_path, name.data(), name.size());
    if (name[0] == '@') address_.sun_path[0] = '\0';  // Linux's abstract namespace
    // The address length counts the name exactly: an abstract name has no terminator.
    length_ = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
}

systemd_notifier::~systemd_notifier() {
    if (fd_ >= 0) ::close(fd_);
}

bool systemd_notifier::send(std::string_view state) const {
    if (fd_ < 0) return false;
    // Addressed on every send, never connected: after `systemctl daemon-reexec` the path names
    // a new socket, and a connected one would lose every later ping (and the watchdog kill us).
    const auto sent = ::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL,
                               reinterpret_cast<const sockaddr*>(&address_), length_);
    return sent == static_cast<ssize_t>(state.size());
}

std::optional<std::chrono::microseconds> systemd_watchdog(const char* watchdog_usec,
                                                          const char* watchdog_pid, pid_t self) {
    const auto usec = parse_number<std::uint64_t>(watchdog_usec);
    if (!usec || *usec == 0) return std::nullopt;
    if (watchdog_pid != nullptr) {
        const auto pid = parse_number<pid_t>(watchdog_pid);
        if (!pid || *pid != self) return std::nullopt;
    }
    return std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec));
}

}  // namespace feedd::daemon
