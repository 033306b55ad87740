// sensor.max_guests = "auto": the smallest of what cores, memory and the
// address pool allow, never below the pool plus one.
#include "oyster/sensor/capacity.h"

#include <gtest/gtest.h>

#include "oyster/jail/guest_cgroup.h"

namespace oyster::sensor {
namespace {

constexpr std::uint64_t kGib = 1024ULL * 1024 * 1024;

TEST(CapacityTest, TwoCoresAndPlentyOfMemoryAreBoundByTheCores) {
    auto c = auto_capacity({24 * kGib, 2}, 1024, 16384, 2);
    EXPECT_EQ(c.max_guests, 32u);
    EXPECT_EQ(c.cpus, 2u) << "boots run one per core";
    EXPECT_NE(c.why.find("cores: 2 x 16"), std::string::npos) << c.why;
}

TEST(CapacityTest, LittleMemoryBindsBeforeTheCores) {
    // 4 GiB: 1 GiB kept for the host, 3 GiB / (1024 / 4 + 48) MiB = 10.
    auto c = auto_capacity({4 * kGib, 8}, 1024, 16384, 2);
    EXPECT_EQ(c.max_guests, 10u);
    EXPECT_NE(c.why.find("memory allows 10 of 304 MiB"), std::string::npos) << c.why;
}

TEST(CapacityTest, AGuestIsPlannedAtAQuarterOfItsShownMemory) {
    EXPECT_EQ(guest_planned_mib(1024), 1024 / 4 + kGuestOverheadMib);
    EXPECT_EQ(guest_planned_mib(256), 256 / 4 + kGuestOverheadMib);
}

TEST(CapacityTest, AllGuestsTogetherLeaveTheHostItsReserve) {
    // A tenth of the host, and at least 1 GiB.
    EXPECT_EQ(all_guests_memory_budget(24 * kGib), 24 * kGib - 24 * kGib / 10);
    EXPECT_EQ(all_guests_memory_budget(4 * kGib), 3 * kGib);
    EXPECT_EQ(all_guests_memory_budget(kGib / 2), 0u);
}

TEST(CapacityTest, TheAddressPoolBindsToo) {
    EXPECT_EQ(auto_capacity({64 * kGib, 16}, 256, 4, 2).max_guests, 4u);
}

TEST(CapacityTest, NeverBelowThePoolPlusOne) {
    EXPECT_EQ(auto_capacity({512ULL * 1024 * 1024, 1}, 256, 16384, 3).max_guests, 4u);
}

TEST(CapacityTest, AConfiguredNumberIsTaken) {
    Config cfg;
    cfg.sensor.max_guests = 5;
    EXPECT_EQ(sensor_capacity(cfg).max_guests, 5u);
    cfg.sensor.max_guests = 0;
    EXPECT_GE(sensor_capacity(cfg).max_guests, cfg.sensor.pool_size + 1);
}

}  // namespace
}  // namespace oyster::sensor
