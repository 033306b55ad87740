#include "oyster/disguise/shown_uptime.h"

#include <gtest/gtest.h>

namespace oyster {
namespace {

constexpr std::int64_t kDay = 86400;
// 2026-11-27T00:00:00Z
constexpr std::int64_t kNow = 1795737600;
constexpr const char* kVersion = "#1 SMP PREEMPT_DYNAMIC Debian 6.1.176-1 (2026-07-02)";

TEST(ShownUptime, ZeroDaysShowsTheGuestsOwn) {
    auto boot = shown_boot(0, kNow, kVersion, "seed", std::nullopt);
    EXPECT_EQ(boot.boot_time, 0);
    EXPECT_TRUE(shown_uptime_env(boot, kNow + 100).empty());
}

TEST(ShownUptime, BootsThatManyDaysAgoPlusPartOfADay) {
    auto boot = shown_boot(41, kNow, kVersion, "seed", std::nullopt);
    EXPECT_LE(boot.boot_time, kNow - 41 * kDay);
    EXPECT_GT(boot.boot_time, kNow - 42 * kDay);
    EXPECT_EQ(boot.uptime_days, 41U);
    // Another installation boots at another hour.
    EXPECT_NE(shown_boot(41, kNow, kVersion, "other", std::nullopt).boot_time, boot.boot_time);
    auto env = shown_uptime_env(boot, kNow + 7 * kDay);
    ASSERT_EQ(env.size(), 1U);
    EXPECT_EQ(env[0], "UML_SHOWN_UPTIME=" + std::to_string(kNow + 7 * kDay - boot.boot_time));
}

// A guest booted again from its disk shows a reboot after its last stop,
// never a boot its disk's records postdate.
TEST(ShownUptime, ADiskThatRanBeforeShowsARebootAfterItsLastStop) {
    auto boot = shown_boot(41, kNow, kVersion, "seed", std::nullopt);
    std::int64_t stopped = kNow + 2 * kDay;
    auto env = shown_uptime_env(boot, kNow + 5 * kDay, stopped);
    ASSERT_EQ(env.size(), 1U);
    EXPECT_EQ(env[0], "UML_SHOWN_UPTIME=" + std::to_string(kNow + 5 * kDay - stopped - kRebootS));
    // A disk last written before the persona's boot moment changes nothing.
    EXPECT_EQ(shown_uptime_env(boot, kNow, boot.boot_time - kDay), shown_uptime_env(boot, kNow));
    // Booted again at once: the guest's own clock.
    EXPECT_TRUE(shown_uptime_env(boot, stopped + 10, stopped).empty());
}

// guest.boot_at_shown_moment: the kernel is also told to boot at that
// moment and catch up (patch 0029); nothing when there is no uptime to show.
TEST(ShownUptime, CatchUpIsAskedForOnlyWithAnUptime) {
    auto boot = shown_boot(41, kNow, kVersion, "seed", std::nullopt);
    auto env = shown_uptime_env(boot, kNow, 0, ClockCatchUp::as_on_resume);
    ASSERT_EQ(env.size(), 2U);
    EXPECT_EQ(env[1], "UML_SHOWN_CATCH_UP=1");
    EXPECT_EQ(shown_uptime_env(boot, kNow, 0, ClockCatchUp::every_clock).at(1), "UML_SHOWN_CATCH_UP=monotonic");
    EXPECT_EQ(shown_uptime_env(boot, kNow, 0, ClockCatchUp::none).size(), 1U);
    EXPECT_TRUE(
        shown_uptime_env(shown_boot(0, kNow, kVersion, "seed", std::nullopt), kNow, 0, ClockCatchUp::as_on_resume)
            .empty());
    // guest.catch_up_monotonic means nothing without guest.boot_at_shown_moment.
    EXPECT_EQ(clock_catch_up(false, true), ClockCatchUp::none);
    EXPECT_EQ(clock_catch_up(true, false), ClockCatchUp::as_on_resume);
    EXPECT_EQ(clock_catch_up(true, true), ClockCatchUp::every_clock);
}

TEST(ShownUptime, KeptAcrossSetupsWhileTheSettingStays) {
    ShownBoot earlier{kNow - 60 * kDay, 41};
    EXPECT_EQ(shown_boot(41, kNow, kVersion, "seed", earlier).boot_time, earlier.boot_time);
    EXPECT_NE(shown_boot(10, kNow, kVersion, "seed", earlier).boot_time, earlier.boot_time);
}

TEST(ShownUptime, NeverBeforeTheKernelWasBuilt) {
    // 2026-07-02 is 148 days before kNow: 400 days would predate it.
    auto boot = shown_boot(400, kNow, kVersion, "seed", std::nullopt);
    EXPECT_GE(boot.boot_time, 1782950400 + kDay);  // 2026-07-02 + 1 day
    EXPECT_LT(boot.boot_time, kNow);
    // A version without a date is not clamped.
    EXPECT_LT(shown_boot(400, kNow, "#1 SMP", "seed", std::nullopt).boot_time, kNow - 400 * kDay);
}

// The image's history is built from the anchor before the shown kernel is
// known; setup's boot from it afterwards is the one shown_boot gives, and
// the anchor stays with later setups.
TEST(ShownUptime, TheAnchorComesFirstAndStays) {
    auto anchor = shown_boot_anchor(41, kNow, "seed", std::nullopt);
    auto boot = shown_boot_at(41, anchor, kVersion, "seed");
    EXPECT_EQ(boot.boot_time, shown_boot(41, kNow, kVersion, "seed", std::nullopt).boot_time);
    EXPECT_EQ(boot.anchor, anchor);
    EXPECT_EQ(shown_boot_anchor(41, kNow + 30 * kDay, "seed", boot), anchor);
    EXPECT_EQ(shown_boot(41, kNow + 30 * kDay, kVersion, "seed", boot).anchor, anchor);
    // A platform from before anchors were kept: its boot is the anchor.
    ShownBoot old{kNow - 41 * kDay, 41};
    EXPECT_EQ(shown_boot_anchor(41, kNow, "seed", old), old.boot_time);
    EXPECT_EQ(shown_boot_anchor(0, kNow, "seed", std::nullopt), 0);
    // Past the kernel's build date, as before.
    auto late = shown_boot_at(400, shown_boot_anchor(400, kNow, "seed", std::nullopt), kVersion, "seed");
    EXPECT_GE(late.boot_time, 1782950400 + kDay);
}

}  // namespace
}  // namespace oyster
