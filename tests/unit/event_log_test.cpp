// The sensor's event log on a full disk: the sensor keeps running, no line
// is ever torn, and what was dropped is said once writing works again.
#include "oyster/sensor/event_log.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <csignal>
#include <fstream>
#include <string>
#include <vector>

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
    log.emit("connection", {{"source_ip", "203.0.113.10"}});
    auto size = std::filesystem::file_size(file);
    {
        // Room for about one more event: the next is written in part and
        // cut off again, the rest fail outright.
        FileSizeLimit limit(size + 150);
        log.emit("capture", {{"detail", std::string(60, 'a')}});
        for (int i = 0; i < 5; ++i) log.emit("capture", {{"detail", std::string(200, 'b')}});
        log.emit("login", {{"user", "root"}});
        EXPECT_EQ(log.dropped(), 6U);
        auto lines = lines_of(file);  // every line whole, or this throws
        EXPECT_EQ(lines.size(), 2U);
    }
    log.emit("connection_closed", {{"source_ip", "203.0.113.10"}});
    EXPECT_EQ(log.dropped(), 0U);
    auto lines = lines_of(file);
    ASSERT_EQ(lines.size(), 4U);
    EXPECT_EQ(lines[2]["type"], "events_dropped");
    EXPECT_EQ(lines[2]["events"], 6);
    EXPECT_EQ(lines[2]["by_type"], nlohmann::json({{"capture", 5}, {"login", 1}}));
    EXPECT_TRUE(lines[2]["since"].is_string());
    EXPECT_EQ(lines[3]["type"], "connection_closed");
}

}  // namespace
}  // namespace oyster::sensor
