#include "daemon/systemd_notify.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

using namespace std::chrono_literals;

// What systemd listens on: a datagram socket bound to a path or an abstract name ("@...").
class notify_listener {
  public:
    explicit notify_listener(const std::string& name) {
        fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_un address{};
        address.sun_family = AF_UNIX;
        std::memcpy(address.sun_path, name.data(), name.size());
        if (name[0] == '@') address.sun_path[0] = '\0';
        const auto length = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size());
        bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), length) == 0;
    }
    ~notify_listener() { ::close(fd_); }
    bool bound() const { return bound_; }
    std::string receive() const {
        char buffer[512];
        const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
        return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
    }

  private:
    int fd_ = -1;
    bool bound_ = false;
};

TEST(systemd_notifier, sends_each_state_as_one_datagram_to_a_path) {
    test::temp_dir dir;
    const auto path = (dir / "notify").string();
    notify_listener systemd(path);
    ASSERT_TRUE(systemd.bound());
    const systemd_notifier notifier(path.c_str());
    EXPECT_TRUE(notifier.send("READY=1\nSTATUS=following 3 feeds"));
    EXPECT_TRUE(notifier.send("WATCHDOG=1"));
    EXPECT_EQ(systemd.receive(), "READY=1\nSTATUS=following 3 feeds");
    EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
}

TEST(systemd_notifier, reaches_an_abstract_socket) {
    const auto name = "@feedd-notify-test-" + std::to_string(::getpid());
    notify_listener systemd(name);
    ASSERT_TRUE(systemd.bound());
    const systemd_notifier notifier(name.c_str());
    EXPECT_TRUE(notifier.send("STOPPING=1"));
    EXPECT_EQ(systemd.receive(), "STOPPING=1");
}

TEST(systemd_notifier, does_nothing_outside_systemd_or_for_unknown_addresses) {
    EXPECT_FALSE(systemd_notifier(nullptr).send("READY=1"));
    EXPECT_FALSE(systemd_notifier("").send("READY=1"));
    EXPECT_FALSE(systemd_notifier("vsock:2:1234").send("READY=1"));
    test::temp_dir dir;
    EXPECT_FALSE(systemd_notifier((dir / "nobody-listens").c_str()).send("READY=1"));
}

TEST(systemd_watchdog, reads_the_period_meant_for_this_process) {
    EXPECT_EQ(systemd_watchdog("60000000", nullptr, 42), 60s);
    EXPECT_EQ(systemd_watchdog("200000", "42", 42), 200ms);
    EXPECT_EQ(systemd_watchdog("200000", "43", 42), std::nullopt);  // meant for another process
    EXPECT_EQ(systemd_watchdog(nullptr, nullptr, 42), std::nullopt);
    EXPECT_EQ(systemd_watchdog("0", nullptr, 42), std::nullopt);
    EXPECT_EQ(systemd_watchdog("12s", nullptr, 42), std::nullopt);
    EXPECT_EQ(systemd_watchdog("200000", "x", 42), std::nullopt);
}

}  // namespace
}  // namespace feedd::daemon
