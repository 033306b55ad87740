// sensor.max_guests = "auto": the smallest of what cores, memory and the
// address pool allow, never below the pool plus one.
#include "oyster/sensor/capacity.h"

#include <gtest/gtest.h>

namespace oyster::sensor {
namespace {

constexpr std::uint64_t kGib = 1024ULL * 1024 * 1024;

TEST(CapacityTest, TwoCoresAndPlentyOfMemoryAreBoundByTheCores) {
    auto c = auto_capacity({24 * kGib, 2}, 256, 16384, 2);
    EXPECT_EQ(c.max_guests, 32u);
    EXPECT_EQ(c.cpus, 2u) << "boots run one per core";
    EXPECT_NE(c.why.find("cores: 2 x 16"), std::string::npos) << c.why;
}

TEST(CapacityTest, LittleMemoryBindsBeforeTheCores) {
    // 4 GiB: 1 GiB kept for the host, 3 GiB / (256 + 48) MiB = 10.
    EXPECT_EQ(auto_capacity({4 * kGib, 8}, 256, 16384, 2).max_guests, 10u);
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
