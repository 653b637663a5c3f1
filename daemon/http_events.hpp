// The in-process event hub behind GET /events (Server-Sent Events). The ingest path
// publishes after its transaction commits; each /events session subscribes with an
// optional topic filter and is woken to write what queued up. Loop thread only: no
// locks, publish and the sessions all run on the I/O loop.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace feedd::daemon {

struct story_event {
    enum class kind { new_story, new_source, new_items };
    kind what = kind::new_story;
    std::int64_t story_id = 0;
    std::string title;
    std::optional<std::string> link;
    std::string source;                // the outlet that started or joined the story
    std::vector<std::string> sources;  // all outlets now
    std::vector<std::string> topics;   // timelines the story is in
    // new_items only: a feed stored items (until stories exist, the finest event).
    std::string feed;
    int new_items = 0;
};

// "story", "source" or "items": the SSE event name.
std::string_view event_name(story_event::kind what);
// One SSE message: "id: N\nevent: NAME\ndata: {json}\n\n".
std::string format_event(std::uint64_t id, const story_event& event);

class event_hub {
  public:
    struct subscriber {
        std::optional<std::string> topic;  // only stories in this topic
        std::deque<std::string> queue;     // formatted messages not yet written
        bool overflowed = false;           // too slow: the session closes
        std::function<void()> wake;
    };

    // At most this many messages wait per subscriber; a reader that falls further
    // behind is disconnected instead of growing our memory.
    static constexpr std::size_t max_queued = 1000;

    std::shared_ptr<subscriber> subscribe(std::optional<std::string> topic,
                                          std::function<void()> wake);
    void publish(const story_event& event);
    std::size_t subscribers();

  private:
    std::list<std::weak_ptr<subscriber>> subscribers_;
    std::uint64_t next_id_ = 1;
};

}  // namespace feedd::daemon
