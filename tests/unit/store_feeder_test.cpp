#include "oyster/store/store_feeder.h"

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <fstream>
#include <thread>

#include "oyster/store/event_store.h"
#include "temp_dir.h"

namespace oyster::store {
namespace {

class StoreFeederTest : public testing::TempDirTest {
protected:
    void append(int n) {
        std::ofstream out(dir / "events.jsonl", std::ios::app);
        for (int i = 0; i < n; ++i) {
            out << R"({"ts":"2026-11-27T10:00:00.000Z","type":"connection","source_ip":"198.51.100.7","n":)" << next_++
                << "}\n";
        }
    }
    std::uint64_t stored() { return EventStore(dir / "store.sqlite").count("events"); }
    int next_ = 0;
};

TEST_F(StoreFeederTest, FeedsWhileRunningAndOnceMoreWhenStopped) {
    append(10);
    {
        StoreFeeder feeder(
            dir / "store.sqlite", dir / "events.jsonl", [](const std::string&) {}, std::chrono::milliseconds(20));
        for (int i = 0; i < 250 && stored() < 10; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
        EXPECT_EQ(stored(), 10U);
        append(5);  // logged just before the sensor stops
    }
    EXPECT_EQ(stored(), 15U);
}

TEST_F(StoreFeederTest, AFailingStoreIsReportedAndNeverStopsTheCaller) {
    append(3);
    std::mutex mu;
    std::vector<std::string> reports;
    {
        StoreFeeder feeder(
            dir / "missing" / "store.sqlite", dir / "events.jsonl",
            [&](const std::string& r) {
                std::lock_guard lock(mu);
                reports.push_back(r);
            },
            std::chrono::milliseconds(10));
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::lock_guard lock(mu);
    ASSERT_FALSE(reports.empty());
    EXPECT_NE(reports[0].find("cannot add events"), std::string::npos) << reports[0];
    // With how much of the log waits: all of it, none was ever added.
    auto size = std::filesystem::file_size(dir / "events.jsonl");
    EXPECT_NE(reports[0].find(fmt::format("; {} bytes of the log wait for it", size)), std::string::npos) << reports[0];
    // Reported once, not at every retry.
    EXPECT_EQ(reports.size(), 1U);
}

}  // namespace
}  // namespace oyster::store
