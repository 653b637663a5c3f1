// Search: FTS5 narrows, the topic matcher decides; a real SQLite file per test.
#include "storage/search.hpp"
#include "tests/unit/storage/downgrade.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "storage/topics.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::storage {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

const timestamp t0{seconds{1'700'000'000}};

feeds::item item(std::string id, std::string title, std::string summary = {},
                 std::vector<std::string> categories = {}) {
    feeds::item it;
    it.id = std::move(id);
    it.title = std::move(title);
    if (!summary.empty()) it.summary = std::move(summary);
    it.categories = std::move(categories);
    return it;
}

class search_test : public ::testing::Test {
  protected:
    void SetUp() override {
        feed_spec wire;
        wire.config_url = "https://wire.example.org/rss";
        wire.title = "Wire";
        wire.tags = {"wire"};
        feed_spec blog;
        blog.config_url = "https://blog.example.org/feed";
        blog.tags = {"blogs"};
        const auto rows = db_.sync_feeds({wire, blog}, t0);
        wire_id_ = rows[0].id;
        blog_id_ = rows[1].id;
        store(wire_id_, t0,
              {item("w1", "Putin and Trump meet in Helsinki", "Talks on Ukraine."),
               item("w2", "Iranian oil exports rise", "Tehran ships more crude."),
               item("w3", "Zürich votes on café hours", "Straße closed for the count."),
               item("w4", "Football: Iran beats Spain", "The Iran team wins.", {"Sport"})});
        store(blog_id_, t0 + hours(1),
              {item("b1", "My trip to Iran", "Notes on Tehran and the talks."),
               item("b2", "Recipes", R"~(He said "quote" -- and left; title:"x" OR (NOT)")~")});
    }

    void store(std::int64_t feed_id, timestamp at, std::vector<feeds::item> items) {
        refresh r;
        r.feed_id = feed_id;
        r.fetched_at = at;
        r.outcome = "ok";
        r.http_status = 200;
        r.success = true;
        r.items = std::move(items);
        r.next_poll = at + hours(1);
        db_.store_refresh(r);
    }

    std::vector<std::string> titles(const std::string& expression,
                                    std::optional<std::string> topic = std::nullopt) {
        search_request request;
        request.expression = expression;
        request.topic = std::move(topic);
        const auto response = search(db_, request);
        EXPECT_EQ(response.error, "") << expression;
        std::vector<std::string> out;
        for (const auto& it : response.items)
            out.push_back(it.title.value_or(""));
        return out;
    }

    // 600 more matches: past the point where search walks items_newest instead of sorting.
    void store_600_reports() {
        std::vector<feeds::item> many;
        for (int i = 0; i < 600; ++i) {
            auto it = item(fmt::format("m{}", i), fmt::format("Iran report {}", i));
            it.published = t0 - hours(1000) + hours(i);
            many.push_back(std::move(it));
        }
        store(wire_id_, t0 + hours(2), std::move(many));
    }

    void expect_the_newest_reports() {
        search_request request;
        request.expression = "iran -football";
        request.limit = 3;
        auto found = search(db_, request);
        ASSERT_EQ(found.items.size(), 3U);
        // b1 was fetched last and has no date: newest; then the reports, newest first.
        EXPECT_EQ(found.items[0].title, "My trip to Iran");
        EXPECT_EQ(found.items[1].title, "Iran report 599");
        EXPECT_EQ(found.items[2].title, "Iran report 598");
        request.since = t0 - hours(1000) + hours(598);
        request.limit = 50;
        found = search(db_, request);
        ASSERT_EQ(found.items.size(), 3U);
        EXPECT_EQ(found.items[2].title, "Iran report 598");
    }

    test::temp_dir tmp_;
    const std::filesystem::path path_ = tmp_ / "feedd.db";
    database db_ = database::open(path_, open_mode::read_write);
    std::int64_t wire_id_ = 0;
    std::int64_t blog_id_ = 0;
};

using titles_t = std::vector<std::string>;

TEST_F(search_test, words_are_whole_accent_and_case_insensitive_newest_first) {
    EXPECT_EQ(titles("iran"), (titles_t{"My trip to Iran", "Football: Iran beats Spain"}));
    EXPECT_EQ(titles("iran*"), (titles_t{"My trip to Iran", "Football: Iran beats Spain",
                                         "Iranian oil exports rise"}));
    EXPECT_EQ(titles("ZURICH CAFE"), (titles_t{"Zürich votes on café hours"}));
    EXPECT_EQ(titles("strasse"), (titles_t{"Zürich votes on café hours"}));  // ß folds to ss
    EXPECT_EQ(titles("tehran"), (titles_t{"My trip to Iran", "Iranian oil exports rise"}));
}

TEST_F(search_test, phrases_fields_and_operators) {
    EXPECT_EQ(titles(R"("putin and trump")"), (titles_t{"Putin and Trump meet in Helsinki"}));
    EXPECT_EQ(titles(R"("trump and putin")"), titles_t{});
    EXPECT_EQ(titles("title:tehran"), titles_t{});
    EXPECT_EQ(titles("text:tehran title:iran"), (titles_t{"My trip to Iran"}));
    EXPECT_EQ(titles("iran -football"), (titles_t{"My trip to Iran"}));
    // The index narrows a phrase to items with all its words; the matcher keeps the order.
    EXPECT_EQ(titles(R"("iran beats")"), (titles_t{"Football: Iran beats Spain"}));
    EXPECT_EQ(titles(R"("beats iran")"), titles_t{});
    EXPECT_EQ(titles(R"(title:"trip to")"), (titles_t{"My trip to Iran"}));
    EXPECT_EQ(titles(R"(title:"to trip")"), titles_t{});
    EXPECT_EQ(titles("helsinki OR spain"),
              (titles_t{"Football: Iran beats Spain", "Putin and Trump meet in Helsinki"}));
}

TEST_F(search_test, fields_outside_the_index_are_checked_by_the_matcher) {
    EXPECT_EQ(titles("iran tag:wire"), (titles_t{"Football: Iran beats Spain"}));
    EXPECT_EQ(titles("iran feed:blog"), (titles_t{"My trip to Iran"}));
    EXPECT_EQ(titles("source:wire tehran"), (titles_t{"Iranian oil exports rise"}));
    // No indexed word at all: a scan, still exact.
    EXPECT_EQ(titles("category:sport"), (titles_t{"Football: Iran beats Spain"}));
    EXPECT_EQ(titles("-tag:wire"), (titles_t{"Recipes", "My trip to Iran"}));
}

TEST_F(search_test, hostile_input_never_reaches_fts5_as_syntax) {
    // Each of these would be an FTS5 syntax error or change the query if pasted in.
    EXPECT_EQ(titles(R"("quote")"), (titles_t{"Recipes"}));
    EXPECT_EQ(titles(R"(left; "title x")"), (titles_t{"Recipes"}));
    EXPECT_EQ(titles("NEAR(putin trump)"), titles_t{});  // a rule group of words, not NEAR
    EXPECT_EQ(titles("putin^ trump*"), (titles_t{"Putin and Trump meet in Helsinki"}));
    EXPECT_EQ(titles(R"("col:umn")"), (titles_t{}));
}

TEST_F(search_test, a_bad_expression_is_an_error_with_its_column) {
    search_request request;
    request.expression = "iran OR";
    const auto response = search(db_, request);
    EXPECT_TRUE(response.items.empty());
    EXPECT_EQ(response.error_column, 8U);
    EXPECT_NE(response.error.find("column 8: expected"), std::string::npos) << response.error;
}

TEST_F(search_test, within_a_topic_its_rule_and_scopes_apply) {
    sync_topics(db_,
                {topic_spec{"iran", "iran* OR tehran", {}, {}},
                 topic_spec{"wire-iran", "iran*", {"https://wire.example.org/rss"}, {}},
                 topic_spec{"blogs", "trip OR recipes", {}, {"blogs"}}},
                t0);
    EXPECT_EQ(titles("tehran", "iran"), (titles_t{"My trip to Iran", "Iranian oil exports rise"}));
    EXPECT_EQ(titles("tehran", "wire-iran"), (titles_t{"Iranian oil exports rise"}));
    EXPECT_EQ(titles("-football", "blogs"), (titles_t{"Recipes", "My trip to Iran"}));
    search_request request;
    request.expression = "iran";
    request.topic = "nope";
    EXPECT_NE(search(db_, request).error.find(R"(no topic named "nope")"), std::string::npos);
}

TEST_F(search_test, limit_and_since) {
    search_request request;
    request.expression = "iran* OR tehran";
    request.limit = 2;
    EXPECT_EQ(search(db_, request).items.size(), 2U);
    request.limit = 50;
    request.since = t0 + hours(1);
    EXPECT_EQ(search(db_, request).items.size(), 1U);
}

TEST_F(search_test, a_bound_on_candidates_stops_a_search_the_index_cannot_narrow) {
    // Six items, none from a feed named "nowhere": without a bound every item is read.
    search_request request;
    request.expression = "feed:nowhere";
    auto found = search(db_, request);
    EXPECT_TRUE(found.items.empty());
    EXPECT_FALSE(found.stopped_early);

    request.max_examined = 4;
    found = search(db_, request);
    EXPECT_TRUE(found.items.empty());
    EXPECT_TRUE(found.stopped_early);

    // Found within the bound: complete. The blog's two items are the newest.
    request.expression = "feed:blog";
    request.limit = 2;
    found = search(db_, request);
    EXPECT_EQ(found.items.size(), 2U);
    EXPECT_FALSE(found.stopped_early);
    // The same rule when the bound comes first: what was found, flagged.
    request.limit = 50;
    request.max_examined = 1;
    found = search(db_, request);
    EXPECT_EQ(found.items.size(), 1U);
    EXPECT_TRUE(found.stopped_early);
}

TEST_F(search_test, a_common_word_walks_the_date_index_with_the_same_answer) {
    store_600_reports();
    expect_the_newest_reports();
}

TEST_F(search_test, a_common_word_is_found_while_a_first_import_goes_without_the_date_index) {
    store_600_reports();
    // As database::defer_time_indexes leaves a first import: without items_newest, a common
    // word's matches are sorted instead of walked (naming the index failed the search).
    SQLite::Database(path_.string(), SQLite::OPEN_READWRITE).exec("DROP INDEX items_newest");
    expect_the_newest_reports();
    auto reader = database::open(path_, open_mode::read_only);
    search_request request;
    request.expression = "iran";
    request.limit = 1;
    const auto found = search(reader, request);
    EXPECT_EQ(found.error, "");
    ASSERT_EQ(found.items.size(), 1U);
    EXPECT_EQ(found.items[0].title, "My trip to Iran");
}

TEST_F(search_test, read_only_connections_search_too) {
    auto reader = database::open(path_, open_mode::read_only);
    search_request request;
    request.expression = "helsinki";
    EXPECT_EQ(search(reader, request).items.size(), 1U);
}

TEST_F(search_test, deleting_a_feed_removes_its_items_from_the_index) {
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA foreign_keys = ON");
        register_index_functions(raw);  // the delete trigger folds the deleted items' text
        raw.exec("DELETE FROM feeds WHERE config_url = 'https://blog.example.org/feed'");
        EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM items").getInt(), 4);
        // Compares the index with the items: words of a deleted item left behind fail it.
        EXPECT_NO_THROW(
            raw.exec("INSERT INTO items_fts (items_fts, rank) "
                     "VALUES ('integrity-check', 1)"));
        EXPECT_EQ(
            raw.execAndGet("SELECT count(*) FROM items_fts WHERE items_fts MATCH 'trip'").getInt(),
            0);
    }
    EXPECT_EQ(titles("iran"), (titles_t{"Football: Iran beats Spain"}));
}

TEST_F(search_test, a_connection_without_the_fold_functions_cannot_delete_items) {
    // The sqlite3 shell, say: the delete trigger cannot tell FTS5 which words to forget (nor
    // split them: feedd_folded), so the delete fails as a whole instead of leaving the index
    // out of step.
    SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
    raw.exec("PRAGMA foreign_keys = ON");
    try {
        raw.exec("DELETE FROM feeds WHERE config_url = 'https://blog.example.org/feed'");
        ADD_FAILURE() << "the delete ran without the fold functions";
    } catch (const SQLite::Exception& e) {
        EXPECT_NE(std::string(e.what()).find("feedd_fold"), std::string::npos) << e.what();
    }
    EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM items").getInt(), 6);
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(search_test, integrity_check_reports_an_index_out_of_step_with_the_items) {
    EXPECT_EQ(db_.integrity_check(), "ok");
    {
        // Forget one item's words by hand, as a delete with the wrong text would.
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        register_index_functions(raw);
        raw.exec(R"sql(
INSERT INTO items_fts (items_fts, rowid, title, text)
SELECT 'delete', id, title, text FROM items_fts_source WHERE id = (SELECT min(id) FROM items)
)sql");
    }
    const auto report = db_.integrity_check();
    EXPECT_NE(report.find("items_fts does not match the items"), std::string::npos) << report;
}

// The index is handed each word of a column once (fold_for_index keeps a word's first
// occurrence); version 8 handed it every repeat, which FTS5's integrity-check and deletes
// then disagree with. Migration 9 indexes the stored rows again.
TEST_F(search_test, upgrading_from_version_8_indexes_each_word_once) {
    store(blog_id_, t0 + hours(2),
          {item("b9", "Storm storm warning", "Storm hits the coast; the coast road shut.")});
    const auto folded =
        fold_for_index("Storm storm warning", "Storm hits the coast; the coast road shut.", {});
    EXPECT_EQ(folded.title, "storm warning");
    EXPECT_EQ(folded.text, "storm hits the coast; coast road shut.");
    {
        // b9 indexed as version 8 did: every repeat handed to FTS5.
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        register_index_functions(raw);
        test_support::downgrade_to_version_10(raw);
        const auto id = raw.execAndGet("SELECT id FROM items WHERE guid = 'b9'").getInt64();
        SQLite::Statement forget(raw, R"sql(
INSERT INTO items_fts (items_fts, rowid, title, text)
SELECT 'delete', id, title, text FROM items_fts_source WHERE id = ?1
)sql");
        forget.bind(1, id);
        forget.exec();
        SQLite::Statement old(raw,
                              "INSERT INTO items_fts (rowid, title, text) VALUES (?1, ?2, ?3)");
        old.bind(1, id);
        old.bind(2, "storm storm warning");
        old.bind(3, "storm hits the coast; the coast road shut.");
        old.exec();
        raw.exec(
            "CREATE INDEX items_by_feed ON items (feed_id, coalesce(published, first_seen) DESC, "
            "id DESC); PRAGMA user_version = 8");
    }
    EXPECT_NE(db_.integrity_check(), "ok") << "not vacuous: version 8's rows disagree";
    db_ = database::open(path_, open_mode::read_write);  // migrates 8 -> latest
    EXPECT_EQ(db_.integrity_check(), "ok");
    EXPECT_EQ(titles("coast"), (titles_t{"Storm storm warning"}));
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA foreign_keys = ON");
        register_index_functions(raw);
        EXPECT_FALSE(raw.execAndGet("SELECT count(*) FROM sqlite_master WHERE name = "
                                    "'items_by_feed'")
                         .getInt());
        raw.exec("DELETE FROM items WHERE guid = 'b9'");  // the trigger names each word once
    }
    EXPECT_EQ(db_.integrity_check(), "ok");
    EXPECT_EQ(titles("coast"), titles_t{});
}

TEST_F(search_test, upgrading_from_version_1_indexes_stored_items) {
    test_support::downgrade_to_version_1(path_);
    db_ = database::open(path_, open_mode::read_write);  // migrates 1 -> latest
    EXPECT_EQ(titles("iran"), (titles_t{"My trip to Iran", "Football: Iran beats Spain"}));
    EXPECT_EQ(titles("strasse"), (titles_t{"Zürich votes on café hours"}));
    EXPECT_EQ(db_.integrity_check(), "ok");
}

TEST_F(search_test, upgrading_from_version_7_drops_the_copy_of_the_text) {
    {
        // Back to version 7's index: its own copy of the folded text, with word positions.
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        register_index_functions(raw);
        test_support::downgrade_to_version_10(raw);
        raw.exec(R"sql(
DROP TRIGGER items_fts_delete; DROP TABLE items_fts; DROP VIEW items_fts_source;
CREATE VIRTUAL TABLE items_fts USING fts5 (
    title, text, tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER items_fts_delete AFTER DELETE ON items BEGIN
    DELETE FROM items_fts WHERE rowid = old.id;
END;
INSERT INTO items_fts (rowid, title, text)
    SELECT id, feedd_fold_title(title), feedd_fold_text(summary, content_html) FROM items;
PRAGMA user_version = 7;
)sql");
        ASSERT_TRUE(raw.tableExists("items_fts_content"));
    }
    db_ = database::open(path_, open_mode::read_write);  // migrates 7 -> latest
    SQLite::Database raw(path_.string(), SQLite::OPEN_READONLY);
    EXPECT_FALSE(raw.tableExists("items_fts_content"));
    EXPECT_EQ(raw.execAndGet("SELECT count(*) FROM items").getInt(), 6);
    EXPECT_EQ(db_.integrity_check(), "ok");  // includes the index against the items
    EXPECT_EQ(titles("iran"), (titles_t{"My trip to Iran", "Football: Iran beats Spain"}));
    EXPECT_EQ(titles("title:strasse"), titles_t{});
    EXPECT_EQ(titles("text:strasse"), (titles_t{"Zürich votes on café hours"}));
}

TEST_F(search_test, upgrading_from_version_9_merges_sixteen_segments_at_a_time) {
    const auto automerge = [this] {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READONLY);
        return raw.execAndGet("SELECT v FROM items_fts_config WHERE k = 'automerge'").getInt();
    };
    EXPECT_EQ(automerge(), 16);
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        register_index_functions(raw);
        test_support::downgrade_to_version_10(raw);
        raw.exec(
            "INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 8); "
            "PRAGMA user_version = 9");
    }
    EXPECT_EQ(automerge(), 8) << "not vacuous: version 9's setting";
    db_ = database::open(path_, open_mode::read_write);  // migrates 9 -> latest
    EXPECT_EQ(automerge(), 16);
    EXPECT_EQ(db_.integrity_check(), "ok");
    EXPECT_EQ(titles("iran"), (titles_t{"My trip to Iran", "Football: Iran beats Spain"}));
}

// Migration 12 splits words with feedd_folded instead of unicode61: the same words, so a
// file of the version before is indexed again and every search answers as before.
TEST_F(search_test, upgrading_to_feedd_folded_keeps_every_search) {
    store(blog_id_, t0 + hours(2),
          {item("b10", "Москва: ΑΘΗΝΑ и 東京", "E-mail from São Paulo — «naïve» U.S.-led plan")});
    const auto table_sql = [this] {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READONLY);
        return raw.execAndGet("SELECT sql FROM sqlite_master WHERE name = 'items_fts'").getString();
    };
    EXPECT_NE(table_sql().find("feedd_folded"), std::string::npos) << table_sql();
    const std::string b10 = "Москва: ΑΘΗΝΑ и 東京";
    const std::vector<std::pair<std::string, titles_t>> searches = {
        {"москва", {b10}},
        {"МОСКВА", {b10}},
        {"αθηνα", {b10}},
        {"東京", {b10}},
        {"東", {}},
        {"sao paulo", {b10}},
        {"naive", {b10}},
        {"\"u s\" led", {b10}},
        {"e-mail", {b10}},
        {"mail", {b10}},
        {"тех*", {}},
        {"моск*", {b10}},
        {"iran*", {"My trip to Iran", "Football: Iran beats Spain", "Iranian oil exports rise"}},
        {"strasse", {"Zürich votes on café hours"}},
        {"\"quote\"", {"Recipes"}},
        {"title:iran", {"My trip to Iran", "Football: Iran beats Spain"}},
    };
    for (const auto& [query, expected] : searches)
        EXPECT_EQ(titles(query), expected) << query;
    {
        // Back to the previous version's index: the same table with unicode61 splitting words.
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        register_index_functions(raw);
        auto table = table_sql();
        const std::string ours = "feedd_folded";
        table.replace(table.find(ours), ours.size(), "unicode61");
        raw.exec("DROP TABLE items_fts");
        raw.exec(table);
        raw.exec(
            "INSERT INTO items_fts (items_fts, rank) VALUES ('automerge', 16); "
            "INSERT INTO items_fts (items_fts) VALUES ('rebuild')");
        test_support::downgrade_to_version_13(raw);  // 13 runs again as it is
        raw.exec("PRAGMA user_version = 11");        // the version before migration 12
    }
    EXPECT_EQ(table_sql().find("feedd_folded"), std::string::npos)
        << "not vacuous: the version before";
    db_ = database::open(path_, open_mode::read_write);  // migrates to the latest
    EXPECT_NE(table_sql().find("feedd_folded"), std::string::npos) << table_sql();
    EXPECT_EQ(db_.integrity_check(), "ok");
    for (const auto& [query, expected] : searches)
        EXPECT_EQ(titles(query), expected) << query << " after the upgrade";
    {
        SQLite::Database raw(path_.string(), SQLite::OPEN_READWRITE);
        raw.exec("PRAGMA foreign_keys = ON");
        register_index_functions(raw);
        raw.exec("DELETE FROM items WHERE guid = 'b10'");  // the trigger tokenizes it again
    }
    EXPECT_EQ(db_.integrity_check(), "ok");
    EXPECT_EQ(titles("москва"), titles_t{});
}

TEST(fts_query, translation_keeps_only_what_fts_can_check) {
    const auto q = [](std::string_view expression) {
        auto parsed = stories::topic_rule::parse(expression);
        EXPECT_TRUE(parsed) << expression;
        return parsed ? fts_query(parsed.rule->root()) : std::string("error");
    };
    EXPECT_EQ(q("iran"), R"("iran")");
    EXPECT_EQ(q(R"(title:"white house" text:talk*)"), R"(("white" AND "house") AND ("talk" *))");
    EXPECT_EQ(q(R"("new york" OR big*)"), R"(("new" AND "york") OR ("big" *))");
    EXPECT_EQ(q("iran OR iraq"), R"(("iran") OR ("iraq"))");
    EXPECT_EQ(q("iran OR tag:world"), "");  // one branch the index cannot check
    EXPECT_EQ(q("iran -sport tag:world"), R"(("iran"))");
    EXPECT_EQ(q("-sport"), "");
    EXPECT_EQ(q("source:(reuters OR ap)"), "");
}

TEST(source_name, feed_title_then_host) {
    EXPECT_EQ(source_name(std::string("Reuters"), "https://r.example/rss"), "Reuters");
    EXPECT_EQ(source_name(std::nullopt, "https://r.example/rss"), "r.example");
    EXPECT_EQ(source_name(std::string(), "file:///tmp/x.xml"), "file:///tmp/x.xml");
}

}  // namespace
}  // namespace feedd::storage
