// How many polls the daemon keeps in flight (daemon/service.cpp, dispatch): back-pressure from
// the writer. The writer is a cold poll's bottleneck; without a bound every fetch in flight
// would wait parsed, with its items, index text and JSON, in the writer's queue (64 documents
// in the benchmark, ~7 MiB of peak RSS). The window grows by one with each completed fetch
// while fewer than max_documents fetched documents wait to be written, and shrinks by one while
// more do. Against a fast server it stays near max_documents; against a slow one the writer
// keeps up and it reaches max_concurrency after a few round trips, as TCP's slow start does.
// After an idle pipeline it starts small again. It only acts when `[fetch] concurrency` is
// above max_documents (10 in service.cpp). Pure; loop thread only.
#pragma once

#include <algorithm>

namespace feedd::daemon {

class fetch_window {
  public:
    fetch_window(int max_concurrency, int max_documents)
        : max_(std::max(1, max_concurrency)),
          min_(std::clamp(max_documents, 1, max_)),
          limit_(min_) {}

    int limit() const { return limit_; }

    // A fetch completed while `documents` fetched documents (this one included) wait to be
    // written (service.cpp: a written document is in the open group, no longer ours).
    void fetched(int documents) {
        limit_ = documents <= min_ ? std::min(limit_ + 1, max_) : std::max(limit_ - 1, min_);
    }

    // Nothing in flight.
    void idle() { limit_ = min_; }

  private:
    int max_;
    int min_;
    int limit_;
};

}  // namespace feedd::daemon
