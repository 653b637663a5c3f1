// [http] in the configuration and `feedd run --listen`.
#include <string>

#include <gtest/gtest.h>

#include "daemon/config.hpp"
#include "tests/support/temp_dir.hpp"

namespace feedd::daemon {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class http_config_test : public ::testing::Test {
  protected:
    config load(const std::string& text) {
        return load_config(test::write_file(tmp_ / "feedd.toml", text));
    }
    std::string error_of(const std::string& text) {
        try {
            load(text);
        } catch (const config_error& e) {
            return e.what();
        }
        return "(no error)";
    }
    test::temp_dir tmp_;
};

TEST_F(http_config_test, off_unless_configured) {
    const auto cfg = load("");
    EXPECT_FALSE(cfg.http.listen);
    EXPECT_FALSE(cfg.http.token);
}

TEST_F(http_config_test, all_keys) {
    test::write_file(tmp_ / "token", "  abcdefghijklmnop0123\n");
    const auto cfg = load(
        "[http]\nlisten = \"0.0.0.0:8080\"\ntoken_file = \"token\"\nrequest_timeout = \"500ms\"\n"
        "max_connections = 64\nrate_limit = 7\n");
    EXPECT_EQ(cfg.http.listen, "0.0.0.0:8080");
    EXPECT_EQ(cfg.http.token, "abcdefghijklmnop0123");
    EXPECT_EQ(cfg.http.token_file, tmp_ / "token");
    EXPECT_EQ(cfg.http.request_timeout, 500ms);
    EXPECT_EQ(cfg.http.max_connections, 64);
    EXPECT_EQ(cfg.http.requests_per_second, 7);
}

TEST_F(http_config_test, listen_addresses) {
    EXPECT_EQ(check_listen_address("127.0.0.1:8080"), "");
    EXPECT_EQ(check_listen_address("[::1]:0"), "");
    EXPECT_NE(check_listen_address("localhost:8080").find("not a literal IP address"),
              std::string::npos);
    EXPECT_NE(check_listen_address("127.0.0.1").find("not ADDR:PORT"), std::string::npos);
    EXPECT_NE(check_listen_address("::1:80").find("not ADDR:PORT"), std::string::npos);
    EXPECT_NE(check_listen_address("127.0.0.1:99999").find("port \"99999\""), std::string::npos);
    EXPECT_NE(check_listen_address("127.0.0.1:").find("port \"\""), std::string::npos);
    EXPECT_NE(check_listen_address("[127.0.0.1]:80").find("not a literal"), std::string::npos);
    EXPECT_TRUE(is_loopback_listen("127.0.0.1:80"));
    EXPECT_TRUE(is_loopback_listen("127.1.2.3:80"));
    EXPECT_TRUE(is_loopback_listen("[::1]:80"));
    EXPECT_FALSE(is_loopback_listen("0.0.0.0:80"));
    EXPECT_FALSE(is_loopback_listen("[::]:80"));
    EXPECT_FALSE(is_loopback_listen("192.168.1.2:80"));
}

TEST_F(http_config_test, errors_name_the_line_and_key) {
    const auto file = (tmp_ / "feedd.toml").string();
    EXPECT_EQ(error_of("[http]\nlisten = \"example.org:80\"\n"),
              file +
                  ":2: http.listen: \"example.org\" is not a literal IP address; expected "
                  "e.g. \"127.0.0.1\" or \"[::1]\" (host names are not resolved)");
    EXPECT_EQ(error_of("[http]\nlisten = 8080\n"),
              file + ":2: http.listen: got an integer; expected a string like \"127.0.0.1:8080\"");
    EXPECT_NE(error_of("[http]\nlisten = \"0.0.0.0:8080\"\n")
                  .find("0.0.0.0:8080 is not a loopback address and no token_file is set"),
              std::string::npos);
    EXPECT_NE(
        error_of("[http]\ntoken_file = \"missing\"\n").find(":2: http.token_file: cannot read"),
        std::string::npos);
    test::write_file(tmp_ / "short", "abc\n");
    EXPECT_NE(error_of("[http]\ntoken_file = \"short\"\n").find("holds no usable token"),
              std::string::npos);
    EXPECT_NE(error_of("[http]\nlisten = \"127.0.0.1:1\"\nlisen = 1\n")
                  .find("unknown key \"lisen\" in [http] (did you mean \"listen\"?)"),
              std::string::npos)
        << error_of("[http]\nlisten = \"127.0.0.1:1\"\nlisen = 1\n");
    EXPECT_NE(error_of("[http]\nmax_connections = 0\n").find("http.max_connections"),
              std::string::npos);
}

TEST_F(http_config_test, listen_flag) {
    auto cfg = load("");
    override_listen(cfg, "127.0.0.1:9000");
    EXPECT_EQ(cfg.http.listen, "127.0.0.1:9000");
    EXPECT_THROW(override_listen(cfg, "0.0.0.0:9000"), config_error);
    EXPECT_THROW(override_listen(cfg, "nonsense"), config_error);
    cfg.http.token = "abcdefghijklmnop";
    override_listen(cfg, "0.0.0.0:9000");
    EXPECT_EQ(cfg.http.listen, "0.0.0.0:9000");
}

}  // namespace
}  // namespace feedd::daemon
