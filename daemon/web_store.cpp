#include "daemon/web_store.hpp"

#include <utility>

namespace feedd::daemon {

namespace {

// Topics and stories come from storage's topic and story read functions; until
// those exist in this build the store has feeds only, and every topic is unknown.
class database_web_store final : public web_store {
  public:
    explicit database_web_store(storage::database db) : db_(std::move(db)) {}

    std::vector<storage::feed_row> feeds() override { return db_.feeds(); }
    std::vector<topic_view> topics() override { return {}; }
    std::optional<std::vector<story_view>> timeline(std::string_view, std::optional<web_time>,
                                                    int) override {
        return std::nullopt;
    }
    std::optional<story_view> story(std::int64_t) override { return std::nullopt; }
    std::vector<story_view> latest_stories(int) override { return {}; }
    std::vector<story_view> search(std::string_view, std::optional<std::string>, int) override {
        return {};
    }

  private:
    storage::database db_;
};

}  // namespace

std::unique_ptr<web_store> open_web_store(const std::filesystem::path& database) {
    return std::make_unique<database_web_store>(
        storage::database::open(database, storage::open_mode::read_only));
}

}  // namespace feedd::daemon
