#include "daemon/fetch_window.hpp"

#include <gtest/gtest.h>

namespace feedd::daemon {
namespace {

TEST(fetch_window, starts_at_the_document_bound_and_grows_while_the_writer_keeps_up) {
    fetch_window window(64, 16);
    EXPECT_EQ(window.limit(), 16);
    for (int i = 0; i < 10; ++i)
        window.fetched(1);  // each document is stored before the next arrives
    EXPECT_EQ(window.limit(), 26);
    for (int i = 0; i < 100; ++i)
        window.fetched(16);
    EXPECT_EQ(window.limit(), 64);  // never above [fetch] concurrency
}

TEST(fetch_window, shrinks_back_to_the_bound_while_documents_wait_for_the_writer) {
    fetch_window window(64, 16);
    for (int i = 0; i < 30; ++i)
        window.fetched(0);
    EXPECT_EQ(window.limit(), 46);
    for (int i = 0; i < 10; ++i)
        window.fetched(17);
    EXPECT_EQ(window.limit(), 36);
    for (int i = 0; i < 100; ++i)
        window.fetched(40);
    EXPECT_EQ(window.limit(), 16);  // never below the bound: the writer's queue stays full
    window.fetched(3);
    EXPECT_EQ(window.limit(), 17);
}

TEST(fetch_window, starts_small_again_after_an_idle_pipeline) {
    fetch_window window(64, 16);
    for (int i = 0; i < 40; ++i)
        window.fetched(0);
    window.idle();
    EXPECT_EQ(window.limit(), 16);
}

TEST(fetch_window, a_small_concurrency_is_never_exceeded) {
    fetch_window window(4, 16);
    EXPECT_EQ(window.limit(), 4);
    window.fetched(0);
    EXPECT_EQ(window.limit(), 4);
    window.fetched(30);
    EXPECT_EQ(window.limit(), 4);
    EXPECT_EQ(fetch_window(0, 16).limit(), 1);  // a poll always makes progress
}

}  // namespace
}  // namespace feedd::daemon
