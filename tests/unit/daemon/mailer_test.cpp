#include "daemon/mailer.hpp"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

using test::read_file;
using test::temp_dir;
using test::write_file;

std::filesystem::path program(const temp_dir& dir, const std::string& script) {
    const auto path = write_file(dir / "sendmail", "#!/bin/sh\n" + script);
    std::filesystem::permissions(path, std::filesystem::perms::owner_all);
    return path;
}

mail_config sendmail_at(const std::filesystem::path& path) {
    mail_config mail;
    mail.sendmail = path;
    mail.from = "news@example.org";
    return mail;
}

// Larger than a pipe's buffer (64 KiB): writing it blocks until the program reads or exits.
std::string long_message() {
    std::string message = "Subject: digest\r\n\r\n";
    while (message.size() < 1024 * 1024)
        message += "A line of the digest that the program is meant to read.\r\n";
    return message;
}

TEST(mailer_sendmail, the_whole_message_reaches_the_program_with_lf_line_ends) {
    temp_dir dir;
    const auto mail = sendmail_at(program(dir, "cat > \"$0.message\"\n"));
    const auto message = long_message();
    const auto result = send_mail(mail, {"leser@example.org"}, message);
    ASSERT_TRUE(result.ok) << result.error;
    std::string expected;
    for (char c : message)
        if (c != '\r') expected += c;
    EXPECT_EQ(read_file(dir / "sendmail.message"), expected);
}

// /bin/true as sendmail: status 0, nothing queued. Reported as what happened, not as a
// confusing "exited with status 0".
TEST(mailer_sendmail, a_program_that_exits_without_reading_the_message_fails_saying_so) {
    temp_dir dir;
    const auto mail = sendmail_at(program(dir, "exit 0\n"));
    const auto result = send_mail(mail, {"leser@example.org"}, long_message());
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("must read the whole message from its standard input"),
              std::string::npos)
        << result.error;
}

TEST(mailer_sendmail, a_failing_program_is_named_with_its_exit_status_or_signal) {
    temp_dir dir;
    const auto failing = send_mail(sendmail_at(program(dir, "cat >/dev/null\nexit 75\n")),
                                   {"leser@example.org"}, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_FALSE(failing.ok);
    EXPECT_NE(failing.error.find("exited with status 75"), std::string::npos) << failing.error;

    const auto killed = send_mail(sendmail_at(program(dir, "cat >/dev/null\nkill -TERM $$\n")),
                                  {"leser@example.org"}, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_FALSE(killed.ok);
    EXPECT_NE(killed.error.find("was killed by signal 15"), std::string::npos) << killed.error;
}

// A program that hangs without reading (a message larger than a pipe holds) used to block the
// digest thread forever: the write never returned. Now the program is stopped after
// mail.sendmail_timeout and the attempt fails saying so.
TEST(mailer_sendmail, a_program_that_hangs_is_stopped_after_the_timeout) {
    temp_dir dir;
    auto mail = sendmail_at(program(dir, "exec sleep 600\n"));
    mail.sendmail_timeout = std::chrono::milliseconds(500);
    const auto started = std::chrono::steady_clock::now();
    const auto result = send_mail(mail, {"leser@example.org"}, long_message());
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_FALSE(result.ok);
    EXPECT_FALSE(result.cancelled);
    EXPECT_NE(result.error.find("took longer than"), std::string::npos) << result.error;

    // One that read everything but does not exit is stopped too.
    mail = sendmail_at(program(dir, "cat >/dev/null\nexec sleep 600\n"));
    mail.sendmail_timeout = std::chrono::milliseconds(500);
    const auto read_all = send_mail(mail, {"leser@example.org"}, "Subject: x\r\n\r\nbody\r\n");
    EXPECT_FALSE(read_all.ok);
    EXPECT_NE(read_all.error.find("took longer than"), std::string::npos) << read_all.error;
}

// Daemon shutdown: a send in progress gives up soon after cancel is set, reported as
// cancelled (the digest stays pending without counting a failed attempt).
TEST(mailer_sendmail, cancel_stops_the_program_promptly) {
    temp_dir dir;
    const auto mail = sendmail_at(program(dir, "exec sleep 600\n"));  // timeout: 60s default
    std::atomic<bool> cancel = false;
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        cancel = true;
    });
    const auto started = std::chrono::steady_clock::now();
    const auto result = send_mail(mail, {"leser@example.org"}, long_message(), &cancel);
    stopper.join();
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
    EXPECT_FALSE(result.ok);
    EXPECT_TRUE(result.cancelled) << result.error;
}

// A missing program fails the attempt naming it.
TEST(mailer_sendmail, a_missing_program_fails_naming_it) {
    temp_dir dir;
    const auto result =
        send_mail(sendmail_at(dir / "no-such-sendmail"), {"leser@example.org"}, "x\r\n");
    EXPECT_FALSE(result.ok);
    EXPECT_NE(result.error.find("no-such-sendmail: cannot run"), std::string::npos) << result.error;
}

}  // namespace
}  // namespace feedd::daemon
