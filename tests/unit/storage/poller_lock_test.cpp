// storage::poller_lock: one poller per database, released by the kernel whatever ends the
// holder. flock(2) locks belong to an open file description, so two tries in this one
// process conflict as two processes would.
#include "storage/poller_lock.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tests/support/temp_dir.hpp"

namespace feedd::test {
namespace {

using storage::poller_lock;

TEST(poller_lock, a_second_try_fails_while_it_is_held_and_names_the_holder) {
    temp_dir dir;
    const auto db = dir / "feedd.db";
    {
        const auto first = poller_lock::try_acquire(db);
        ASSERT_TRUE(first.acquired());
        EXPECT_EQ(first.file(), poller_lock::file_for(db));
        EXPECT_EQ(first.file().filename(), "feedd.db.lock");
        EXPECT_TRUE(std::filesystem::exists(first.file()));

        const auto second = poller_lock::try_acquire(db);
        EXPECT_FALSE(second.acquired());
        EXPECT_EQ(second.holder(), static_cast<long>(::getpid()));
    }
    // Released with its holder: the file stays, and locks again.
    EXPECT_TRUE(std::filesystem::exists(poller_lock::file_for(db)));
    EXPECT_TRUE(poller_lock::try_acquire(db).acquired());
}

// The digest sender's lock is another file: `feedd digest` can send beside a running poller.
TEST(poller_lock, the_digest_sender_lock_is_separate_from_the_poller_lock) {
    temp_dir dir;
    const auto db = dir / "feedd.db";
    const auto poller = poller_lock::try_acquire(db);
    ASSERT_TRUE(poller.acquired());
    const auto sender = poller_lock::try_acquire(db, poller_lock::digest_sender_suffix);
    ASSERT_TRUE(sender.acquired());
    EXPECT_EQ(sender.file().filename(), "feedd.db.digest-lock");
    EXPECT_FALSE(poller_lock::try_acquire(db, poller_lock::digest_sender_suffix).acquired());
}

TEST(poller_lock, every_path_to_one_database_finds_the_same_lock) {
    temp_dir dir;
    std::filesystem::create_directories(dir / "state");
    write_file(dir / "state/feedd.db", "");
    std::filesystem::create_directory_symlink(dir / "state", dir / "link");
    const auto held = poller_lock::try_acquire(dir / "state/feedd.db");
    ASSERT_TRUE(held.acquired());
    EXPECT_FALSE(poller_lock::try_acquire(dir / "link/feedd.db").acquired());
    EXPECT_FALSE(poller_lock::try_acquire(dir / "link/../state/feedd.db").acquired());
    EXPECT_TRUE(poller_lock::try_acquire(dir / "state/other.db").acquired());
}

TEST(poller_lock, a_holder_killed_with_sigkill_leaves_no_stale_lock) {
    temp_dir dir;
    const auto db = dir / "feedd.db";
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        const auto lock = poller_lock::try_acquire(db);
        const char byte = lock.acquired() ? '1' : '0';
        if (::write(ready[1], &byte, 1) != 1) ::_exit(2);
        ::pause();
        ::_exit(0);
    }
    ::close(ready[1]);
    char byte = 0;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
    ASSERT_EQ(byte, '1');

    const auto refused = poller_lock::try_acquire(db);
    EXPECT_FALSE(refused.acquired());
    EXPECT_EQ(refused.holder(), static_cast<long>(child));

    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    const auto after = poller_lock::try_acquire(db);
    EXPECT_TRUE(after.acquired());
}

// Root ignores file modes, so for root the immutable attribute (as reliability_test does).
void set_read_only(const std::filesystem::path& folder, bool read_only) {
    if (::geteuid() == 0) {
        const auto command = fmt::format("chattr {}i '{}'", read_only ? '+' : '-', folder.string());
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        return;
    }
    ASSERT_EQ(::chmod(folder.c_str(), read_only ? 0555 : 0755), 0);
}

TEST(poller_lock, a_read_only_folder_is_an_error_naming_the_database_and_the_lock) {
    temp_dir dir;
    std::filesystem::create_directories(dir / "state");
    const auto db = dir / "state/feedd.db";
    set_read_only(dir / "state", true);
    std::string message;
    try {
        const auto lock = poller_lock::try_acquire(db);
        ADD_FAILURE() << "locked in a read-only folder, acquired=" << lock.acquired();
    } catch (const std::runtime_error& e) {
        message = e.what();
    }
    set_read_only(dir / "state", false);
    EXPECT_NE(message.find(db.string() + ": cannot open its lock file " + db.string() + ".lock"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("make its folder writable"), std::string::npos) << message;

    // A lock file made earlier (by the service, or another user) still locks in that folder.
    ASSERT_TRUE(poller_lock::try_acquire(db).acquired());
    set_read_only(dir / "state", true);
    const bool acquired = poller_lock::try_acquire(db).acquired();
    set_read_only(dir / "state", false);
    EXPECT_TRUE(acquired);
}

}  // namespace
}  // namespace feedd::test
