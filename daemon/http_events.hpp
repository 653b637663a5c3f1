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
#include <utility>
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
    // One formatted message, shared by the replay buffer and every queue it waits in: a
    // copy per subscriber made a story with a long title cost its size times the readers.
    using message = std::shared_ptr<const std::string>;

    struct subscriber {
        std::optional<std::string> topic;  // only stories in this topic
        std::deque<message> queue;         // formatted messages not yet written
        std::size_t queued_bytes = 0;      // their sizes, summed
        bool overflowed = false;           // too slow: the session closes
        std::function<void()> wake;

        // Takes the whole queue (the session writes it in one go).
        std::vector<message> take();
    };

    // At most this many messages, or bytes, wait per subscriber; a reader that falls
    // further behind is disconnected instead of growing our memory.
    static constexpr std::size_t max_queued = 1000;
    static constexpr std::size_t max_queued_bytes = 4 * 1024 * 1024;
    // The newest messages kept for readers that reconnect with Last-Event-ID.
    static constexpr std::size_t replay_capacity = 1000;

    // first_id: the id of the first message. The daemon passes its start time in
    // microseconds, so ids keep growing across restarts and an id from an earlier run is
    // older than every id of this one.
    explicit event_hub(std::uint64_t first_id = 1) : next_id_(first_id) {}

    // With last_event_id, the kept messages after it that pass the filter are queued at
    // once (all of them for an id older than this hub's; none for one it never gave).
    std::shared_ptr<subscriber> subscribe(std::optional<std::string> topic,
                                          std::function<void()> wake,
                                          std::optional<std::uint64_t> last_event_id = {});
    void publish(const story_event& event);
    // The live subscribers (expired entries are dropped first).
    std::size_t subscribers();
    // Entries in the subscriber list, expired ones included: what the hub's memory holds.
    std::size_t entries() const { return subscribers_.size(); }
    // True once anyone has subscribed: from then on events are worth building even while
    // nobody listens, since a reader that comes back asks for what it missed.
    bool wanted() const { return ever_subscribed_; }

  private:
    struct kept {
        std::uint64_t id;
        std::vector<std::string> topics;
        message text;
    };
    // Queues m for s, or marks s overflowed when that would pass a bound.
    static void enqueue(subscriber& s, const message& m);
    // Drops the expired entries of subscribers_.
    void prune();
    // subscribe sweeps once the list reaches twice its size after the last sweep (and at
    // least this), so a reconnect loop with nothing published cannot grow it without bound.
    static constexpr std::size_t min_sweep_size = 16;
    std::list<std::weak_ptr<subscriber>> subscribers_;
    std::size_t swept_size_ = min_sweep_size;
    std::deque<kept> recent_;
    std::uint64_t next_id_;
    bool ever_subscribed_ = false;
};

}  // namespace feedd::daemon
