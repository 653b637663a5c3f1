// The daemon's digest thread: once a second it checks each topic's digest schedule (in the
// topic's time zone), records the digest of a period that has come due and has no digest yet,
// and sends pending digests whose retry time has come. It owns its own read-write connection
// (SQLite serialises it with the writer thread), so slow SMTP never blocks ingest or the I/O
// loop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "daemon/config.hpp"

namespace feedd::daemon {

class digest_scheduler {
  public:
    // Starts the thread. The topics must already be synced into the store.
    digest_scheduler(std::filesystem::path db, std::vector<topic_config> topics, mail_config mail);
    ~digest_scheduler();  // stops and joins; a send in progress gives up within about 1s
    digest_scheduler(const digest_scheduler&) = delete;
    digest_scheduler& operator=(const digest_scheduler&) = delete;

    // SIGHUP: the new topics and transport apply from the next check.
    void update(std::vector<topic_config> topics, mail_config mail);

  private:
    void run();

    std::filesystem::path db_;
    std::mutex mutex_;
    std::condition_variable wake_;
    bool stop_ = false;
    std::atomic<bool> cancel_ = false;  // set with stop_: a send in progress gives up
    std::vector<topic_config> topics_;
    mail_config mail_;
    std::thread thread_;
};

}  // namespace feedd::daemon
