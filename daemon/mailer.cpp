#include "daemon/mailer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <mutex>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "daemon/mail_module.hpp"

extern char** environ;

namespace feedd::daemon {
namespace {

std::string how_it_ended(int status) {
    if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
    if (WIFSIGNALED(status)) {
        const int sig = WTERMSIG(status);
        return fmt::format("was killed by signal {} ({})", sig, strsignal(sig));
    }
    return "ended abnormally";
}

// Runs `sendmail -i -f FROM -- TO...` with the message (LF line ends) on its standard input.
send_result send_sendmail(const std::filesystem::path& program, const std::string& from,
                          const std::vector<std::string>& to, const std::string& message,
                          std::chrono::milliseconds timeout, const std::atomic<bool>* cancel) {
    std::string body;
    body.reserve(message.size());
    for (std::size_t i = 0; i < message.size(); ++i) {
        if (message[i] == '\r' && i + 1 < message.size() && message[i + 1] == '\n') continue;
        body += message[i];
    }
    std::vector<std::string> args{program.string(), "-i", "-f", from, "--"};
    args.insert(args.end(), to.begin(), to.end());
    std::vector<char*> argv;
    for (auto& arg : args)
        argv.push_back(arg.data());
    argv.push_back(nullptr);
    // A program that exits without reading everything must not kill us with SIGPIPE: the write
    // fails with EPIPE instead and the exit status tells what happened.
    static std::once_flag ignore_sigpipe;
    std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return {false, fmt::format("pipe: {}", std::strerror(errno)), false};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (spawned != 0) {
        close(fds[1]);
        return {false, fmt::format("{}: cannot run: {}", program.string(), std::strerror(spawned)),
                false};
    }
    // Bounded in time: the program must take the message and exit before the deadline, or it
    // is stopped, so a hung program (or one that never reads a message larger than the pipe
    // holds) never keeps the digest thread, and with it the daemon's shutdown, waiting.
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::optional<send_result> gave_up;
    const auto check = [&] {
        if (cancel != nullptr && cancel->load()) {
            gave_up = send_result{
                false, fmt::format("{}: stopped, feedd is stopping", program.string()), true};
        } else if (std::chrono::steady_clock::now() >= deadline) {
            gave_up = send_result{
                false,
                fmt::format("{} took longer than {}s to take the message and exit (mail."
                            "sendmail_timeout); stopped it",
                            program.string(),
                            std::chrono::duration_cast<std::chrono::seconds>(timeout).count()),
                false};
        }
        return gave_up.has_value();
    };
    std::size_t written = 0;
    bool write_failed = fcntl(fds[1], F_SETFL, O_NONBLOCK) != 0;
    while (written < body.size() && !write_failed && !check()) {
        pollfd ready{fds[1], POLLOUT, 0};
        const int polled = poll(&ready, 1, 100);
        if (polled < 0 && errno != EINTR) write_failed = true;
        if (polled <= 0) continue;
        const auto n = write(fds[1], body.data() + written, body.size() - written);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) {
            write_failed = true;  // EPIPE: the program closed its standard input
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    int status = 0;
    for (;;) {
        const auto ended = waitpid(pid, &status, WNOHANG);
        if (ended == pid || (ended < 0 && errno != EINTR)) break;
        if (gave_up || check()) {
            // TERM first, so a real sendmail can clean up its queue file; KILL if it ignores it.
            kill(pid, SIGTERM);
            for (int i = 0; i < 50 && waitpid(pid, &status, WNOHANG) == 0; ++i)
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            kill(pid, SIGKILL);  // ESRCH once it has been reaped: nothing to do
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
            return *gave_up;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return {false, fmt::format("{} {}", program.string(), how_it_ended(status)), false};
    // Status 0 but the message did not all go in: the program quit without reading its
    // standard input (a wrong path, a stub such as /bin/true), so nothing was queued.
    if (write_failed) {
        return {false,
                fmt::format("{} exited with status 0 after reading {} of the message's {} "
                            "bytes; a sendmail program must read the whole message "
                            "from its standard input",
                            program.string(), written, body.size()),
                false};
    }
    return {true, {}, false};
}

}  // namespace

send_result send_mail(const mail_config& mail, const std::vector<std::string>& to,
                      const std::string& message, const std::atomic<bool>* cancel) {
    // Neither libcurl nor sendmail's argv checks them: a CR/LF would add SMTP commands.
    for (const auto& address : to) {
        if (!is_bare_address(address))
            return {false, fmt::format("\"{}\" is not a bare e-mail address; not sent", address),
                    false};
    }
    if (mail.smtp) {
        try {
            return mail_module().send_smtp(*mail.smtp, mail.from, to, message, cancel);
        } catch (const std::exception& e) {
            // The module is missing or broken: a failed attempt, so the digest stays pending.
            return {false, e.what(), false};
        }
    }
    if (mail.sendmail) {
        return send_sendmail(*mail.sendmail, mail.from, to, message, mail.sendmail_timeout, cancel);
    }
    return {false, "no mail transport configured ([smtp] or [mail] sendmail)", false};
}

}  // namespace feedd::daemon
