#include "daemon/web_store.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "storage/search.hpp"
#include "storage/topics.hpp"

namespace feedd::daemon {

namespace {

class database_web_store final : public web_store {
  public:
    explicit database_web_store(storage::database db) : db_(std::move(db)) {}

    std::vector<storage::feed_row> feeds() override { return db_.feeds(); }
    std::vector<topic_view> topics() override {
        std::vector<topic_view> out;
        // The pages show no last_update: leave out the read of every timeline story.
        for (const auto& t : storage::list_topics(db_, false)) {
            if (!t.active) continue;  // left the configuration; its timeline stays stored
            out.push_back({t.name, t.stories, t.last_added});
        }
        return out;
    }
    std::optional<std::vector<story_view>> timeline(std::string_view topic,
                                                    std::optional<web_time> since,
                                                    int limit) override {
        const auto entries = storage::load_timeline(db_, topic, since, limit);
        if (!entries) return std::nullopt;
        std::vector<story_view> out;
        out.reserve(entries->size());
        for (const auto& e : *entries)
            out.push_back(to_web_story(e.story));
        return out;
    }
    std::optional<story_view> story(std::int64_t id) override {
        const auto s = db_.load_story(id);
        if (!s) return std::nullopt;
        return to_web_story(*s);
    }
    std::vector<story_view> stories(std::optional<web_time> since, int min_sources,
                                    int limit) override {
        storage::story_query q;
        q.since = since;
        q.min_sources = min_sources;
        q.limit = limit;
        std::vector<story_view> out;
        for (const auto& s : db_.list_stories(q))
            out.push_back(to_web_story(s));
        return out;
    }
    // Search finds items; the answer is their stories, in the order of their best item.
    search_answer search(std::string_view expression, std::optional<std::string> topic,
                         int limit) override {
        storage::search_request request;
        request.expression = std::string(expression);
        request.topic = std::move(topic);
        request.limit = limit;
        // Two reader threads serve every request: one search must not hold one for long.
        request.max_examined = max_search_examined;
        const auto found = storage::search(db_, request);
        if (!found.error.empty()) throw search_error(found.error);
        std::vector<std::int64_t> ids;
        std::set<std::int64_t> seen;
        for (const auto& item : found.items) {
            if (item.story_id && seen.insert(*item.story_id).second) ids.push_back(*item.story_id);
        }
        search_answer out;
        out.stopped_early = found.stopped_early;
        out.stories.reserve(ids.size());
        for (const auto& s : db_.load_stories(ids))
            out.stories.push_back(to_web_story(s));
        return out;
    }

  private:
    storage::database db_;
};

}  // namespace

story_view to_web_story(const storage::story_view& s) {
    story_view v;
    v.id = s.id;
    v.title = s.title.value_or("");
    v.link = s.link;
    v.summary = s.summary;
    v.first_seen = s.first_seen;
    v.updated = s.last_seen;
    for (const auto& source : s.sources)
        v.sources.push_back(source.name);
    for (const auto& m : s.items) {
        story_item_view item;
        item.feed = m.feed;
        item.source = m.source;
        item.title = m.title;
        item.link = m.link;
        item.published = m.published;
        item.first_seen = m.story_time;
        // The entry changes when an outlet joins: that is when it was clustered.
        v.updated = std::max(v.updated, m.clustered_at);
        v.items.push_back(std::move(item));
    }
    return v;
}

std::vector<story_event> story_events(const storage::database& db,
                                      const std::vector<storage::story_assignment>& decisions) {
    // Several items of one refresh may land in one story: one event for it.
    std::map<std::int64_t, bool> touched;  // story id → started in this refresh
    for (const auto& d : decisions)
        touched[d.story_id] = touched[d.story_id] || d.new_story;
    std::vector<story_event> out;
    std::vector<std::int64_t> ids;
    for (const auto& [id, started] : touched)
        ids.push_back(id);
    for (const auto& s : db.load_stories(ids)) {
        if (s.items.empty()) continue;
        const auto id = s.id;
        const bool started = touched[id];
        const auto& joined = s.items.back();
        const auto source = std::find_if(s.sources.begin(), s.sources.end(), [&](const auto& src) {
            return src.name == joined.source;
        });
        const bool new_source = source != s.sources.end() && source->first_item == joined.item_id;
        if (!started && !new_source) continue;  // one more copy from an outlet it had
        story_event e;
        e.what = started ? story_event::kind::new_story : story_event::kind::new_source;
        e.story_id = id;
        e.title = s.title.value_or("");
        e.link = s.link;
        e.source = joined.source;
        for (const auto& src : s.sources)
            e.sources.push_back(src.name);
        e.topics = storage::topics_of_story(db, id);
        out.push_back(std::move(e));
    }
    return out;
}

std::unique_ptr<web_store> open_web_store(const std::filesystem::path& database) {
    return std::make_unique<database_web_store>(
        storage::database::open(database, storage::open_mode::read_only));
}

}  // namespace feedd::daemon
