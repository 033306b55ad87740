// The thread each consumer of the event log runs on: a failing step is
// reported once (not every second), reset, retried, and its recovery said;
// the last step runs when it stops.
#include "oyster/common/periodic_sync.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace oyster {
namespace {

TEST(PeriodicSync, ReportsAFailureOnceRetriesAndSaysWhenItWorksAgain) {
    std::atomic<int> steps = 0, resets = 0;
    std::mutex mu;
    std::vector<std::string> reports;
    {
        PeriodicSync sync(
            "test output",
            [&] {
                if (++steps <= 3) throw std::runtime_error("down");
            },
            [&] { ++resets; },
            [&](const std::string& r) {
                std::lock_guard lock(mu);
                reports.push_back(r);
            },
            std::chrono::milliseconds(5));
        while (steps < 6) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(resets, 3);
    ASSERT_EQ(reports.size(), 2U);
    EXPECT_EQ(reports[0], "test output: down (retrying)");
    EXPECT_EQ(reports[1], "test output: working again");
}

TEST(PeriodicSync, RunsALastStepWhenStopped) {
    std::atomic<int> steps = 0;
    {
        PeriodicSync sync(
            "x", [&] { ++steps; }, nullptr, [](const std::string&) {}, std::chrono::hours(1));
        while (steps < 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(steps, 2);
}

}  // namespace
}  // namespace oyster
