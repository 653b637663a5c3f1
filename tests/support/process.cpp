#include "tests/support/process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>
#include <thread>

#include "tests/support/temp_dir.hpp"

namespace feedd::test {

child_process::child_process(const std::string& program, const std::vector<std::string>& args,
                             const std::filesystem::path& dir,
                             const std::vector<std::string>& extra_env)
    : out_path_(dir / "stdout.txt"), err_path_(dir / "stderr.txt") {
    std::vector<std::string> argv_storage{program};
    argv_storage.insert(argv_storage.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_storage)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    // Built before fork: the child may only make async-signal-safe calls.
    std::vector<std::string> env_storage(extra_env);
    for (char** e = environ; *e != nullptr; ++e)
        env_storage.emplace_back(*e);
    std::vector<char*> envp;
    for (auto& e : env_storage)
        envp.push_back(e.data());
    envp.push_back(nullptr);

    const int out_fd = ::open(out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    const int err_fd = ::open(err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out_fd < 0 || err_fd < 0)
        throw std::runtime_error("cannot create output files in " + dir.string());
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork failed");
    if (pid_ == 0) {
        ::dup2(out_fd, STDOUT_FILENO);
        ::dup2(err_fd, STDERR_FILENO);
        const int null_fd = ::open("/dev/null", O_RDONLY);
        if (null_fd >= 0) ::dup2(null_fd, STDIN_FILENO);
        ::execve(program.c_str(), argv.data(), envp.data());
        ::_exit(127);
    }
    ::close(out_fd);
    ::close(err_fd);
}

child_process::~child_process() {
    if (running()) {
        ::kill(pid_, SIGKILL);
        wait(std::chrono::seconds(5));
    }
}

void child_process::send(int signal) const {
    ::kill(pid_, signal);
}

bool child_process::running() {
    if (status_) return false;
    int status = 0;
    const pid_t done = ::waitpid(pid_, &status, WNOHANG);
    if (done == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
        return false;
    }
    return done == 0;
}

std::optional<int> child_process::wait(std::chrono::milliseconds timeout) {
    eventually([this] { return !running(); }, timeout);
    return status_;
}

std::string child_process::out() const {
    return read_file(out_path_);
}
std::string child_process::err() const {
    return read_file(err_path_);
}

run_result run_feedd(const std::vector<std::string>& args, const std::filesystem::path& dir,
                     std::chrono::seconds timeout) {
    child_process child(FEEDD_BINARY, args, dir);
    const auto code = child.wait(timeout);
    run_result r;
    r.exit_code = code.value_or(-1000);
    r.out = child.out();
    r.err = child.err();
    return r;
}

}  // namespace feedd::test
