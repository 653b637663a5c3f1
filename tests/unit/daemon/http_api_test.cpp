// The pure request handler and renderers over a hand-built store.
#include "daemon/http_api.hpp"

#include <map>
#include <string>
#include <vector>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "daemon/web_render.hpp"
#include "feeds/parse.hpp"

namespace feedd::daemon {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const web_time t0 = std::chrono::sys_days{std::chrono::year{2025} / 6 / 14} + 12h;

story_view wire_story() {
    story_view s;
    s.id = 7;
    s.title = "Putin speaks to Trump, condemns Israel's strikes on Iran";
    s.link = "https://reuters.example/world/putin-trump";
    s.first_seen = t0;
    s.updated = t0 + 20min;
    s.summary = "Kremlin says the call lasted an hour\u2026";
    s.sources = {"Reuters", "Yahoo News", "USA Today"};
    s.items = {
        {"https://reuters.example/rss", "Reuters", s.title, s.link, t0, t0},
        {"https://yahoo.example/rss", "Yahoo News", s.title, "https://yahoo.example/a", t0 + 5min,
         t0 + 5min},
        {"https://usatoday.example/rss", "USA Today", "In Trump phone call, Putin condemns strikes",
         "https://usatoday.example/b", t0 + 20min, t0 + 20min},
    };
    return s;
}

story_view hostile_story() {
    story_view s;
    s.id = 8;
    s.title = "<script>document.title='pwned'</script>Hostile & loud";
    s.link = "javascript:alert(1)";
    s.first_seen = t0;
    s.updated = t0;
    // A plain-text teaser may still spell markup; it is shown as text.
    s.summary = "<script>alert(1)</script> & <b>loud</b>";
    s.sources = {"Evil <b>Outlet</b>"};
    s.items = {{"https://evil.example/rss", "Evil <b>Outlet</b>", s.title, s.link, t0, t0}};
    return s;
}

class fake_store final : public web_store {
  public:
    std::vector<storage::feed_row> feeds() override {
        storage::feed_row f;
        f.id = 1;
        f.config_url = "https://reuters.example/rss";
        f.url = f.config_url;
        f.title = "Reuters";
        f.item_count = 3;
        return {f};
    }
    std::vector<topic_view> topics() override {
        return {{"world", 2, t0 + 20min}, {"empty", 0, std::nullopt}};
    }
    std::optional<std::vector<story_view>> timeline(std::string_view topic,
                                                    std::optional<web_time> since,
                                                    int limit) override {
        last_since = since;
        last_limit = limit;
        if (topic == "empty") return std::vector<story_view>{};
        if (topic != "world") return std::nullopt;
        return std::vector<story_view>{wire_story(), hostile_story()};
    }
    std::optional<story_view> story(std::int64_t id) override {
        if (id == 7) return wire_story();
        return std::nullopt;
    }
    std::vector<story_view> stories(std::optional<web_time> since, int min_sources,
                                    int limit) override {
        last_since = since;
        last_limit = limit;
        last_min_sources = min_sources;
        return {wire_story()};
    }
    search_answer search(std::string_view expression, std::optional<std::string>, int) override {
        if (expression == "(") throw search_error("column 2: expected a term after '('");
        return {{wire_story()}, expression == "feed:example.org"};
    }

    std::optional<web_time> last_since;
    int last_limit = 0;
    int last_min_sources = 0;
};

http_reply get(fake_store& store, std::string target,
               std::vector<std::pair<std::string, std::string>> headers = {}) {
    http_request r{"GET", std::move(target), std::move(headers)};
    metrics_registry metrics;
    declare_feedd_metrics(metrics);
    return handle_request(r, store, &metrics, t0 + 1h);
}

std::string json_error(const http_reply& r) {
    return std::string(json::parse(r.body).as_object().at("error").as_string());
}

TEST(http_api, healthz) {
    fake_store store;
    const auto r = get(store, "/healthz");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "ok\n");
}

TEST(http_api, topics_list) {
    fake_store store;
    const auto r = get(store, "/api/topics");
    ASSERT_EQ(r.status, 200);
    const auto topics = json::parse(r.body).as_array();
    ASSERT_EQ(topics.size(), 2u);
    EXPECT_EQ(topics[0].at("name").as_string(), "world");
    EXPECT_EQ(topics[0].at("stories").as_int64(), 2);
    EXPECT_EQ(topics[0].at("updated").as_string(), "2025-06-14T12:20:00Z");
    EXPECT_TRUE(topics[1].at("updated").is_null());
}

TEST(http_api, timeline_story_objects_have_the_contract_fields) {
    fake_store store;
    const auto r = get(store, "/api/topics/world/timeline?limit=10&since=2h");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(store.last_limit, 10);
    EXPECT_EQ(store.last_since, t0 - 1h);
    const auto stories = json::parse(r.body).as_array();
    ASSERT_EQ(stories.size(), 2u);
    const auto& s = stories[0].as_object();
    EXPECT_EQ(s.at("id").as_int64(), 7);
    EXPECT_EQ(s.at("first_seen").as_string(), "2025-06-14T12:00:00Z");
    ASSERT_EQ(s.at("sources").as_array().size(), 3u);
    EXPECT_EQ(s.at("sources").as_array()[0].as_string(), "Reuters");
    const auto& item = s.at("items").as_array()[2].as_object();
    EXPECT_EQ(item.at("source").as_string(), "USA Today");
    EXPECT_EQ(item.at("feed").as_string(), "https://usatoday.example/rss");
    EXPECT_EQ(item.at("published").as_string(), "2025-06-14T12:20:00Z");
}

TEST(http_api, since_takes_a_time_too) {
    fake_store store;
    EXPECT_EQ(get(store, "/api/topics/world/timeline?since=2025-06-14T00:00:00Z").status, 200);
    EXPECT_EQ(store.last_since, t0 - 12h);
    EXPECT_EQ(store.last_limit, default_page_limit);
}

TEST(http_api, bad_parameters_are_4xx_json) {
    fake_store store;
    struct bad_case {
        std::string target;
        int status;
        std::string mentions;
    };
    const std::vector<bad_case> cases = {
        {"/api/topics/world/timeline?limit=0", 400, "limit"},
        {"/api/topics/world/timeline?limit=abc", 400, "limit"},
        {"/api/topics/world/timeline?limit=100000", 400, "1 to 1000"},
        {"/api/topics/world/timeline?since=yesterday", 400, "since"},
        {"/api/topics/world/timeline?color=red", 400, "color"},
        {"/api/topics/world/timeline?limit=1&limit=2", 400, "twice"},
        {"/api/topics/Not%20A%20Slug/timeline", 400, "Not A Slug"},
        {"/api/topics/nope/timeline", 404, "nope"},
        {"/api/stories/abc", 400, "abc"},
        {"/api/stories/-3", 400, "-3"},
        {"/api/stories/99", 404, "99"},
        {"/api/search", 400, "q="},
        {"/api/search?q=%28", 400, "column 2"},
        {"/api/nothing", 404, "/api/nothing"},
        {"/nothing/here", 404, "/nothing/here"},
        {"/topics/nope.atom", 404, "nope"},
        {"/topics/BAD.json", 400, "BAD"},
        {"/healthz?x=1", 400, "x"},
        {"/%zz", 400, "not a valid path"},
    };
    for (const auto& c : cases) {
        const auto r = get(store, c.target);
        EXPECT_EQ(r.status, c.status) << c.target << " " << r.body;
        EXPECT_EQ(r.content_type, "application/json; charset=utf-8") << c.target;
        EXPECT_NE(json_error(r).find(c.mentions), std::string::npos) << c.target << " " << r.body;
    }
}

TEST(http_api, methods_other_than_get_and_head_are_405) {
    fake_store store;
    http_request r{"POST", "/api/topics", {}};
    const auto reply = handle_request(r, store, nullptr, t0);
    EXPECT_EQ(reply.status, 405);
    EXPECT_NE(json_error(reply).find("POST"), std::string::npos);
}

TEST(http_api, story_by_id) {
    fake_store store;
    const auto r = get(store, "/api/stories/7");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(json::parse(r.body).at("title").as_string(), wire_story().title);
}

TEST(http_api, story_list) {
    fake_store store;
    const auto r = get(store, "/api/stories?min_sources=2&limit=5&since=1d");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(store.last_min_sources, 2);
    EXPECT_EQ(store.last_limit, 5);
    EXPECT_EQ(store.last_since, t0 + 1h - 24h);
    EXPECT_EQ(json::parse(r.body).as_array().size(), 1u);
    EXPECT_EQ(get(store, "/api/stories?min_sources=0").status, 400);
}

TEST(http_api, search_with_topic) {
    fake_store store;
    const auto r = get(store, "/api/search?q=putin%20AND%20iran&topic=world&limit=5");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).as_array().size(), 1u);
    for (const auto& [name, value] : r.headers)
        EXPECT_NE(name, "X-Search-Incomplete");
}

TEST(http_api, a_search_stopped_early_says_so_in_a_header) {
    fake_store store;  // says so for this expression
    const auto r = get(store, "/api/search?q=feed%3Aexample.org");
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(json::parse(r.body).as_array().size(), 1u);
    std::map<std::string, std::string> headers(r.headers.begin(), r.headers.end());
    ASSERT_TRUE(headers.count("X-Search-Incomplete"));
    EXPECT_NE(headers["X-Search-Incomplete"].find("stopped after 20000 items"), std::string::npos);
}

TEST(http_api, etag_and_last_modified_give_304) {
    fake_store store;
    const auto first = get(store, "/topics/world.atom");
    ASSERT_EQ(first.status, 200);
    std::map<std::string, std::string> headers(first.headers.begin(), first.headers.end());
    ASSERT_TRUE(headers.count("ETag"));
    EXPECT_EQ(headers["Last-Modified"], "Sat, 14 Jun 2025 12:20:00 GMT");
    const auto again = get(store, "/topics/world.atom", {{"If-None-Match", headers["ETag"]}});
    EXPECT_EQ(again.status, 304);
    EXPECT_TRUE(again.body.empty());
    const auto weak =
        get(store, "/topics/world.atom", {{"If-None-Match", "\"x\", W/" + headers["ETag"]}});
    EXPECT_EQ(weak.status, 304);
    const auto other = get(store, "/topics/world.atom", {{"If-None-Match", "\"other\""}});
    EXPECT_EQ(other.status, 200);
    const auto since =
        get(store, "/topics/world.json", {{"If-Modified-Since", "Sat, 14 Jun 2025 12:20:00 GMT"}});
    EXPECT_EQ(since.status, 304);
    const auto older =
        get(store, "/topics/world.json", {{"If-Modified-Since", "Sat, 14 Jun 2025 12:19:59 GMT"}});
    EXPECT_EQ(older.status, 200);
}

TEST(http_api, atom_feed_parses_back_with_one_entry_per_story) {
    fake_store store;
    const auto r = get(store, "/topics/world.atom");
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "application/atom+xml; charset=utf-8");
    const auto parsed =
        feeds::parse(r.body, "http://127.0.0.1:8080/topics/world.atom", "application/atom+xml");
    ASSERT_TRUE(parsed) << parsed.error;
    ASSERT_EQ(parsed.feed->items.size(), 2u);
    const auto& entry = parsed.feed->items[0];
    EXPECT_EQ(entry.title, wire_story().title);
    EXPECT_EQ(entry.link, "https://reuters.example/world/putin-trump");
    ASSERT_TRUE(entry.content_html);
    EXPECT_NE(entry.content_html->find("Reported by 3 sources"), std::string::npos);
    EXPECT_NE(entry.content_html->find("USA Today"), std::string::npos);
    // The hostile story's javascript: link is not a link in the feed.
    EXPECT_FALSE(parsed.feed->items[1].link &&
                 parsed.feed->items[1].link->find("javascript") != std::string::npos);
}

TEST(http_api, json_feed_is_version_1_1) {
    fake_store store;
    const auto r = get(store, "/topics/world.json");
    ASSERT_EQ(r.status, 200);
    const auto feed = json::parse(r.body).as_object();
    EXPECT_EQ(feed.at("version").as_string(), "https://jsonfeed.org/version/1.1");
    const auto& items = feed.at("items").as_array();
    ASSERT_EQ(items.size(), 2u);
    EXPECT_EQ(items[0].at("id").as_string(), "tag:feedd.invalid,2025:story/7");
    EXPECT_EQ(items[0].at("date_modified").as_string(), "2025-06-14T12:20:00Z");
    EXPECT_FALSE(items[1].as_object().contains("url"));
    const auto parsed =
        feeds::parse(r.body, "http://127.0.0.1/topics/world.json", "application/feed+json");
    ASSERT_TRUE(parsed) << parsed.error;
    EXPECT_EQ(parsed.feed->items.size(), 2u);
}

TEST(http_api, pages_escape_and_sanitise_everything) {
    fake_store store;
    for (const auto* target : {"/", "/topics/world"}) {
        const auto r = get(store, target);
        ASSERT_EQ(r.status, 200) << target;
        EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
        EXPECT_EQ(r.body.find("<script"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("onerror"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("javascript:"), std::string::npos) << target;
        EXPECT_EQ(r.body.find("<b>Outlet"), std::string::npos) << target;
        EXPECT_NE(r.body.find("Evil &lt;b&gt;Outlet&lt;/b&gt;"), std::string::npos) << target;
        EXPECT_NE(r.body.find("3 sources"), std::string::npos) << target;
        std::map<std::string, std::string> headers(r.headers.begin(), r.headers.end());
        EXPECT_NE(headers["Content-Security-Policy"].find("default-src 'none'"), std::string::npos);
    }
    const auto topic = get(store, "/topics/world");
    EXPECT_NE(
        topic.body.find("<p class=\"summary\">Kremlin says the call lasted an hour\u2026</p>"),
        std::string::npos);
    EXPECT_NE(topic.body.find("<p class=\"summary\">&lt;script&gt;alert(1)&lt;/script&gt; &amp; "
                              "&lt;b&gt;loud&lt;/b&gt;</p>"),
              std::string::npos);
    EXPECT_NE(topic.body.find(">40 min ago</time>"), std::string::npos);  // USA Today's copy
    EXPECT_NE(topic.body.find(">1 h ago</time>"), std::string::npos);     // the story
}

TEST(http_api, cards_of_huge_stories_stay_small) {
    auto big = wire_story();
    big.sources.clear();
    big.items.clear();
    for (int i = 0; i < 500; ++i) {
        big.sources.push_back("Outlet " + std::to_string(i));
        big.items.push_back({"https://o.example/rss", "Outlet " + std::to_string(i), "Copy",
                             "https://o.example/" + std::to_string(i), t0, t0});
    }
    const auto html = topic_page({"world", 1, t0}, {big}, t0);
    EXPECT_LT(html.size(), 12000u);
    EXPECT_NE(html.find("500 sources"), std::string::npos);
    EXPECT_NE(html.find("Outlet 5 and 494 more"), std::string::npos);
    EXPECT_NE(html.find(">492 more copies</a>"), std::string::npos);
}

TEST(http_api, bearer_token) {
    const std::optional<std::string> token = "0123456789abcdef";
    EXPECT_TRUE(authorised({"GET", "/", {}}, std::nullopt));
    EXPECT_FALSE(authorised({"GET", "/", {}}, token));
    EXPECT_TRUE(authorised({"GET", "/", {{"Authorization", "Bearer 0123456789abcdef"}}}, token));
    EXPECT_TRUE(authorised({"GET", "/", {{"authorization", "bearer 0123456789abcdef"}}}, token));
    EXPECT_FALSE(authorised({"GET", "/", {{"Authorization", "Bearer 0123456789abcdeX"}}}, token));
    EXPECT_FALSE(authorised({"GET", "/", {{"Authorization", "Bearer 0123456789abcde"}}}, token));
    EXPECT_FALSE(authorised({"GET", "/", {{"Authorization", "Basic 0123456789abcdef"}}}, token));
}

}  // namespace
}  // namespace feedd::daemon

namespace feedd::daemon {
namespace {

TEST(http_gzip, replies_are_gzipped_only_when_accepted_and_say_vary) {
    fake_store store;
    http_request plain{"GET", "/topics/world.atom", {}};
    const auto as_is = handle_request(plain, store, nullptr, t0);
    http_request packed{"GET", "/topics/world.atom", {{"Accept-Encoding", "gzip"}}};
    const auto gz = handle_request(packed, store, nullptr, t0);
    std::map<std::string, std::string> h1(as_is.headers.begin(), as_is.headers.end());
    std::map<std::string, std::string> h2(gz.headers.begin(), gz.headers.end());
    EXPECT_EQ(h1.count("Content-Encoding"), 0u);
    EXPECT_EQ(h1["Vary"], "Accept-Encoding");
    EXPECT_EQ(h2["Content-Encoding"], "gzip");
    EXPECT_EQ(h2["Vary"], "Accept-Encoding");
    EXPECT_EQ(gz.body.substr(0, 2), std::string("\x1f\x8b", 2));
    EXPECT_NE(h1["ETag"], h2["ETag"]);
    // A 404's JSON error is not a representation worth varying.
    const auto missing =
        handle_request({"GET", "/nope", {{"Accept-Encoding", "gzip"}}}, store, nullptr, t0);
    std::map<std::string, std::string> h3(missing.headers.begin(), missing.headers.end());
    EXPECT_EQ(h3.count("Content-Encoding"), 0u);
}

}  // namespace
}  // namespace feedd::daemon
