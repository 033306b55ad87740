// Guest placement: CPU lists as the kernel writes them, which CPU a new guest
// gets under each placement, and the configured CPUs checked against the ones
// this process may run on.
#include "oyster/sandbox/guest_placement.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "oyster/common/cpu_list.h"
#include "oyster/common/error.h"

namespace oyster {
namespace {

TEST(CpuList, ReadsWhatTheKernelWrites) {
    EXPECT_EQ(parse_cpu_list("0"), (std::vector<int>{0}));
    EXPECT_EQ(parse_cpu_list("0-3,6,8-9"), (std::vector<int>{0, 1, 2, 3, 6, 8, 9}));
    EXPECT_EQ(parse_cpu_list("5-5"), (std::vector<int>{5}));
    EXPECT_EQ(cpu_list_text({0, 2, 3}), "0,2,3");
}

TEST(CpuList, RefusesAnythingElse) {
    for (const char* bad : {"", ",", "1,", ",1", "a", "1-", "-1", "3-1", "1,1", "2,1", "0-2,2", " 1", "1 ", "1--2",
                            "+1", "99999", "0x1", "1024"}) {
        EXPECT_FALSE(parse_cpu_list(bad)) << bad;
    }
}

TEST(GuestPlacementTest, SpreadTakesTheCpuWithFewestGuests) {
    std::vector<int> cpus{0, 1, 2};
    // Equals favour the later CPU: the host's interrupts land on the first.
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, cpus, {}), 2);
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, cpus, {2}), 1);
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, cpus, {2, 1}), 0);
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, cpus, {2, 1, 0}), 2);
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, cpus, {2, 2, 0, 1, 1}), 0);
    // A guest pinned to a CPU no longer in the list counts for nothing.
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, {0, 1}, {7, 7, 1}), 0);
}

TEST(GuestPlacementTest, SpreadKeepsGuestsEvenAsTheyComeAndGo) {
    std::vector<int> cpus{0, 1};
    std::vector<int> live;
    for (int i = 0; i < 9; ++i) live.push_back(choose_guest_cpu(GuestPlacement::spread, cpus, live));
    EXPECT_EQ(std::count(live.begin(), live.end(), 0), 4);
    EXPECT_EQ(std::count(live.begin(), live.end(), 1), 5);
    live.erase(std::remove(live.begin(), live.end(), 1), live.end());  // CPU 1's guests stop
    for (int i = 0; i < 4; ++i) EXPECT_EQ(choose_guest_cpu(GuestPlacement::spread, cpus, live), 1) << i;
}

TEST(GuestPlacementTest, SingleAndFree) {
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::single, {0, 1, 2}, {2, 2, 2}), 2);
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::single, {1}, {}), 1);
    EXPECT_EQ(choose_guest_cpu(GuestPlacement::free, {0, 1}, {}), -1);
}

TEST(GuestPlacementTest, ConfiguredCpusMustBeOnesThisProcessMayUse) {
    auto all = allowed_cpus();
    ASSERT_FALSE(all.empty());
    EXPECT_EQ(guest_cpus("", "t.toml: guest.cpus"), all);
    EXPECT_EQ(guest_cpus(std::to_string(all.back()), "t.toml: guest.cpus"), (std::vector<int>{all.back()}));
    try {
        guest_cpus("1000", "t.toml: guest.cpus");
        FAIL() << "CPU 1000 accepted";
    } catch (const Error& e) {
        EXPECT_EQ(std::string(e.what()).rfind("t.toml: guest.cpus: CPU 1000 is not one this sensor may run on (", 0),
                  0u)
            << e.what();
    }
}

}  // namespace
}  // namespace oyster
