// feedd_folded against FTS5's own unicode61: the same words at the same places, the same
// matches for the same queries, whatever the script or punctuation.
#include "storage/folded_tokenizer.hpp"

#include <string>
#include <vector>

#include <SQLiteCpp/Database.h>
#include <SQLiteCpp/Statement.h>
#include <gtest/gtest.h>

namespace feedd::storage {
namespace {

// Two full-detail tables over the same texts, one per tokenizer, in an in-memory database.
class folded_tokenizer_test : public ::testing::Test {
  protected:
    void SetUp() override {
        register_folded_tokenizer(db_);
        db_.exec(
            "CREATE VIRTUAL TABLE theirs USING fts5 (x, tokenize = 'unicode61 remove_diacritics "
            "2'); "
            "CREATE VIRTUAL TABLE ours USING fts5 (x, tokenize = 'feedd_folded remove_diacritics "
            "2'); "
            "CREATE VIRTUAL TABLE theirs_words USING fts5vocab (theirs, 'instance'); "
            "CREATE VIRTUAL TABLE ours_words USING fts5vocab (ours, 'instance');");
    }

    void add(const std::string& text) {
        for (const char* table : {"theirs", "ours"}) {
            SQLite::Statement insert(db_, std::string("INSERT INTO ") + table + " (x) VALUES (?1)");
            insert.bind(1, text);
            insert.exec();
        }
    }

    // Every word with its row and position, in order.
    std::vector<std::string> words(const std::string& vocab) {
        SQLite::Statement select(
            db_, "SELECT term, doc, offset FROM " + vocab + " ORDER BY doc, offset, term");
        std::vector<std::string> out;
        while (select.executeStep()) {
            out.push_back(select.getColumn(0).getString() + "@" + select.getColumn(1).getString() +
                          ":" + select.getColumn(2).getString());
        }
        return out;
    }

    std::vector<std::int64_t> matches(const std::string& table, const std::string& query) {
        SQLite::Statement select(
            db_, "SELECT rowid FROM " + table + " WHERE " + table + " MATCH ?1 ORDER BY rowid");
        select.bind(1, query);
        std::vector<std::int64_t> out;
        while (select.executeStep())
            out.push_back(select.getColumn(0).getInt64());
        return out;
    }

    SQLite::Database db_{":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE};
};

const std::vector<std::string> texts = {
    "plain folded words and 42 numbers",
    "Capitals STAY Capitals here",
    "punctuation: don't, u.s.-led; e-mail (a/b) [c] {d} <e> \"f\" #g $h %i &j *k +l =m ?n @o "
    "^p _q `r |s ~t \\u 'v' !w",
    "accents café naïve zürich straße œuvre",
    "cyrillic москва и санкт-петербург",
    "greek αθήνα ελλάδα",
    "cjk 東京都 北京 ソウル",
    "arabic القاهرة and hebrew ירושלים",
    "mixed abcδef 12ü3 x—y a·b",
    "emoji 🎉party🎉 and ‘quotes’ «guillemets» no\u00a0break",
    "tabs\tand\nnewlines\r\nand\x01"
    "controls\x7f",
    "a long run of sixteen+ bytes: abcdefghijklmnopqrstuvwxyz0123456789abcdef",
    "edges at block size: 0123456789abcde f 0123456789abcdef0 x",
    "",
    "   ",
    "é",
    "z",
};

TEST_F(folded_tokenizer_test, splits_every_text_into_unicode61s_words) {
    // Every ASCII byte between two words, and within one.
    std::string all_ascii;
    for (int c = 1; c < 128; ++c) {
        all_ascii += "w";
        all_ascii += static_cast<char>(c);
        all_ascii += "w ";
    }
    add(all_ascii);
    for (const auto& text : texts)
        add(text);
    const auto expected = words("theirs_words");
    ASSERT_GT(expected.size(), 250U);  // not vacuous
    EXPECT_EQ(words("ours_words"), expected);
}

TEST_F(folded_tokenizer_test, runs_across_and_at_the_ends_of_sixteen_byte_blocks) {
    // Runs of every length up to three blocks, starting at every offset of a block, ending the
    // text or not, all ASCII, with a capital, or with a two-byte letter across a boundary.
    for (std::size_t offset = 0; offset < 17; ++offset) {
        for (std::size_t length = 1; length <= 48; ++length) {
            std::string run(length, 'q');
            run[length / 2] = 'Q';
            std::string accented = run;
            accented.replace(length / 2, 1, "\u00e9");  // é
            const std::string pad(offset, ' ');
            add(pad + run);
            add(pad + run + ",");
            add(pad + accented + " " + run);
        }
    }
    const auto expected = words("theirs_words");
    ASSERT_GT(expected.size(), 3000U);  // not vacuous
    EXPECT_EQ(words("ours_words"), expected);
}

TEST_F(folded_tokenizer_test, queries_match_the_same_rows) {
    for (const auto& text : texts)
        add(text);
    const std::vector<std::string> queries = {
        R"("words")",   R"("CAPITALS")", R"("don")",      R"("t")",        R"("u" AND "s")",
        R"("e-mail")",  R"("cafe")",     R"("Café")",     R"("zurich")",   R"("strasse")",
        R"("москва")",  R"("МОСКВА")",   R"("санкт")",    R"("αθηνα")",    R"("東京都")",
        R"("القاهرة")", R"("abcδef")",   R"("12u3")",     R"("party")",    R"("guillemets")",
        R"("ab" *)",    R"("моск" *)",   R"("newlines")", R"("controls")", R"("0123456789abcdef0")",
        R"("sixteen")", R"("z")",        R"("e")",
    };
    for (const auto& query : queries) {
        const auto expected = matches("theirs", query);
        EXPECT_EQ(matches("ours", query), expected) << query;
    }
    EXPECT_FALSE(matches("ours", R"("москва")").empty());  // not vacuous
    EXPECT_FALSE(matches("ours", R"("cafe")").empty());
}

TEST_F(folded_tokenizer_test, options_that_change_which_bytes_are_word_bytes_are_refused) {
    EXPECT_THROW(db_.exec("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'feedd_folded "
                          "tokenchars ''-''')"),
                 SQLite::Exception);
    EXPECT_THROW(
        db_.exec("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'feedd_folded separators x')"),
        SQLite::Exception);
    EXPECT_NO_THROW(db_.exec("CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'feedd_folded')"));
}

}  // namespace
}  // namespace feedd::storage
