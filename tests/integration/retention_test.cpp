// Retention end to end: feedd polls local feeds, the stored times are moved 100 days back
// (the test's clock), and `feedd prune` deletes what the feeds no longer list, keeps what they
// still list, and the next poll stores nothing twice.
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "storage/migrations.hpp"
#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

struct entry {
    std::string guid;
    std::string title;
    std::string text;
};

std::string rss(const std::string& title, const std::vector<entry>& entries) {
    std::string out = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>" + title +
                      "</title><link>https://" + title + ".example/</link>";
    for (const auto& e : entries) {
        out += "<item><guid>" + e.guid + "</guid><title>" + e.title + "</title><description>" +
               e.text + "</description></item>";
    }
    return out + "</channel></rss>";
}

std::int64_t count(const std::filesystem::path& db, const std::string& sql) {
    SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
    storage::register_index_functions(raw);  // items_fts splits a MATCH's words with feedd_folded
    return raw.execAndGet(sql).getInt64();
}

TEST(retention, prune_deletes_what_feeds_no_longer_list_and_nothing_is_stored_twice) {
    temp_dir dir;
    const entry a1{"a1", "Harbour reopens after storm repairs",
                   "The harbour reopened on Monday after three weeks of repairs to the pier."};
    const entry a2{"a2", "Council approves new library budget",
                   "Councillors voted to fund the library extension and longer opening hours."};
    const entry a3{"a3", "Rail strike called off at the last minute",
                   "Unions and operators reached a deal late on Sunday night."};
    const entry b1{"b1", "Orchestra announces its winter season",
                   "Five premieres and a cycle of symphonies fill the programme."};
    write_file(dir / "a.xml", rss("alpha", {a1, a2}));
    write_file(dir / "b.xml", rss("beta", {b1}));
    const auto config = write_file(dir / "feedd.toml",
                                   "[storage]\npath = \"feedd.db\"\nkeep = \"30d\"\n"
                                   "[[feed]]\nurl = \"a.xml\"\n[[feed]]\nurl = \"b.xml\"\n");
    const auto db = dir / "feedd.db";
    const auto poll = [&] {
        return run_feedd({"poll", "--once", "--config", config.string()}, dir.path());
    };

    auto first = poll();
    ASSERT_EQ(first.exit_code, 0) << first.err;
    ASSERT_EQ(count(db, "SELECT count(*) FROM items"), 3);
    EXPECT_EQ(count(db, "PRAGMA auto_vacuum"), 2);  // incremental, from the start

    // A hundred days pass: every stored time moves back, and the clustering window has moved
    // on, dropping the signatures (polls in between would have).
    {
        SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE);
        raw.exec(
            "UPDATE items SET first_seen = first_seen - 8640000;"
            "UPDATE story_members SET time = time - 8640000;"
            "UPDATE story_members SET signature = NULL;"
            "UPDATE feeds SET listed_since = listed_since - 8640000;");
    }
    // Feed a moves on to a new item; feed b still lists its old one.
    write_file(dir / "a.xml", rss("alpha", {a3}));
    auto second = poll();
    ASSERT_EQ(second.exit_code, 0) << second.err;
    ASSERT_EQ(count(db, "SELECT count(*) FROM items"), 4);

    const auto dry = run_feedd({"prune", "--config", config.string(), "--dry-run"}, dir.path());
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("Would prune 2 items, 2 stories"), std::string::npos) << dry.out;
    EXPECT_EQ(count(db, "SELECT count(*) FROM items"), 4);

    const auto pruned = run_feedd({"prune", "--config", config.string()}, dir.path());
    ASSERT_EQ(pruned.exit_code, 0) << pruned.err;
    EXPECT_NE(pruned.out.find("Pruned 2 items, 2 stories"), std::string::npos) << pruned.out;
    EXPECT_EQ(count(db, "SELECT count(*) FROM items WHERE key IN ('id:a3', 'id:b1')"), 2);
    EXPECT_EQ(count(db, "SELECT count(*) FROM items"), 2);
    // The index forgot the pruned items' words (its rows are computed from the items, so a
    // count of items_fts itself would only count the items again).
    EXPECT_EQ(
        count(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'harbour OR library'"), 0);
    EXPECT_EQ(count(db, "SELECT count(*) FROM items_fts WHERE items_fts MATCH 'rail OR orchestra'"),
              2);
    EXPECT_EQ(count(db, "SELECT count(*) FROM stories"), 2);

    // b1 is still in b.xml and a3 in a.xml: polling again stores nothing.
    write_file(dir / "b.xml", rss("beta", {b1}) + "\n");  // a changed file: parsed again
    auto third = poll();
    ASSERT_EQ(third.exit_code, 0) << third.err;
    EXPECT_NE(third.out.find(" 0 new items stored"), std::string::npos) << third.out;
    EXPECT_EQ(count(db, "SELECT count(*) FROM items"), 2);
    SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
    EXPECT_EQ(raw.execAndGet("PRAGMA integrity_check").getString(), "ok");
}

TEST(retention, prune_says_so_when_retention_is_off) {
    temp_dir dir;
    const auto config = write_file(dir / "feedd.toml", "[storage]\nkeep = \"forever\"\n");
    const auto r = run_feedd({"prune", "--config", config.string()}, dir.path());
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("Retention is off"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace feedd::test
