#include "daemon/mail_module.hpp"

#include <string>

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

// The build links the module next to this test binary (tests/CMakeLists.txt), as it sits
// next to feedd; the second place is the installed layout.
TEST(mail_module, is_looked_for_next_to_the_executable_then_where_it_is_installed) {
    const auto candidates = mail_module_candidates();
    ASSERT_EQ(candidates.size(), 2u);
    const auto exe = std::filesystem::read_symlink("/proc/self/exe");
    EXPECT_EQ(candidates[0], exe.parent_path() / "feedd_mail.so");
    EXPECT_EQ(candidates[1].filename(), "feedd_mail.so");
    EXPECT_EQ(candidates[1].parent_path().filename(), "feedd");
    EXPECT_TRUE(candidates[1].is_absolute());
}

TEST(mail_module, loads_once_and_renders_a_message) {
    const auto& api = mail_module();
    EXPECT_EQ(api.abi, mail_module_abi);
    EXPECT_FALSE(std::string(api.version).empty());  // the loader checked it is ours
    EXPECT_EQ(&mail_module(), &api);                 // loaded once, kept
    mime_fields fields;
    fields.from = "news@example.org";
    fields.to = {"leser@example.org"};
    fields.subject = "Zölle: 1 story";
    fields.text = "plain\n";
    fields.html = "<p>html</p>\n";
    fields.message_id = "id@example.org";
    fields.list_id = "feedd digest zoelle <zoelle.digest.feedd>";
    fields.date = 1749880800;  // 2025-06-14 06:00 UTC
    const auto message = api.render(fields);
    EXPECT_NE(message.find("Subject: =?UTF-8?B?WsO2bGxlOg==?= 1 story\r\n"), std::string::npos)
        << message;  // RFC 2047, "Zölle:"
    EXPECT_NE(message.find("Message-Id: <id@example.org>"), std::string::npos) << message;
    EXPECT_NE(message.find("Date: Sat, 14 Jun 2025 06:00:00 +0000"), std::string::npos) << message;
    EXPECT_NE(message.find("Content-Type: multipart/alternative"), std::string::npos);
    EXPECT_NE(message.find("\r\n"), std::string::npos);
}

}  // namespace
}  // namespace feedd::daemon
