// Guest placement: CPU lists as the kernel writes them, which CPU a new guest
// gets under each placement, and the configured CPUs checked against the ones
// this process may run on.
#include "oyster/sandbox/guest_placement.h"

#include <gtest/gtest.h>

#include <algorithm>

#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "oyster/common/cpu_list.h"
#include "oyster/common/error.h"
#include "oyster/jail/guest_cgroup.h"
#include "oyster/sensor/cpu_balancer.h"
#include "temp_dir.h"

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

TEST(GuestPlacementTest, TwoBusyGuestsOnOneCpuAreSplit) {
    auto move = rebalance_move({0, 1}, {{"a", 1, 0.5}, {"b", 1, 0.5}, {"idle", 0, 0.01}});
    ASSERT_TRUE(move);
    EXPECT_EQ(move->from, 1);
    EXPECT_EQ(move->to, 0);
    EXPECT_DOUBLE_EQ(move->from_load, 1.0);
    EXPECT_DOUBLE_EQ(move->to_load, 0.01);
}

TEST(GuestPlacementTest, TheMoveThatLowersThePeakMost) {
    // Moving the 0.6 guest leaves max(0.7, 0.6); the 0.1 ones max(1.2, 0.1).
    auto move = rebalance_move({0, 1}, {{"s1", 1, 0.1}, {"big", 1, 0.6}, {"s2", 1, 0.1}, {"s3", 1, 0.5}});
    ASSERT_TRUE(move);
    EXPECT_EQ(move->id, "big");
    // Three CPUs: from the busiest to the idlest.
    move = rebalance_move({0, 1, 2}, {{"a", 0, 0.5}, {"b", 0, 0.5}, {"c", 1, 0.3}});
    ASSERT_TRUE(move);
    EXPECT_EQ(move->from, 0);
    EXPECT_EQ(move->to, 2);
}

TEST(GuestPlacementTest, NothingMovesWithoutAGainWorthIt) {
    EXPECT_FALSE(rebalance_move({0, 1}, {})) << "no guests";
    EXPECT_FALSE(rebalance_move({0, 1}, {{"miner", 1, 1.0}})) << "one busy guest alone gains nothing by moving";
    EXPECT_FALSE(rebalance_move({0, 1}, {{"a", 1, 0.1}, {"b", 1, 0.1}})) << "idle guests stay";
    EXPECT_FALSE(rebalance_move({0, 1}, {{"a", 1, 0.5}, {"b", 0, 0.5}})) << "already even";
    EXPECT_FALSE(rebalance_move({1}, {{"a", 1, 0.5}, {"b", 1, 0.5}})) << "one CPU";
    // After a split the miner's load doubles on its new CPU: no move back.
    EXPECT_FALSE(rebalance_move({0, 1}, {{"a", 1, 1.0}, {"b", 0, 1.0}, {"idle", 0, 0.05}}));
    // Guests not pinned, or pinned outside the list, are neither moved nor counted.
    EXPECT_FALSE(rebalance_move({0, 1}, {{"free1", -1, 1.0}, {"free2", -1, 1.0}, {"gone", 7, 1.0}}));
}

// Processes standing in for a guest's host processes: real threads to pin,
// listed in a guest cgroup made under a scratch root.
class PinGuestTest : public testing::TempDirTest {
protected:
    void SetUp() override {
        TempDirTest::SetUp();
        cpus = allowed_cpus();
        for (const char* c : {"memory", "pids", "cpu", "cpuacct"}) {
            std::filesystem::create_directories(dir / c);
            std::ofstream(dir / c / "tasks").put('\n');
        }
        create_guest_cgroup("abc123", {64ull << 20, 64, 100}, dir.string());
    }
    void TearDown() override {
        for (pid_t p : children) {
            ::kill(p, SIGKILL);
            ::waitpid(p, nullptr, 0);
        }
        TempDirTest::TearDown();
    }
    void start_children(int n) {
        std::ofstream tasks(dir / "pids/oyster/abc123/tasks");
        for (int i = 0; i < n; ++i) {
            pid_t p = ::fork();
            if (p == 0) {
                ::pause();
                ::_exit(0);
            }
            children.push_back(p);
            tasks << p << "\n";
        }
    }
    std::string cpus_of(pid_t p) {
        cpu_set_t set;
        CPU_ZERO(&set);
        if (::sched_getaffinity(p, sizeof set, &set) != 0) return "?";
        std::vector<int> on;
        for (int c = 0; c < CPU_SETSIZE; ++c) {
            if (CPU_ISSET(c, &set)) on.push_back(c);
        }
        return cpu_list_text(on);
    }
    std::vector<int> cpus;
    std::vector<pid_t> children;
};

TEST_F(PinGuestTest, EveryThreadOfTheGuestGoesToItsCpu) {
    start_children(3);
    EXPECT_EQ(pin_guest("abc123", cpus.back(), dir.string()), 3u);
    for (pid_t p : children) EXPECT_EQ(cpus_of(p), std::to_string(cpus.back()));
    EXPECT_EQ(pin_guest("abc123", cpus.back(), dir.string()), 0u) << "already there";
    // A thread gone meanwhile is no error.
    ::kill(children[1], SIGKILL);
    ::waitpid(children[1], nullptr, 0);
    EXPECT_EQ(pin_guest("abc123", cpus.front(), dir.string()), 2u);
    EXPECT_EQ(cpus_of(children[0]), std::to_string(cpus.front()));
    EXPECT_THROW(pin_guest("abc123", -1, dir.string()), Error);
}

TEST_F(PinGuestTest, TheSensorSplitsTwoBusyGuestsSharingACpu) {
    if (cpus.size() < 2) GTEST_SKIP() << "needs two CPUs";
    start_children(2);
    create_guest_cgroup("def456", {64ull << 20, 64, 100}, dir.string());
    auto usage = [&](const char* id, std::uint64_t ns) {
        std::ofstream(dir / "cpuacct/oyster" / id / "cpuacct.usage") << ns << "\n";
    };
    int busy_cpu = cpus.back();
    sensor::CpuBalancer balancer(GuestPlacement::spread, cpus, dir.string());
    std::vector<sensor::CpuBalancer::Live> live{{"abc123", busy_cpu}, {"def456", busy_cpu}};
    auto t0 = sensor::CpuBalancer::Clock::now();
    usage("abc123", 0);
    usage("def456", 0);
    EXPECT_FALSE(balancer.balance(live, t0)) << "the first call only reads";
    EXPECT_FALSE(balancer.due(t0 + std::chrono::seconds(1)));
    // Half a CPU each over the next 5 s: both busy, sharing one.
    usage("abc123", 2'500'000'000);
    usage("def456", 2'500'000'000);
    auto move = balancer.balance(live, t0 + sensor::CpuBalancer::kInterval);
    ASSERT_TRUE(move);
    EXPECT_EQ(move->id, "abc123") << "equal loads: the first";
    EXPECT_EQ(move->to, cpus.front());
    EXPECT_NEAR(move->from_load, 1.0, 1e-9);
    for (pid_t p : children) EXPECT_EQ(cpus_of(p), std::to_string(cpus.front()));
    // Balanced now (each a whole CPU): the next intervals move nothing.
    live[0].cpu = cpus.front();
    usage("abc123", 7'500'000'000);
    usage("def456", 7'500'000'000);
    EXPECT_FALSE(balancer.balance(live, t0 + 2 * sensor::CpuBalancer::kInterval)) << "re-reads after a move";
    usage("abc123", 12'500'000'000);
    usage("def456", 12'500'000'000);
    EXPECT_FALSE(balancer.balance(live, t0 + 3 * sensor::CpuBalancer::kInterval));
}

TEST(CpuBalancerTest, OnlyForSpreadOverSeveralCpus) {
    auto now = sensor::CpuBalancer::Clock::now();
    EXPECT_FALSE(sensor::CpuBalancer(GuestPlacement::single, {0, 1}).due(now));
    EXPECT_FALSE(sensor::CpuBalancer(GuestPlacement::free, {0, 1}).due(now));
    EXPECT_FALSE(sensor::CpuBalancer(GuestPlacement::spread, {1}).due(now));
    EXPECT_TRUE(sensor::CpuBalancer(GuestPlacement::spread, {0, 1}).due(now));
}

}  // namespace
}  // namespace oyster
