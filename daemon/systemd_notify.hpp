// systemd's notify protocol (sd_notify(3)) without libsystemd: a Type=notify service sends
// "READY=1", "WATCHDOG=1", "STATUS=..." as datagrams to the AF_UNIX socket named by
// $NOTIFY_SOCKET, and learns its watchdog period from $WATCHDOG_USEC/$WATCHDOG_PID. feedd
// used nothing else from libsystemd, which pulled in gcrypt, lzma, lz4, zstd and libcap.
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <chrono>
#include <optional>
#include <string_view>

namespace feedd::daemon {

class systemd_notifier {
  public:
    // socket: $NOTIFY_SOCKET, a path or "@abstract-name"; null or empty when not under systemd
    // (then send() does nothing). Other address kinds (vsock) are not supported: ignored.
    explicit systemd_notifier(const char* socket);
    ~systemd_notifier();
    systemd_notifier(const systemd_notifier&) = delete;
    systemd_notifier& operator=(const systemd_notifier&) = delete;

    // One datagram with the newline-separated assignments. False when not under systemd or
    // the send failed; callers go on either way, as with sd_notify().
    bool send(std::string_view state) const;

  private:
    int fd_ = -1;
    sockaddr_un address_{};
    socklen_t length_ = 0;
};

// The watchdog period systemd expects pings within, from $WATCHDOG_USEC, when it is meant for
// this process ($WATCHDOG_PID unset or equal to self); nullopt without a watchdog.
std::optional<std::chrono::microseconds> systemd_watchdog(const char* watchdog_usec,
                                                          const char* watchdog_pid, pid_t self);

}  // namespace feedd::daemon
