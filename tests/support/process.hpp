// Runs the feedd binary (or any program) as a child process for whole-process
// tests: stdout and stderr go to files, waits have deadlines, signals can be sent.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace feedd::test {

class child_process {
  public:
    // Starts program with args; output is captured under dir (stdout.txt, stderr.txt).
    // extra_env ("NAME=value") is added to this process's environment for the child.
    child_process(const std::string& program, const std::vector<std::string>& args,
                  const std::filesystem::path& dir, const std::vector<std::string>& extra_env = {});
    ~child_process();  // kills the child if it is still running
    child_process(const child_process&) = delete;
    child_process& operator=(const child_process&) = delete;

    void send(int signal) const;
    pid_t pid() const { return pid_; }
    // The exit code, -signal if it died by a signal, nullopt if still running at the deadline.
    std::optional<int> wait(std::chrono::milliseconds timeout);
    bool running();

    std::string out() const;
    std::string err() const;

  private:
    pid_t pid_ = -1;
    std::optional<int> status_;
    std::filesystem::path out_path_;
    std::filesystem::path err_path_;
};

struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};

// Runs feedd with args to completion (deadline: 60 s) and returns its exit code and output.
// A run that outlives `timeout` is killed and reports exit code -1000.
run_result run_feedd(const std::vector<std::string>& args, const std::filesystem::path& dir,
                     std::chrono::seconds timeout = std::chrono::seconds(60));

// Polls condition every 20 ms until it holds or the timeout passes; returns the last result.
template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(10));

}  // namespace feedd::test

#include <thread>

namespace feedd::test {

template <class Condition>
bool eventually(Condition condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return condition();
}

}  // namespace feedd::test
