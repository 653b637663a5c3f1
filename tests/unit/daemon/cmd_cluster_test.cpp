#include <fstream>
#include <sstream>
#include <string>

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

}  // namespace
}  // namespace feedd::daemon
