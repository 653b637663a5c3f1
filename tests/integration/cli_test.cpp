// The command line as scripts use it: feedd parse, query filters, usage errors,
// and the bundled demo configuration the README promises.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <SQLiteCpp/SQLiteCpp.h>
#include <gtest/gtest.h>

#include "tests/support/process.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

const std::filesystem::path data_dir = FEEDD_TEST_DATA;
const std::filesystem::path repo_dir = data_dir.parent_path().parent_path();

long lines(const std::string& text) {
    return std::count(text.begin(), text.end(), '\n');
}

TEST(cli, parse_prints_the_documented_json_for_one_file) {
    temp_dir dir;
    const auto r = run_feedd({"parse", (data_dir / "feeds/rss2_full.xml").string(), "--url",
                              "https://example.org/feed.xml"},
                             dir.path());
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto doc = boost::json::parse(r.out).as_object();
    EXPECT_EQ(doc.at("format"), "rss");
    EXPECT_EQ(doc.at("version"), "2.0");
    ASSERT_TRUE(doc.at("items").is_array());
    EXPECT_GT(doc.at("items").as_array().size(), 0u);
    for (const char* key :
         {"title", "link", "feed_url", "description", "language", "updated", "image"}) {
        EXPECT_TRUE(doc.contains(key)) << key;
    }
}

TEST(cli, parse_reports_a_non_feed_on_one_line_and_fails) {
    temp_dir dir;
    const auto page = write_file(dir / "page.html", "<html><body>hello</body></html>");
    const auto r = run_feedd({"parse", page.string()}, dir.path());
    EXPECT_NE(r.exit_code, 0);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("page.html"), std::string::npos) << r.err;

    const auto missing = run_feedd({"parse", (dir / "missing.xml").string()}, dir.path());
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("missing.xml: No such file or directory"), std::string::npos)
        << missing.err;
}

TEST(cli, parse_of_several_files_prints_only_the_errors) {
    temp_dir dir;
    const auto bad = write_file(dir / "bad.xml", "not xml at all");
    const auto r = run_feedd({"parse", (data_dir / "feeds/rss2_full.xml").string(),
                              (data_dir / "feeds/atom10_xml_base.xml").string(), bad.string()},
                             dir.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(lines(r.err), 1) << r.err;
    EXPECT_NE(r.err.find("bad.xml"), std::string::npos);

    const auto quiet =
        run_feedd({"parse", "--quiet", (data_dir / "feeds/rss2_full.xml").string()}, dir.path());
    EXPECT_EQ(quiet.exit_code, 0);
    EXPECT_TRUE(quiet.out.empty());
}

// Many files are parsed on several threads: every file is still read and parsed, and the
// errors come out in the order the files were given.
TEST(cli, parse_of_many_files_reports_errors_in_input_order) {
    temp_dir dir;
    std::vector<std::string> args = {"parse", "--quiet"};
    std::vector<std::string> bad_names;
    for (int i = 0; i < 24; ++i) {
        if (i % 5 == 2) {
            const std::string name = "bad" + std::to_string(i) + ".xml";
            args.push_back(
                write_file(dir / name, "<html>" + std::to_string(i) + "</html>").string());
            bad_names.push_back(name);
        } else if (i == 13) {
            args.push_back((dir / "missing13.xml").string());
            bad_names.push_back("missing13.xml");
        } else {
            args.push_back(
                (data_dir / (i % 2 == 0 ? "feeds/rss2_full.xml" : "feeds/atom10_xml_base.xml"))
                    .string());
        }
    }
    const auto r = run_feedd(args, dir.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_TRUE(r.out.empty()) << r.out;
    ASSERT_EQ(lines(r.err), static_cast<long>(bad_names.size())) << r.err;
    std::size_t from = 0;
    for (const auto& name : bad_names) {
        const auto at = r.err.find(name, from);
        ASSERT_NE(at, std::string::npos) << name << " missing or out of order in:\n" << r.err;
        from = at + name.size();
    }
    EXPECT_NE(r.err.find("missing13.xml: No such file or directory"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("bad7.xml: not a feed"), std::string::npos) << r.err;
}

// A regular file is mapped; anything else (here a pipe) is read: the same bytes give the
// same JSON. An empty file has nothing to map and is read too.
TEST(cli, parse_reads_a_pipe_as_it_maps_a_file) {
    temp_dir dir;
    const auto file = data_dir / "feeds/rss2_full.xml";
    const auto mapped = run_feedd({"parse", file.string()}, dir.path());
    ASSERT_EQ(mapped.exit_code, 0) << mapped.err;

    const auto fifo = dir.path() / "feed.pipe";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    // Opens without blocking once feedd has opened its end (ENXIO until then), so the test
    // cannot hang on a feedd that never reads.
    std::thread writer([&] {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        int fd = -1;
        while (fd < 0 && std::chrono::steady_clock::now() < deadline) {
            fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
            if (fd < 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (fd < 0) return;
        ::fcntl(fd, F_SETFL, 0);  // blocking writes from here
        const std::string bytes = read_file(file);
        for (std::size_t done = 0; done < bytes.size();) {
            const auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
            if (n <= 0) break;
            done += static_cast<std::size_t>(n);
        }
        ::close(fd);
    });
    const auto piped = run_feedd({"parse", fifo.string()}, dir.path());
    writer.join();
    EXPECT_EQ(piped.exit_code, 0) << piped.err;
    EXPECT_EQ(piped.out, mapped.out);

    const auto empty = write_file(dir / "empty.xml", "");
    const auto r = run_feedd({"parse", empty.string()}, dir.path());
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("empty.xml: line 1, column 1: no XML element found"), std::string::npos)
        << r.err;
}

TEST(cli, usage_errors_exit_with_2_and_help_with_0) {
    temp_dir dir;
    EXPECT_EQ(run_feedd({"poll", "--once"}, dir.path()).exit_code, 2);  // no --config
    EXPECT_EQ(run_feedd({"frobnicate"}, dir.path()).exit_code, 2);
    const auto help = run_feedd({"--help"}, dir.path());
    EXPECT_EQ(help.exit_code, 0);
    EXPECT_NE(help.out.find("poll"), std::string::npos);
    const auto version = run_feedd({"--version"}, dir.path());
    EXPECT_EQ(version.exit_code, 0);
    EXPECT_NE(version.out.find("feedd"), std::string::npos);
}

// The README's demo: the bundled config polls offline and stores every bundled item.
TEST(cli, the_bundled_demo_polls_offline_and_answers_queries) {
    temp_dir dir;
    const auto config = (repo_dir / "examples/demo.toml").string();
    const auto db = (dir / "demo.db").string();
    const auto poll = run_feedd({"poll", "--config", config, "--db", db, "--once"}, dir.path());
    ASSERT_EQ(poll.exit_code, 0) << poll.err;
    EXPECT_NE(poll.out.find("0 feeds failed"), std::string::npos) << poll.out;

    const auto all = run_feedd({"query", "items", "--db", db, "--json"}, dir.path());
    ASSERT_EQ(all.exit_code, 0) << all.err;
    EXPECT_GE(lines(all.out), 40);

    // --feed narrows to one outlet, --limit caps, --since filters by age (the demo is dated 2025).
    const auto feeds = run_feedd({"feeds", "--db", db, "--json"}, dir.path());
    ASSERT_EQ(feeds.exit_code, 0);
    const auto first_feed = boost::json::parse(feeds.out.substr(0, feeds.out.find('\n')));
    const std::string feed_url(first_feed.at("url").as_string());
    const auto one =
        run_feedd({"query", "items", "--db", db, "--json", "--feed", feed_url}, dir.path());
    ASSERT_EQ(one.exit_code, 0);
    EXPECT_EQ(lines(one.out), first_feed.at("items").as_int64());
    EXPECT_LT(lines(one.out), lines(all.out));
    std::size_t start = 0;
    while (start < one.out.size()) {
        const auto end = one.out.find('\n', start);
        const auto item = boost::json::parse(one.out.substr(start, end - start));
        EXPECT_EQ(item.at("feed").as_string(), feed_url);
        start = end + 1;
    }
    const auto recent =
        run_feedd({"query", "items", "--db", db, "--json", "--since", "1d"}, dir.path());
    EXPECT_EQ(lines(recent.out), 0) << "demo items are from June 2025";
    const auto table = run_feedd({"query", "items", "--db", db, "--limit", "3"}, dir.path());
    EXPECT_EQ(lines(table.out), 5) << table.out;  // header, 3 rows, count
    EXPECT_EQ(table.out.rfind("PUBLISHED", 0), 0u) << table.out;
}

// A store of `count` items with unrelated texts (so each is its own story), every one with
// "zebra" in its title; a topic "zebras" takes them all. Returns the database path.
std::string store_of_distinct_items(const temp_dir& dir, int count) {
    static const char* const syllables[] = {"ka", "lo", "mi", "nu", "pe", "ra", "si", "to",
                                            "ve", "zu", "bo", "da", "fi", "gu", "ho", "je"};
    std::uint32_t state = 12345;
    const auto word = [&] {
        std::string w;
        for (int s = 0; s < 4; ++s) {
            state = state * 1664525u + 1013904223u;
            w += syllables[(state >> 16) % 16];
        }
        return w;
    };
    std::string rss = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>many</title>";
    for (int i = 0; i < count; ++i) {
        std::string title = "zebra";
        for (int w = 0; w < 6; ++w)
            title += " " + word();
        std::string text;
        for (int w = 0; w < 30; ++w)
            text += word() + " ";
        rss += "<item><title>" + title + "</title><guid>item-" + std::to_string(i) +
               "</guid><description>" + text + "</description></item>";
    }
    rss += "</channel></rss>\n";
    write_file(dir / "many.xml", rss);
    const auto config =
        write_file(dir / "feedd.toml",
                   "[storage]\npath = \"feedd.db\"\n\n[[feed]]\nurl = \"many.xml\"\n"
                   "\n[[topic]]\nname = \"zebras\"\nmatch = \"zebra\"\n");
    const auto poll = run_feedd({"poll", "--config", config.string(), "--once"}, dir.path());
    EXPECT_EQ(poll.exit_code, 0) << poll.err;
    return (dir / "feedd.db").string();
}

// The listings (queries and digests) print 50 rows unless asked for more (a store of 350k items
// printed them all), and say so on stderr when more were there, so a script is never cut short
// silently; --limit N and --all still give more. JSON Lines stay JSON Lines: the note is on
// stderr.
TEST(cli, listings_stop_at_50_rows_by_default_and_say_so) {
    temp_dir dir;
    const auto db = store_of_distinct_items(dir, 70);
    {
        // 70 digests of the topic as well (their text does not matter to the listing).
        SQLite::Database conn(db, SQLite::OPEN_READWRITE);
        conn.exec(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70) "
            "INSERT INTO digests (topic_id, period, recipients, message_id, message, status, "
            "created_at) SELECT (SELECT id FROM topics WHERE name = 'zebras'), 'day ' || i, "
            "'[\"a@example.org\"]', 'm' || i || '@feedd', x'00', 'empty', i FROM n");
    }
    const std::vector<std::vector<std::string>> listings = {{"query", "items"},
                                                            {"query", "stories"},
                                                            {"query", "timeline", "zebras"},
                                                            {"query", "search", "zebra"},
                                                            {"digests"}};
    for (const auto& listing : listings) {
        auto args = listing;
        args.insert(args.end(), {"--db", db, "--json"});
        const auto name = listing.size() > 1 ? listing[1] : listing[0];

        const auto cut = run_feedd(args, dir.path());
        ASSERT_EQ(cut.exit_code, 0) << name << ": " << cut.err;
        EXPECT_EQ(lines(cut.out), 50) << name;
        EXPECT_NE(cut.err.find("the first 50"), std::string::npos) << name << ": " << cut.err;
        EXPECT_NE(cut.err.find("--limit N"), std::string::npos) << name << ": " << cut.err;
        EXPECT_NE(cut.err.find("--all"), std::string::npos) << name << ": " << cut.err;
        for (std::size_t at = 0; at < cut.out.size(); at = cut.out.find('\n', at) + 1)
            EXPECT_NO_THROW(boost::json::parse(cut.out.substr(at, cut.out.find('\n', at) - at)));

        auto all_args = args;
        all_args.push_back("--all");
        const auto all = run_feedd(all_args, dir.path());
        ASSERT_EQ(all.exit_code, 0) << name << ": " << all.err;
        EXPECT_GT(lines(all.out), 50) << name;
        if (name != "stories" && name != "timeline") {
            EXPECT_EQ(lines(all.out), 70) << name;
        }
        EXPECT_EQ(all.err.find("--all"), std::string::npos) << name << ": " << all.err;

        // An explicit limit is what was asked for: no note, even when more were there.
        auto limited_args = args;
        limited_args.insert(limited_args.end(), {"--limit", "60"});
        const auto limited = run_feedd(limited_args, dir.path());
        ASSERT_EQ(limited.exit_code, 0) << name << ": " << limited.err;
        EXPECT_EQ(lines(limited.out), std::min<long>(60, lines(all.out))) << name;
        EXPECT_EQ(limited.err.find("--all"), std::string::npos) << name << ": " << limited.err;

        auto both = args;
        both.insert(both.end(), {"--all", "--limit", "3"});
        EXPECT_EQ(run_feedd(both, dir.path()).exit_code, 2) << name;
    }

    // The table too: header, 50 rows, the count line; the note on stderr.
    const auto table = run_feedd({"query", "items", "--db", db}, dir.path());
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_EQ(lines(table.out), 52) << table.out;
    EXPECT_NE(table.err.find("the first 50"), std::string::npos) << table.err;
}

// A search whose text starts with '-' ("-sport": everything but sport) looks like an option:
// after "--" it is the expression, and the error for an unknown option says so.
TEST(cli, a_search_for_text_starting_with_a_dash_goes_after_double_dash) {
    temp_dir dir;
    const auto db = store_of_distinct_items(dir, 3);

    const auto after =
        run_feedd({"query", "search", "--db", db, "--json", "--", "-sport zebra"}, dir.path());
    EXPECT_EQ(after.exit_code, 0) << after.err;
    EXPECT_EQ(lines(after.out), 3) << after.out << after.err;
    EXPECT_EQ(after.err.find("--all"), std::string::npos) << "all 3 shown: " << after.err;

    const auto taken_for_option =
        run_feedd({"query", "search", "--db", db, "-sport zebra"}, dir.path());
    EXPECT_EQ(taken_for_option.exit_code, 2);
    EXPECT_NE(taken_for_option.err.find("feedd query search [OPTIONS] -- \"-sport zebra\""),
              std::string::npos)
        << taken_for_option.err;
    const auto short_one = run_feedd({"query", "search", "--db", db, "-x"}, dir.path());
    EXPECT_EQ(short_one.exit_code, 2);
    EXPECT_NE(short_one.err.find("-- \"-x\""), std::string::npos) << short_one.err;
}

}  // namespace
}  // namespace feedd::test
