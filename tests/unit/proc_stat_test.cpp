#include <gtest/gtest.h>

#include "oyster/common/proc_stat.h"

namespace oyster {
namespace {

TEST(ProcStat, ReadsTheCpuLine) {
    auto t =
        parse_proc_stat_cpu("cpu  1382 3 2540 364961308 12 0 17 5 0 0\ncpu0 1382 3 2540 364961308 12 0 17 5 0 0\n");
    ASSERT_TRUE(t);
    EXPECT_EQ(t->user, 1382u);
    EXPECT_EQ(t->system, 2540u);
    EXPECT_EQ(t->idle, 364961308u);
    EXPECT_EQ(t->busy(), 1382u + 3 + 2540 + 17 + 5);
    // An old kernel's four counters are enough.
    auto old = parse_proc_stat_cpu("cpu 10 0 20 30");
    ASSERT_TRUE(old);
    EXPECT_EQ(old->busy(), 30u);
    // As the mconsole returns it.
    auto reply = parse_proc_stat_cpu("\n cpu  468 6 653 365081880 0 0 2 0 0 0\n cpu0 468 6 653 365081880 0 0 2 0 0 0");
    ASSERT_TRUE(reply);
    EXPECT_EQ(reply->busy(), 468u + 6 + 653 + 2);
}

TEST(ProcStat, RefusesAnythingElse) {
    EXPECT_FALSE(parse_proc_stat_cpu(""));
    EXPECT_FALSE(parse_proc_stat_cpu("cpu0 1 2 3 4"));
    EXPECT_FALSE(parse_proc_stat_cpu("cpu 1 2 3"));
    EXPECT_FALSE(parse_proc_stat_cpu("cpu 1 2 -3 4"));
    EXPECT_FALSE(parse_proc_stat_cpu("cpu 1 2 3x 4"));
    EXPECT_FALSE(parse_proc_stat_cpu("intr 1 2 3 4\ncpu0 1 2 3 4"));
    EXPECT_FALSE(parse_proc_stat_cpu("cpu 1 2 3\ncpu 1 2 3 4"));
    // Counters that could wrap a sum.
    EXPECT_FALSE(parse_proc_stat_cpu("cpu 18446744073709551615 1 1 1"));
    EXPECT_FALSE(parse_proc_stat_cpu("cpu 72057594037927937 1 1 1"));
}

}  // namespace
}  // namespace oyster
