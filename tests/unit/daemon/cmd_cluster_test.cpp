#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "daemon/commands.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

constexpr const char* story =
    "Acme Tools Corp said its board approved a plan to close two plants in Ohio, cutting 400 jobs "
    "by the end of the year. The company said demand for its hand tools fell for a third "
    "straight quarter.";

std::string write(const std::filesystem::path& path, const std::string& text) {
    std::ofstream(path) << text;
    return path.string();
}

TEST(ClusterCommand, CopiesShareAClusterInPublishedOrderAndLinesKeepInputOrder) {
    const test::temp_dir dir;
    // The copy comes first in the file but was published later: it joins the original's story.
    const std::string input =
        std::string(R"({"id": "copy", "source": "Widget Daily", "title": "UPDATE 1-Acme Tools )"
                    R"(to close two Ohio plants", "text": "<p>CLEVELAND (Reuters) - )") +
        story + R"(</p>", "published": "2025-06-14T13:00:00Z"})" + "\n" +
        R"({"id": "other", "source": null, "title": "Port opens terminal", "text": "The port )"
        R"(authority opened a new container terminal on the north side of the harbour.", )"
        R"("published": "2025-06-14T12:30:00Z"})" +
        "\n\n" +
        R"({"id": "original", "source": "Reuters", "title": "ACME TOOLS TO CLOSE TWO OHIO )"
        R"(PLANTS", "text": ")" +
        story + R"(", "published": "2025-06-14T12:00:00Z"})" + "\n";
    cluster_command_options options;
    options.in = write(dir.path() / "items.jsonl", input);
    std::ostringstream out, err;
    ASSERT_EQ(cluster_command(options, out, err), 0) << err.str();
    EXPECT_EQ(out.str(),
              "{\"id\": \"copy\", \"cluster\": \"c1\"}\n"
              "{\"id\": \"other\", \"cluster\": \"c2\"}\n"
              "{\"id\": \"original\", \"cluster\": \"c1\"}\n");
}

// Clusters by id, from `feedd cluster` output lines.
std::map<std::string, std::string> clusters_by_id(const std::string& output) {
    std::map<std::string, std::string> out;
    std::istringstream lines(output);
    std::string line;
    while (std::getline(lines, line)) {
        const std::string id_key = "\"id\": \"", cluster_key = "\"cluster\": \"";
        const auto id = line.find(id_key) + id_key.size();
        const auto cluster = line.find(cluster_key) + cluster_key.size();
        out[line.substr(id, line.find('"', id) - id)] =
            line.substr(cluster, line.find('"', cluster) - cluster);
    }
    return out;
}

TEST(ClusterCommand, SortedInputClusteredWhileSigningMatchesTheSortedPass) {
    // 200 items (several chunks, every core): four copies each of 50 unrelated stories. In
    // published order they are clustered as they are signed; reversed, after sorting. Same result.
    const test::temp_dir dir;
    std::vector<std::string> lines;
    for (int i = 0; i < 200; ++i) {
        const int k = i % 50;
        std::string text;
        for (int w = 0; w < 40; ++w)
            text += "w" + std::to_string(k * 1000 + w) + " ";
        char when[32];
        std::snprintf(when, sizeof when, "2025-06-14T%02d:%02d:00Z", i / 60, i % 60);
        lines.push_back("{\"id\": \"i" + std::to_string(i) + "\", \"title\": \"Story " +
                        std::to_string(k) + " about t" + std::to_string(k) + "\", \"text\": \"" +
                        text + "\", \"published\": \"" + when + "\"}\n");
    }
    std::string sorted, reversed;
    for (const auto& line : lines)
        sorted += line;
    for (auto it = lines.rbegin(); it != lines.rend(); ++it)
        reversed += *it;
    cluster_command_options options;
    options.in = write(dir.path() / "sorted.jsonl", sorted);
    std::ostringstream out, err;
    ASSERT_EQ(cluster_command(options, out, err), 0) << err.str();
    options.in = write(dir.path() / "reversed.jsonl", reversed);
    std::ostringstream out2, err2;
    ASSERT_EQ(cluster_command(options, out2, err2), 0) << err2.str();
    const auto a = clusters_by_id(out.str());
    ASSERT_EQ(a.size(), 200U);
    EXPECT_EQ(a, clusters_by_id(out2.str()));
    std::set<std::string> distinct;
    for (const auto& [id, cluster] : a)
        distinct.insert(cluster);
    EXPECT_EQ(distinct.size(), 50U);
    EXPECT_EQ(a.at("i0"), a.at("i150"));
    EXPECT_NE(a.at("i0"), a.at("i1"));
}

TEST(ClusterCommand, BadLineIsNamedWithItsPosition) {
    const test::temp_dir dir;
    cluster_command_options options;
    options.in = write(dir.path() / "bad.jsonl",
                       "{\"id\": \"a\", \"title\": \"x\", \"text\": \"\"}\n"
                       "{\"id\": \"b\", \"title\": 5}\n");
    std::ostringstream out, err;
    EXPECT_EQ(cluster_command(options, out, err), 1);
    EXPECT_NE(err.str().find("bad.jsonl:2: \"title\" is not a string"), std::string::npos)
        << err.str();
    EXPECT_EQ(out.str(), "");

    options.in = write(dir.path() / "date.jsonl",
                       "{\"id\": \"a\", \"title\": \"x\", \"published\": \"yesterday\"}\n");
    std::ostringstream out2, err2;
    EXPECT_EQ(cluster_command(options, out2, err2), 1);
    EXPECT_NE(err2.str().find("date.jsonl:1: \"published\" is not a date"), std::string::npos)
        << err2.str();

    options.in = (dir.path() / "missing.jsonl").string();
    std::ostringstream out3, err3;
    EXPECT_EQ(cluster_command(options, out3, err3), 1);
    EXPECT_NE(err3.str().find("cannot open"), std::string::npos);
}

TEST(ClusterCommand, LinesAreReadMemberByMember) {
    // Other members, nested values and null are skipped or read as "", a member given twice
    // counts with its last value; anything else that is not the expected shape is named.
    const test::temp_dir dir;
    cluster_command_options options;
    options.in = write(dir.path() / "ok.jsonl",
                       R"({"id": "a", "tags": [{"id": 5}, [1, 2]], "meta": {"title": 7}, )"
                       R"("title": null, "text": "x", "text": "Port opens terminal", )"
                       R"("published": null, "score": 1.5, "ok": true})"
                       "\n"
                       R"({"title": "Port opens terminal", "id": "b\u00e9"})"
                       "\n");
    std::ostringstream out, err;
    ASSERT_EQ(cluster_command(options, out, err), 0) << err.str();
    EXPECT_EQ(out.str(),
              "{\"id\": \"a\", \"cluster\": \"c1\"}\n"
              "{\"id\": \"b\xc3\xa9\", \"cluster\": \"c2\"}\n");
    const std::pair<const char*, const char*> bad[] = {
        {R"({"id": 5, "title": "x"})", "\"id\" must be a non-empty string"},
        {R"({"id": "", "title": "x"})", "\"id\" must be a non-empty string"},
        {R"({"title": "x"})", "\"id\" must be a non-empty string"},
        {R"(["a"])", "not a JSON object"},
        {R"({"id": "a", "text": {"p": "x"}})", "\"text\" is not a string"},
        {R"({"id": "a", "published": 1987})", "\"published\" is not a string"},
        {R"({"id": "a"} {"id": "b"})", "not JSON"},
        {R"({"id": "a", "title": "x")", "not JSON"},
    };
    for (const auto& [line, message] : bad) {
        options.in = write(dir.path() / "bad.jsonl", std::string(line) + "\n");
        std::ostringstream out2, err2;
        EXPECT_EQ(cluster_command(options, out2, err2), 1) << line;
        EXPECT_NE(err2.str().find(std::string("bad.jsonl:1: ") + message), std::string::npos)
            << line << " -> " << err2.str();
    }
}

}  // namespace
}  // namespace feedd::daemon
