// The sensor's event log on a full disk: the sensor keeps running, no line
// is ever torn, and what was dropped is said once writing works again.
#include "oyster/sensor/event_log.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

#include "oyster/common/log_segments.h"
#include "temp_dir.h"

namespace oyster::sensor {
namespace {

// Files may grow to `bytes` while it lives (RLIMIT_FSIZE; SIGXFSZ ignored,
// so a write past it fails with EFBIG as on a full disk).
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        ::getrlimit(RLIMIT_FSIZE, &saved_);
        old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
        rlimit r = saved_;
        r.rlim_cur = bytes;
        ::setrlimit(RLIMIT_FSIZE, &r);
    }
    ~FileSizeLimit() { lift(); }
    void lift() {
        ::setrlimit(RLIMIT_FSIZE, &saved_);
        std::signal(SIGXFSZ, old_handler_);
    }
    FileSizeLimit(const FileSizeLimit&) = delete;
    FileSizeLimit& operator=(const FileSizeLimit&) = delete;

private:
    rlimit saved_{};
    void (*old_handler_)(int) = nullptr;
};

std::vector<nlohmann::json> lines_of(const std::filesystem::path& file) {
    std::vector<nlohmann::json> out;
    std::ifstream in(file);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
}

class EventLogTest : public testing::TempDirTest {};

TEST_F(EventLogTest, AFullDiskDropsWholeEventsAndSaysSoAfterwards) {
    auto file = dir / "events.jsonl";
    EventLog log(file);
    log.emit(events::Connection{.source_ip = "203.0.113.10"});
    auto size = std::filesystem::file_size(file);
    {
        // Room for about one more event: the next is written in part and
        // cut off again, the rest fail outright.
        FileSizeLimit limit(size + 150);
        log.emit(events::CaptureEvent{.event = {{"detail", std::string(20, 'a')}}});
        for (int i = 0; i < 5; ++i) log.emit(events::CaptureEvent{.event = {{"detail", std::string(200, 'b')}}});
        log.emit(events::Login{.user = "root"});
        EXPECT_EQ(log.dropped(), 6U);
        auto lines = lines_of(file);  // every line whole, or this throws
        EXPECT_EQ(lines.size(), 2U);
    }
    log.emit(events::ConnectionClosed{.source_ip = "203.0.113.10"});
    EXPECT_EQ(log.dropped(), 0U);
    auto lines = lines_of(file);
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[2]["type"], "events_dropped");
    EXPECT_EQ(lines[2]["events"], 6);
    EXPECT_EQ(lines[2]["by_type"], nlohmann::json({{"capture", 5}, {"login", 1}}));
    EXPECT_TRUE(lines[2]["since"].is_string());
    EXPECT_EQ(lines[3]["type"], "connection_closed");
}

// Past its size the live file becomes <file>.N and a new one starts; the
// newest rotated files are kept, and every event is in exactly one file.
TEST_F(EventLogTest, RotatesAtItsSizeAndKeepsTheNewestFiles) {
    auto file = dir / "events.jsonl";
    {
        EventLog log(file, 1000, 2);
        for (int i = 0; i < 40; ++i)
            log.emit(
                events::Connection{.source_port = static_cast<std::uint16_t>(i), .guest_state = std::string(20, 'p')});
    }
    auto segments = log_segments(file);
    ASSERT_EQ(segments.size(), 3U);  // two rotated files kept, and the live one
    EXPECT_EQ(segments.back().path, file);
    EXPECT_LT(segments[0].number, segments[1].number);
    std::vector<int> seen;
    for (const auto& s : segments) {
        EXPECT_LE(s.size, 1000U + 200U);
        for (const auto& e : lines_of(s.path)) seen.push_back(e["source_port"].get<int>());
    }
    // The oldest files are gone; what is left is in order, without a gap.
    ASSERT_FALSE(seen.empty());
    for (std::size_t i = 1; i < seen.size(); ++i) EXPECT_EQ(seen[i], seen[i - 1] + 1);
    EXPECT_EQ(seen.back(), 39);
    // A log opened again numbers on from the files it finds.
    auto before = segments[1].number;
    {
        EventLog log(file, 1000, 2);
        for (int i = 40; i < 60; ++i)
            log.emit(
                events::Connection{.source_port = static_cast<std::uint16_t>(i), .guest_state = std::string(20, 'p')});
    }
    EXPECT_GT(log_segments(file)[1].number, before);
}

}  // namespace
}  // namespace oyster::sensor
