#include "daemon/mailer.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <mutex>

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
                          const std::vector<std::string>& to, const std::string& message) {
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
    if (pipe2(fds, O_CLOEXEC) != 0) return {false, fmt::format("pipe: {}", std::strerror(errno))};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[0], STDIN_FILENO);
    pid_t pid = 0;
    const int spawned = posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(fds[0]);
    if (spawned != 0) {
        close(fds[1]);
        return {false, fmt::format("{}: cannot run: {}", program.string(), std::strerror(spawned))};
    }
    std::size_t written = 0;
    bool write_failed = false;
    while (written < body.size()) {
        const auto n = write(fds[1], body.data() + written, body.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            write_failed = true;
            break;
        }
        written += static_cast<std::size_t>(n);
    }
    close(fds[1]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return {false, fmt::format("{} {}", program.string(), how_it_ended(status))};
    // Status 0 but the message did not all go in: the program quit without reading its
    // standard input (a wrong path, a stub such as /bin/true), so nothing was queued.
    if (write_failed) {
        return {false, fmt::format("{} exited with status 0 after reading {} of the message's {} "
                                   "bytes; a sendmail program must read the whole message "
                                   "from its standard input",
                                   program.string(), written, body.size())};
    }
    return {true, {}};
}

}  // namespace

send_result send_mail(const mail_config& mail, const std::vector<std::string>& to,
                      const std::string& message) {
    if (mail.smtp) {
        try {
            return mail_module().send_smtp(*mail.smtp, mail.from, to, message);
        } catch (const std::exception& e) {
            // The module is missing or broken: a failed attempt, so the digest stays pending.
            return {false, e.what()};
        }
    }
    if (mail.sendmail) return send_sendmail(*mail.sendmail, mail.from, to, message);
    return {false, "no mail transport configured ([smtp] or [mail] sendmail)"};
}

}  // namespace feedd::daemon
