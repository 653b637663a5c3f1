#include "daemon/http_events.hpp"

#include <algorithm>
#include <iterator>

#include <boost/json.hpp>
#include <fmt/format.h>

namespace feedd::daemon {

namespace json = boost::json;

std::string_view event_name(story_event::kind what) {
    switch (what) {
        case story_event::kind::new_story:
            return "story";
        case story_event::kind::new_source:
            return "source";
        case story_event::kind::new_items:
            return "items";
    }
    return "message";
}

std::string format_event(std::uint64_t id, const story_event& e) {
    json::object o;
    if (e.what == story_event::kind::new_items) {
        o["feed"] = e.feed;
        o["new_items"] = e.new_items;
    } else {
        o["id"] = e.story_id;
        o["title"] = e.title;
        o["link"] = e.link ? json::value(*e.link) : json::value(nullptr);
        o["source"] = e.source;
        json::array sources;
        for (const auto& s : e.sources)
            sources.emplace_back(s);
        o["sources"] = std::move(sources);
        json::array topics;
        for (const auto& t : e.topics)
            topics.emplace_back(t);
        o["topics"] = std::move(topics);
    }
    // JSON serialises without raw newlines, so one data: line carries it.
    return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", id, event_name(e.what),
                       json::serialize(o));
}

namespace {

// A topic filter passes story events of that topic; item events carry no topic and go
// only to unfiltered subscribers.
bool passes(const std::optional<std::string>& filter, const std::vector<std::string>& topics) {
    return !filter || std::find(topics.begin(), topics.end(), *filter) != topics.end();
}

}  // namespace

std::shared_ptr<event_hub::subscriber> event_hub::subscribe(
    std::optional<std::string> topic, std::function<void()> wake,
    std::optional<std::uint64_t> last_event_id) {
    auto s = std::make_shared<subscriber>();
    s->topic = std::move(topic);
    s->wake = std::move(wake);
    if (last_event_id) {
        for (const auto& k : recent_) {
            if (k.id > *last_event_id && passes(s->topic, k.topics)) enqueue(*s, k.text);
        }
    }
    // Sessions that ended leave an expired entry, which publish removes. With nothing
    // published (a quiet night, a reader reconnecting in a loop) only this removes them:
    // whenever the list has doubled since the last sweep, so each subscribe pays O(1)
    // amortised and the list holds at most twice what the last sweep left (at least 16).
    if (subscribers_.size() >= 2 * swept_size_) prune();
    subscribers_.push_back(s);
    ever_subscribed_ = true;
    return s;
}

void event_hub::prune() {
    subscribers_.remove_if([](const auto& w) { return w.expired(); });
    swept_size_ = std::max(subscribers_.size(), min_sweep_size);
}

std::vector<event_hub::message> event_hub::subscriber::take() {
    std::vector<message> out(std::make_move_iterator(queue.begin()),
                             std::make_move_iterator(queue.end()));
    queue.clear();
    queued_bytes = 0;
    return out;
}

void event_hub::enqueue(subscriber& s, const message& m) {
    if (s.overflowed) return;
    if (s.queue.size() >= max_queued || s.queued_bytes + m->size() > max_queued_bytes) {
        s.overflowed = true;
        s.queue.clear();
        s.queued_bytes = 0;
        return;
    }
    s.queue.push_back(m);
    s.queued_bytes += m->size();
}

void event_hub::publish(const story_event& event) {
    const auto id = next_id_++;
    const auto text = std::make_shared<const std::string>(format_event(id, event));
    recent_.push_back(kept{id, event.topics, text});
    if (recent_.size() > replay_capacity) recent_.pop_front();
    for (auto it = subscribers_.begin(); it != subscribers_.end();) {
        const auto s = it->lock();
        if (!s) {
            it = subscribers_.erase(it);
            continue;
        }
        ++it;
        if (!passes(s->topic, event.topics)) continue;
        if (s->overflowed) continue;
        enqueue(*s, text);
        if (s->wake) s->wake();
    }
}

std::size_t event_hub::subscribers() {
    prune();
    return subscribers_.size();
}

}  // namespace feedd::daemon
