// Topic digests end to end against a real SMTP server (aiosmtpd, tests/support/smtp_sink.py):
// `feedd digest` over STARTTLS with AUTH, the message checked by Python's MIME parser and
// rendered in headless Chromium; the daemon's scheduled digest through 4xx rejections and
// kill -9, delivered exactly once.
#include <signal.h>

#include <string>
#include <thread>
#include <vector>

#include <boost/json.hpp>
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/browser.hpp"
#include "tests/support/process.hpp"
#include "tests/support/story_fixtures.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

namespace json = boost::json;
using namespace std::chrono_literals;

const std::filesystem::path support_dir =
    std::filesystem::path(FEEDD_TEST_DATA).parent_path() / "support";

// Debian's python3 (python3-aiosmtpd lives there), not whatever python3 is first on PATH.
constexpr const char* python = "/usr/bin/python3";

// Two outlets carry one story (German, non-ASCII, with markup and a script in the summary);
// each has one more story of its own. The shared story's time orders its sources, so each
// outlet publishes it at its own time and the order never depends on which feed is stored first.
std::string feed(const std::string& outlet, const std::string& host, const std::string& second,
                 const std::string& second_summary, const std::string& shared_time = "06:00") {
    return fmt::format(
        R"(<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>{0}</title><link>https://{1}/</link>
<item><title>Gespräche über Zölle in Brüssel gehen weiter – Einigung möglich</title>
<link>https://{1}/zoelle</link><guid>{1}-1</guid><pubDate>Sat, 14 Jun 2025 {5}:00 GMT</pubDate>
<description>&lt;p&gt;Die Verhandlungen über die Zölle &lt;b&gt;gehen weiter&lt;/b&gt;.&lt;script&gt;document.title='pwned'&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>{2}</title><link>https://{1}/second</link><guid>{1}-{4}</guid>
<pubDate>Sat, 14 Jun 2025 05:00:00 GMT</pubDate><description>{3}</description></item>
</channel></rss>
)",
        outlet, host, second, second_summary, std::hash<std::string>{}(second), shared_time);
}

class smtp_sink {
  public:
    smtp_sink(const std::filesystem::path& dir, std::vector<std::string> options = {}) {
        std::filesystem::create_directories(dir);
        maildir_ = dir / "maildir";
        const auto port_file = dir / "port";
        std::vector<std::string> args{(support_dir / "smtp_sink.py").string(), "--maildir",
                                      maildir_.string(), "--port-file", port_file.string()};
        args.insert(args.end(), options.begin(), options.end());
        process_ = std::make_unique<child_process>(python, args, dir);
        EXPECT_TRUE(eventually([&] { return std::filesystem::exists(port_file); }, 20s))
            << process_->err();
        if (std::filesystem::exists(port_file)) port_ = std::stoi(read_file(port_file));
    }
    ~smtp_sink() { stop(); }

    void stop() {
        if (!process_) return;
        process_->send(SIGTERM);
        process_->wait(10s);
        process_.reset();
    }
    int port() const { return port_; }
    const std::filesystem::path& maildir() const { return maildir_; }

    // Every stored message, parsed by Python's email package (tests/support/read_maildir.py).
    std::vector<json::object> messages(const std::filesystem::path& html_out = {}) const {
        if (!std::filesystem::exists(maildir_ / "new")) return {};
        std::vector<std::string> args{(support_dir / "read_maildir.py").string(),
                                      maildir_.string()};
        if (!html_out.empty()) args.insert(args.end(), {"--html-out", html_out.string()});
        const auto out_dir = maildir_.parent_path() / "read";
        std::filesystem::create_directories(out_dir);
        child_process reader(python, args, out_dir);
        EXPECT_EQ(reader.wait(30s), 0) << reader.err();
        return json_lines(reader.out());
    }
    std::size_t count() const {
        if (!std::filesystem::exists(maildir_ / "new")) return 0;
        std::size_t n = 0;
        for ([[maybe_unused]] const auto& entry :
             std::filesystem::directory_iterator(maildir_ / "new"))
            ++n;
        return n;
    }

  private:
    std::filesystem::path maildir_;
    int port_ = 0;
    std::unique_ptr<child_process> process_;
};

const json::object* part(const json::object& message, std::string_view type) {
    for (const auto& p : message.at("parts").as_array()) {
        if (p.as_object().at("content_type").as_string() == type) return &p.as_object();
    }
    return nullptr;
}

std::string text_of(const json::object& object, std::string_view key) {
    return std::string(object.at(key).as_string());
}

class digest_e2e : public ::testing::Test {
  protected:
    void SetUp() override {
        write_file(dir_ / "a.xml",
                   feed("Tagesblatt", "a.example", "Zölle: Stahlindustrie warnt vor Folgen",
                        "Die Branche fürchtet um Jobs."));
        write_file(dir_ / "b.xml",
                   feed("Morgenpost", "b.example", "Zölle: Häfen melden weniger Container",
                        "Hamburg zählt nach.", "06:05"));
    }

    std::filesystem::path config(const std::string& digest, const std::string& mail) {
        return write_file(dir_ / "feedd.toml",
                          fmt::format("[storage]\npath = \"feedd.db\"\n\n[[feed]]\nurl = "
                                      "\"a.xml\"\n\n[[feed]]\nurl = \"b.xml\"\n\n[[topic]]\n"
                                      "name = \"zoelle\"\nmatch = \"zölle\"\n{}\n\n{}\n",
                                      digest, mail));
    }

    // `feedd run` with its output under dir_/name.
    std::unique_ptr<child_process> start_daemon(const std::string& name) {
        std::filesystem::create_directories(dir_ / name);
        return std::make_unique<child_process>(
            FEEDD_BINARY,
            std::vector<std::string>{"run", "--config", (dir_ / "feedd.toml").string()},
            dir_ / name);
    }

    run_result feedd(std::vector<std::string> args) {
        args.insert(args.end(), {"--config", (dir_ / "feedd.toml").string()});
        return run_feedd(args, dir_.path());
    }

    std::vector<json::object> digests() {
        const auto result = feedd({"digests", "--json"});
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return json_lines(result.out);
    }

    temp_dir dir_;
};

TEST_F(digest_e2e, cli_sends_over_starttls_with_auth_once_and_the_html_renders) {
    // A test-only certificate for 127.0.0.1, made now.
    std::filesystem::create_directories(dir_ / "openssl");
    child_process openssl("/usr/bin/openssl",
                          {"req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                           "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout",
                           (dir_ / "key.pem").string(), "-out", (dir_ / "cert.pem").string()},
                          dir_ / "openssl");
    ASSERT_EQ(openssl.wait(60s), 0) << openssl.err();
    smtp_sink sink(dir_ / "smtp", {"--tls-cert", (dir_ / "cert.pem").string(), "--tls-key",
                                   (dir_ / "key.pem").string(), "--auth", "digest:s3cret-pass"});
    ASSERT_NE(sink.port(), 0);
    write_file(dir_ / "smtp-password", "s3cret-pass\n");
    const auto mail = fmt::format(
        "[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"required\"\nusername = "
        "\"digest\"\npassword_file = \"smtp-password\"\nca_file = \"cert.pem\"\nfrom = "
        "\"news@example.org\"\ntimeout = \"20s\"",
        sink.port());
    config(
        R"(digest = { schedule = "daily 07:00", to = ["leser@example.org"], timezone = "Europe/Berlin" })",
        mail);
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);

    // --dry-run prints the message and records nothing.
    const auto dry = feedd({"digest", "--topic", "zoelle", "--dry-run", "--to", "x@example.org"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("To: x@example.org"), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("Content-Type: multipart/alternative"), std::string::npos);
    EXPECT_TRUE(digests().empty());
    EXPECT_EQ(sink.count(), 0u);

    const auto sent = feedd({"digest", "--topic", "zoelle"});
    ASSERT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_NE(sent.out.find("3 stories"), std::string::npos) << sent.out;
    const auto html_file = dir_ / "digest.html";
    const auto messages = sink.messages(html_file);
    ASSERT_EQ(messages.size(), 1u);
    const auto& m = messages[0];
    EXPECT_EQ(m.at("defects").as_int64(), 0);
    EXPECT_EQ(text_of(m, "content_type"), "multipart/alternative");
    // The subject: topic, count and the top story, RFC 2047-encoded on the wire.
    EXPECT_EQ(text_of(m, "subject"),
              "zoelle: 3 stories — Gespräche über Zölle in Brüssel gehen weiter – Einigung "
              "möglich");
    EXPECT_NE(text_of(m, "raw_subject").find("=?UTF-8?"), std::string::npos);
    EXPECT_EQ(text_of(m, "to"), "leser@example.org");
    EXPECT_NE(text_of(m, "from").find("news@example.org"), std::string::npos);
    EXPECT_FALSE(text_of(m, "date").empty());
    const auto stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(text_of(m, "message_id"), "<" + text_of(stored[0], "message_id") + ">");
    EXPECT_EQ(text_of(stored[0], "status"), "sent");
    EXPECT_EQ(stored[0].at("stories").as_int64(), 3);

    const auto* plain = part(m, "text/plain");
    const auto* html = part(m, "text/html");
    ASSERT_TRUE(plain && html);
    for (const auto* p : {plain, html}) {
        EXPECT_EQ(text_of(*p, "encoding"), "quoted-printable");
        EXPECT_EQ(text_of(*p, "charset"), "utf-8");
    }
    const auto text = text_of(*plain, "text");
    // Most sources first: the shared story leads, with both outlets.
    const auto shared = text.find("1. Gespräche über Zölle");
    EXPECT_NE(shared, std::string::npos) << text;
    EXPECT_NE(text.find("2 sources: Tagesblatt, Morgenpost"), std::string::npos) << text;
    EXPECT_NE(text.find("https://a.example/zoelle"), std::string::npos);
    EXPECT_NE(text.find("Die Verhandlungen über die Zölle gehen weiter."), std::string::npos);
    EXPECT_NE(text.find("First seen 2025-06-14 08:00 CEST"), std::string::npos) << text;
    EXPECT_EQ(text.find("pwned"), std::string::npos);
    // Absolute links, sanitised summaries: no script, no markup from the feeds.
    const auto links = m.at("links").as_array();
    ASSERT_EQ(links.size(), 3u);
    EXPECT_EQ(links[0].as_string(), "https://a.example/zoelle");
    for (const auto& link : links)
        EXPECT_EQ(std::string(link.as_string()).rfind("https://", 0), 0u) << link;
    for (const auto& tag : m.at("html_tags").as_array())
        EXPECT_NE(tag.as_string(), "script");

    // Run again: nothing new, nothing sent.
    const auto again = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("Nothing new"), std::string::npos) << again.out;
    EXPECT_EQ(sink.count(), 1u);

    // The HTML part in Chromium: it renders, with the headline as a link and nothing run.
    const auto browser_dir = dir_ / "chromium";
    std::filesystem::create_directories(browser_dir / "dom");
    auto dom_args = chromium_args(browser_dir / "profile-dom");
    dom_args.push_back("--dump-dom");
    dom_args.push_back("file://" + html_file.string());
    child_process dump("/usr/bin/chromium", dom_args, browser_dir / "dom");
    ASSERT_EQ(dump.wait(90s), 0) << dump.err();
    const auto dom = dump.out();
    EXPECT_NE(dom.find("<title>zoelle</title>"), std::string::npos) << dom.substr(0, 2000);
    EXPECT_NE(dom.find(">Gespräche über Zölle in Brüssel gehen weiter – Einigung möglich</a>"),
              std::string::npos)
        << dom;
    EXPECT_EQ(dom.find("pwned"), std::string::npos);
    std::string error;
    const auto bytes = chromium_screenshot(browser_dir, "file://" + html_file.string(), "800,900",
                                           "digest.png", error);
    ASSERT_GT(bytes.size(), 10000u) << error;
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

TEST_F(digest_e2e, starttls_required_refuses_a_server_without_it_and_keeps_the_digest) {
    smtp_sink sink(dir_ / "smtp");  // no TLS offered
    config(R"(digest = { schedule = "daily 07:00", to = ["leser@example.org"] })",
           fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nfrom = \"news@example.org\"",
                       sink.port()));
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    const auto refused = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("stays pending"), std::string::npos) << refused.err;
    EXPECT_EQ(sink.count(), 0u);
    const auto stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(text_of(stored[0], "status"), "pending");
    EXPECT_FALSE(text_of(stored[0], "last_error").empty());
}

// [mail] sendmail: the message goes to the program's standard input with LF line ends and
// the envelope as arguments; a failing program leaves the digest pending.
TEST_F(digest_e2e, sendmail_gets_the_message_on_stdin) {
    const auto program =
        write_file(dir_ / "fake-sendmail",
                   "#!/bin/sh\nprintf '%s\\n' \"$@\" > \"$0.args\"\n"
                   "cat > \"$0.message\"\nexit \"$(cat \"$0.exit\" 2>/dev/null || echo 0)\"\n");
    std::filesystem::permissions(program, std::filesystem::perms::owner_all);
    write_file(dir_ / "fake-sendmail.exit", "75\n");
    config(R"(digest = { schedule = "daily 07:00", to = ["leser@example.org"] })",
           "[mail]\nsendmail = \"fake-sendmail\"\nfrom = \"news@example.org\"");
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    const auto failed = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_NE(failed.err.find("exited with status 75"), std::string::npos) << failed.err;
    std::filesystem::remove(dir_ / "fake-sendmail.exit");
    const auto sent = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    EXPECT_EQ(read_file(dir_ / "fake-sendmail.args"),
              "-i\n-f\nnews@example.org\n--\nleser@example.org\n");
    const auto message = read_file(dir_ / "fake-sendmail.message");
    EXPECT_EQ(message.find('\r'), std::string::npos);
    EXPECT_NE(message.find("Content-Type: multipart/alternative"), std::string::npos);
    const auto stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(text_of(stored[0], "status"), "sent");
    EXPECT_EQ(stored[0].at("attempts").as_int64(), 2);
    EXPECT_NE(message.find(text_of(stored[0], "message_id")), std::string::npos);
}

// feedd without its mail module (daemon/mail_module.hpp): a copy of the binary alone in a
// folder, as when the module was not installed. Digests fail with the module's path named and
// nothing is lost: unsent stories stay unsent, a pending digest stays pending, and the real
// feedd sends them afterwards.
std::filesystem::path feedd_without_mail_module(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    const auto copy = dir / "feedd";
    std::error_code ec;
    std::filesystem::create_hard_link(FEEDD_BINARY, copy, ec);  // /proc/self/exe names the link
    if (ec) std::filesystem::copy_file(FEEDD_BINARY, copy);
    EXPECT_FALSE(std::filesystem::exists(dir / "feedd_mail.so"));
    return copy;
}

TEST_F(digest_e2e, without_the_mail_module_composing_fails_naming_it_and_loses_nothing) {
    smtp_sink sink(dir_ / "smtp");
    config(R"(digest = { schedule = "daily 07:00", to = ["leser@example.org"] })",
           fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\nfrom = "
                       "\"news@example.org\"",
                       sink.port()));
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    const auto alone = feedd_without_mail_module(dir_ / "alone");
    child_process failed(
        alone.string(), {"digest", "--topic", "zoelle", "--config", (dir_ / "feedd.toml").string()},
        dir_.path());
    EXPECT_EQ(failed.wait(60s), 1);
    EXPECT_NE(failed.err().find((dir_ / "alone" / "feedd_mail.so").string()), std::string::npos)
        << failed.err();
    EXPECT_EQ(sink.count(), 0u);
    EXPECT_TRUE(digests().empty());  // nothing recorded, so every story is still owed

    const auto sent = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    ASSERT_EQ(sink.count(), 1u);
    const auto stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].at("stories").as_int64(), 3);
}

TEST_F(digest_e2e, without_the_mail_module_a_pending_digest_stays_pending) {
    int port = 0;
    {
        smtp_sink probe(dir_ / "probe");  // only to learn a free port; then nothing listens
        port = probe.port();
    }
    config(R"(digest = { schedule = "daily 07:00", to = ["leser@example.org"] })",
           fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\nfrom = "
                       "\"news@example.org\"\nconnect_timeout = \"1s\"",
                       port));
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    EXPECT_EQ(feedd({"digest", "--topic", "zoelle"}).exit_code, 1);  // server down: pending
    const auto message_id = text_of(digests().at(0), "message_id");

    const auto alone = feedd_without_mail_module(dir_ / "alone");
    child_process failed(
        alone.string(), {"digest", "--topic", "zoelle", "--config", (dir_ / "feedd.toml").string()},
        dir_.path());
    EXPECT_EQ(failed.wait(60s), 1);
    const auto module_path = (dir_ / "alone" / "feedd_mail.so").string();
    EXPECT_NE(failed.err().find(module_path), std::string::npos) << failed.err();
    EXPECT_NE(failed.err().find("stays pending"), std::string::npos) << failed.err();
    auto stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(text_of(stored[0], "status"), "pending");
    EXPECT_NE(text_of(stored[0], "last_error").find(module_path), std::string::npos);

    smtp_sink sink(dir_ / "smtp", {"--port", std::to_string(port)});
    ASSERT_EQ(sink.port(), port);
    const auto sent = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(sent.exit_code, 0) << sent.err;
    const auto messages = sink.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(text_of(messages[0], "message_id"), "<" + message_id + ">");
    stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(text_of(stored[0], "status"), "sent");
}

// The daemon's scheduled digest: rejected twice with 451, retried with back-off, delivered
// once; then the daemon is killed with the server down and the digest pending, and the next
// start delivers that same message (same Message-ID) once.
TEST_F(digest_e2e, daemon_retries_rejections_and_survives_kill_9_exactly_once) {
    const std::string schedule =
        R"(digest = { schedule = "daily 00:00", to = ["leser@example.org"], timezone = "UTC" })";
    {
        smtp_sink sink(dir_ / "smtp1", {"--reject", "2", "--reject-code", "451"});
        config(schedule, fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\n"
                                     "from = \"news@example.org\"\n\n[mail]\nretry = \"1s\"",
                                     sink.port()));
        ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
        const auto daemon = start_daemon("run1");
        ASSERT_TRUE(eventually([&] { return sink.count() == 1; }, 30s)) << daemon->err();
        // The server has the message a moment before the daemon records it as sent.
        ASSERT_TRUE(eventually([&] { return text_of(digests()[0], "status") == "sent"; }, 10s));
        daemon->send(SIGKILL);
        daemon->wait(10s);
        const auto stored = digests();
        ASSERT_EQ(stored.size(), 1u);
        EXPECT_EQ(text_of(stored[0], "status"), "sent");
        EXPECT_EQ(stored[0].at("attempts").as_int64(), 3);  // two 451s, then accepted
        EXPECT_EQ(stored[0].at("stories").as_int64(), 3);
        EXPECT_EQ(sink.messages().size(), 1u);
    }

    // A new story arrives for the next period; the server is down when it comes due.
    write_file(dir_ / "a.xml",
               feed("Tagesblatt", "a.example", "Zölle: Neue Runde am Montag", "Termin steht."));
    int port = 0;
    {
        smtp_sink probe(dir_ / "probe");  // only to learn a free port; then nothing listens
        port = probe.port();
    }
    config(schedule, fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\n"
                                 "from = \"news@example.org\"\nconnect_timeout = \"1s\"\n\n"
                                 "[mail]\nretry = \"1s\"",
                                 port));
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    // Today's scheduled digest is already sent, so the new story goes out by hand; the
    // server is down, so it is recorded pending (with its Message-ID) and not lost.
    const auto first = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(first.exit_code, 1) << first.out << first.err;  // server down: pending
    auto stored = digests();
    ASSERT_EQ(stored.size(), 2u);
    const auto pending_id = text_of(stored[0], "message_id");
    EXPECT_EQ(text_of(stored[0], "status"), "pending");
    {
        const auto daemon = start_daemon("run2");
        ASSERT_TRUE(eventually([&] { return digests()[0].at("attempts").as_int64() >= 2; }, 30s))
            << daemon->err();
        daemon->send(SIGKILL);
        daemon->wait(10s);
    }
    EXPECT_EQ(text_of(digests()[0], "status"), "pending");

    smtp_sink sink(dir_ / "smtp2", {"--port", std::to_string(port)});
    ASSERT_EQ(sink.port(), port);
    {
        const auto daemon = start_daemon("run3");
        ASSERT_TRUE(eventually([&] { return sink.count() == 1; }, 30s)) << daemon->err();
        ASSERT_TRUE(eventually([&] { return text_of(digests()[0], "status") == "sent"; }, 10s));
        daemon->send(SIGKILL);
        daemon->wait(10s);
    }
    const auto messages = sink.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(text_of(messages[0], "message_id"), "<" + pending_id + ">");
    EXPECT_NE(text_of(*part(messages[0], "text/plain"), "text").find("Neue Runde am Montag"),
              std::string::npos);
    // Another start: nothing is owed, nothing more arrives.
    {
        const auto daemon = start_daemon("run4");
        std::this_thread::sleep_for(2500ms);  // two digest checks
        daemon->send(SIGTERM);
        EXPECT_EQ(daemon->wait(20s), 0) << daemon->err();
    }
    EXPECT_EQ(sink.count(), 1u);
    EXPECT_EQ(text_of(digests()[0], "status"), "sent");
}

// SIGHUP applies digest changes without a restart: a digest added to a topic goes out, and
// a digest added to a second topic is delivered through the [smtp] server the same reload
// switched to.
TEST_F(digest_e2e, sighup_adds_digests_and_switches_the_smtp_server) {
    smtp_sink first(dir_ / "smtp1");
    smtp_sink second(dir_ / "smtp2");
    const auto write = [&](const std::string& zoelle_digest, const std::string& haefen_digest,
                           int smtp_port) {
        // Both topics exist from the start, so both timelines fill at the first poll.
        config(fmt::format("{}\n\n[[topic]]\nname = \"haefen\"\nmatch = \"häfen\"\n{}",
                           zoelle_digest, haefen_digest),
               fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\nfrom = "
                           "\"news@example.org\"\n\n[mail]\nretry = \"1s\"",
                           smtp_port));
    };
    const auto digest_to = [](const std::string& address) {
        return fmt::format(
            R"(digest = {{ schedule = "daily 00:00", timezone = "UTC", to = ["{}"] }})", address);
    };
    write("", "", first.port());
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    const auto daemon = start_daemon("run");
    std::this_thread::sleep_for(2500ms);  // two digest checks: no digest is configured yet
    EXPECT_TRUE(digests().empty());

    // After a SIGHUP, server receives one message: to `to`, its subject starting `subject`.
    const auto reload_delivers = [&](smtp_sink& server, const std::string& to,
                                     const std::string& subject) {
        daemon->send(SIGHUP);
        ASSERT_TRUE(eventually([&] { return server.count() == 1; }, 30s)) << daemon->err();
        const auto delivered = server.messages();
        ASSERT_EQ(delivered.size(), 1u);
        EXPECT_EQ(text_of(delivered[0], "to"), to);
        EXPECT_EQ(text_of(delivered[0], "subject").rfind(subject, 0), 0u)
            << text_of(delivered[0], "subject");
    };

    write(digest_to("leser@example.org"), "", first.port());
    reload_delivers(first, "leser@example.org", "zoelle: 3 stories");
    write(digest_to("leser@example.org"), digest_to("hafen@example.org"), second.port());
    reload_delivers(second, "hafen@example.org", "haefen: 1 story");
    daemon->send(SIGTERM);
    EXPECT_EQ(daemon->wait(20s), 0) << daemon->err();
    EXPECT_EQ(first.count(), 1u);  // nothing more went to the old server
    EXPECT_EQ(digests().size(), 2u);
}

// `feedd digest` run by hand while the daemon's digest thread is sending the same pending
// digest to a slow server: both used to pick the pending row and send it, so the reader got
// the digest twice (same Message-ID). Only one sender may hold a digest at a time.
TEST_F(digest_e2e, manual_digest_next_to_the_daemon_never_sends_a_digest_twice) {
    smtp_sink sink(dir_ / "smtp", {"--data-delay", "4"});
    config(R"(digest = { schedule = "daily 00:00", to = ["leser@example.org"], timezone = "UTC" })",
           fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\n"
                       "from = \"news@example.org\"\ntimeout = \"30s\"",
                       sink.port()));
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    const auto daemon = start_daemon("run");
    // The daemon records the period's digest and starts sending it (the server takes 4 s).
    ASSERT_TRUE(eventually([&] { return digests().size() == 1; }, 30s)) << daemon->err();
    const auto manual = feedd({"digest", "--topic", "zoelle"});
    EXPECT_EQ(manual.exit_code, 0) << manual.out << manual.err;
    ASSERT_TRUE(eventually([&] { return text_of(digests()[0], "status") == "sent"; }, 30s))
        << daemon->err();
    std::this_thread::sleep_for(1500ms);  // a digest check more: nothing else goes out
    daemon->send(SIGTERM);
    EXPECT_EQ(daemon->wait(20s), 0) << daemon->err();
    const auto stored = digests();
    ASSERT_EQ(stored.size(), 1u);
    EXPECT_EQ(stored[0].at("attempts").as_int64(), 1);
    const auto messages = sink.messages();
    ASSERT_EQ(messages.size(), 1u);
    EXPECT_EQ(text_of(messages[0], "message_id"), "<" + text_of(stored[0], "message_id") + ">");
}

// SIGTERM while the digest thread waits on a server that answers DATA slowly: the daemon
// used to wait for the SMTP session (up to smtp.timeout, 60 s by default) before exiting.
// Now it gives up the session, exits at once, and the digest stays pending for the next
// start, which delivers it once.
TEST_F(digest_e2e, sigterm_during_a_slow_smtp_session_exits_promptly_and_keeps_the_digest) {
    const std::string schedule =
        R"(digest = { schedule = "daily 00:00", to = ["leser@example.org"], timezone = "UTC" })";
    {
        smtp_sink slow(dir_ / "slow", {"--data-delay", "40"});
        config(schedule, fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = "
                                     "\"off\"\nfrom = \"news@example.org\"",
                                     slow.port()));
        ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
        const auto daemon = start_daemon("run1");
        ASSERT_TRUE(eventually([&] { return digests().size() == 1; }, 30s)) << daemon->err();
        std::this_thread::sleep_for(1s);  // well inside the SMTP session
        const auto started = std::chrono::steady_clock::now();
        daemon->send(SIGTERM);
        EXPECT_EQ(daemon->wait(20s), 0) << daemon->err();
        EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
        EXPECT_EQ(text_of(digests()[0], "status"), "pending");
    }
    smtp_sink sink(dir_ / "smtp");
    config(schedule, fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\n"
                                 "from = \"news@example.org\"",
                                 sink.port()));
    const auto daemon = start_daemon("run2");
    ASSERT_TRUE(eventually([&] { return text_of(digests()[0], "status") == "sent"; }, 30s))
        << daemon->err();
    daemon->send(SIGTERM);
    EXPECT_EQ(daemon->wait(20s), 0) << daemon->err();
    EXPECT_EQ(sink.count(), 1u);
}

// `feedd digest --to` went into RCPT TO and the To: header unchecked: a CR/LF in it added
// an SMTP command (a second recipient) and a header. It is refused like a bad config address.
TEST_F(digest_e2e, a_to_address_with_a_line_break_is_refused_and_nothing_is_sent) {
    smtp_sink sink(dir_ / "smtp");
    config("", fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"off\"\n"
                           "from = \"news@example.org\"",
                           sink.port()));
    ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
    const auto result = feedd(
        {"digest", "--topic", "zoelle", "--to", "x@example.org>\r\nRCPT TO:<evil@example.org"});
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_NE(result.err.find("is not an e-mail address"), std::string::npos) << result.err;
    EXPECT_TRUE(digests().empty());
    std::this_thread::sleep_for(500ms);
    EXPECT_EQ(sink.count(), 0u);
}

// A server that misbehaves at each step (tests/support/hostile_smtp.py): silent, an endless
// line or reply, a connection dropped mid-DATA, 5xx at MAIL/RCPT/DATA/end of data, STARTTLS
// offered but no TLS behind it. Each attempt fails within the configured timeouts, with
// libcurl's bounds on reply size, names what went wrong, and leaves the digest pending.
TEST_F(digest_e2e, a_hostile_server_fails_each_attempt_promptly_and_keeps_the_digest) {
    const std::vector<std::pair<std::string, std::string>> modes = {
        {"silent", "timed out"},
        {"endless-line", "Too large response"},
        {"endless-reply", "Too large response"},
        {"drop-in-data", "not sent"},
        {"reject-MAIL", "server said 554"},
        {"reject-RCPT", "server said 554"},
        {"reject-DATA", "server said 554"},
        {"reject-end", "server said 554"},
        {"bad-starttls", "server said 220"},  // then a TLS error, or the garbage as a reply
    };
    int attempts = 0;
    for (const auto& [mode, expected] : modes) {
        const auto dir = dir_ / ("hostile-" + mode);
        std::filesystem::create_directories(dir);
        child_process server(python,
                             {(support_dir / "hostile_smtp.py").string(), "--port-file",
                              (dir / "port").string(), "--mode", mode},
                             dir);
        ASSERT_TRUE(eventually([&] { return std::filesystem::exists(dir / "port"); }, 20s))
            << server.err();
        config("",
               fmt::format("[smtp]\nurl = \"smtp://127.0.0.1:{}\"\nstarttls = \"{}\"\n"
                           "from = \"news@example.org\"\nconnect_timeout = \"2s\"\n"
                           "timeout = \"4s\"",
                           read_file(dir / "port"), mode == "bad-starttls" ? "required" : "off"));
        if (attempts == 0) {
            ASSERT_EQ(feedd({"poll", "--once"}).exit_code, 0);
        }
        const auto started = std::chrono::steady_clock::now();
        const auto result = feedd({"digest", "--topic", "zoelle", "--to", "leser@example.org"});
        EXPECT_LT(std::chrono::steady_clock::now() - started, 15s) << mode;
        EXPECT_EQ(result.exit_code, 1) << mode << "\n" << result.out << result.err;
        EXPECT_NE(result.err.find(expected), std::string::npos) << mode << "\n" << result.err;
        ++attempts;
        const auto stored = digests();
        ASSERT_EQ(stored.size(), 1u) << mode;
        EXPECT_EQ(text_of(stored[0], "status"), "pending") << mode;
        EXPECT_EQ(stored[0].at("attempts").as_int64(), attempts) << mode;
        server.send(SIGTERM);
        server.wait(10s);
    }
}

}  // namespace
}  // namespace feedd::test
