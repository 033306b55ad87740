// Event outputs: RFC 5424 messages, an output's place in the log across
// restarts, batches that fail and are resent, the backlog limit, and the
// runner the sensor owns delivering everything by the time it stops, and
// `oyster outputs flush` beside that runner sending nothing twice.
#include "oyster/outputs/event_outputs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "oyster/common/log_segments.h"
#include "oyster/outputs/syslog_message.h"
#include "temp_dir.h"

namespace oyster::outputs {
namespace {

std::string read(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SyslogMessage, IsRfc5424WithTheEventAsMessage) {
    SyslogFormat f;
    f.hostname = "sensor-1";
    std::string line = R"({"ts":"2026-11-27T10:00:01.250Z","type":"login","user":"root","success":true})";
    EXPECT_EQ(syslog_message(line, f), "<133>1 2026-11-27T10:00:01.250Z sensor-1 oyster - login - \xEF\xBB\xBF" + line);
    std::string failed = R"({"ts":"2026-11-27T10:00:01.250Z","type":"login","success":false})";
    EXPECT_TRUE(syslog_message(failed, f).starts_with("<134>1 "));
    f.facility = *syslog_facility_code("auth");
    EXPECT_TRUE(
        syslog_message(R"({"type":"capture_error"})", f).starts_with("<35>1 - sensor-1 oyster - capture_error"));
    // A YARA alert carries its rule's severity (auth = 4: 32 + severity).
    EXPECT_TRUE(syslog_message(R"({"type":"alert","severity":"critical"})", f).starts_with("<34>1 "));
    EXPECT_TRUE(syslog_message(R"({"type":"alert","severity":"high"})", f).starts_with("<35>1 "));
    EXPECT_TRUE(syslog_message(R"({"type":"alert"})", f).starts_with("<36>1 "));
    EXPECT_TRUE(syslog_message(R"({"type":"alert","severity":"low"})", f).starts_with("<37>1 "));
}

TEST(SyslogMessage, HeaderFieldsCannotBeForgedAndLongMessagesAreCutOnACharacter) {
    SyslogFormat f;
    f.hostname = "a b";
    // A type with spaces cannot add header fields; a ts of another shape is "-".
    auto m = syslog_message(R"({"ts":"yesterday 5pm","type":"x y\nz"})", f);
    EXPECT_TRUE(m.starts_with("<134>1 - a_b oyster - x_y_z - ")) << m;
    EXPECT_TRUE(syslog_message("not json", f).starts_with("<134>1 - a_b oyster - - - \xEF\xBB\xBFnot json"));
    f.max_bytes = 600;
    std::string line = R"({"type":"x","v":")" + std::string(1000, '\xC3') + "\"}";
    for (std::size_t i = 17; i + 1 < line.size() - 2; i += 2) line[i + 1] = '\xA9';  // "é" repeated
    m = syslog_message(line, f);
    EXPECT_LE(m.size(), 600U);
    EXPECT_NE(static_cast<unsigned char>(m.back()), 0xC3U);  // not cut inside "é"
    EXPECT_FALSE(syslog_facility_code("local8"));
}

class LogCursorTest : public testing::TempDirTest {
protected:
    std::filesystem::path log() { return dir / "events.jsonl"; }
    void append(const std::string& s) { std::ofstream(log(), std::ios::app | std::ios::binary) << s; }
    LogCursor cursor(std::uint64_t backlog = 1U << 20) {
        return LogCursor(log(), dir / "state" / "c.json", "target", backlog);
    }
};

TEST_F(LogCursorTest, ResumesAfterTheLastCommitAndWaitsForAWholeLine) {
    append("a\nb\nc");
    {
        auto c = cursor();
        auto b = c.next(1 << 20);
        EXPECT_EQ(b.lines, (std::vector<std::string>{"a", "b"}));
        // Not committed: a new cursor (a restart) gets the same batch again.
    }
    {
        auto c = cursor();
        auto b = c.next(1 << 20);
        ASSERT_EQ(b.lines.size(), 2U);
        c.commit(b);
    }
    append("\nd\n");
    auto c = cursor();
    auto b = c.next(1 << 20);
    EXPECT_EQ(b.lines, (std::vector<std::string>{"c", "d"}));
    c.commit(b);
    EXPECT_EQ(c.state().delivered, 4U);
    EXPECT_TRUE(c.next(1 << 20).lines.empty());
}

TEST_F(LogCursorTest, AReplacedLogIsReadFromItsStart) {
    append("a\nb\n");
    auto c = cursor();
    c.commit(c.next(1 << 20));
    std::filesystem::remove(log());
    append("new\n");
    EXPECT_EQ(c.next(1 << 20).lines, (std::vector<std::string>{"new"}));
}

TEST_F(LogCursorTest, FarBehindItSkipsToTheBacklogLimitAndCountsWhatItSkipped) {
    std::string line(99, 'x');
    for (int i = 0; i < 100; ++i) append(line + "\n");  // 10,000 bytes
    auto c = cursor(1000);
    LogCursor::Skip skip;
    auto b = c.next(1 << 20, &skip);
    EXPECT_EQ(skip.lines, 90U);
    EXPECT_EQ(skip.bytes, 9000U);
    EXPECT_EQ(b.lines.size(), 10U);
    EXPECT_EQ(c.state().skipped_lines, 90U);
}

TEST_F(LogCursorTest, ADamagedStateFileStartsOver) {
    append("a\n");
    std::filesystem::create_directories(dir / "state");
    std::ofstream(dir / "state" / "c.json") << "{not json";
    auto c = cursor();
    EXPECT_EQ(c.next(1 << 20).lines, (std::vector<std::string>{"a"}));
}

// Fails the first `failures` deliveries, then records.
class FlakySink : public EventSink {
public:
    explicit FlakySink(int failures) : failures_(failures) {}
    void deliver(const std::vector<std::string>& lines) override {
        if (failures_-- > 0) throw Error("target down");
        got.insert(got.end(), lines.begin(), lines.end());
    }
    std::vector<std::string> got;

private:
    int failures_;
};

TEST_F(LogCursorTest, AFailedBatchIsDeliveredAgainAndNothingIsLost) {
    append("a\nb\n");
    auto sink = std::make_unique<FlakySink>(1);
    auto* flaky = sink.get();
    Output o{"test", "t", std::move(sink), std::make_unique<LogCursor>(cursor())};
    auto r = forward(o);
    EXPECT_EQ(r.error, "target down");
    EXPECT_EQ(r.delivered, 0U);
    append("c\n");
    r = forward(o);
    EXPECT_EQ(r.error, "");
    EXPECT_EQ(flaky->got, (std::vector<std::string>{"a", "b", "c"}));
}

// Capture events the sensor wrote for its store alone are not forwarded;
// an attacker's string holding the flag's text changes nothing.
TEST_F(LogCursorTest, StoreOnlyEventsAreNotForwarded) {
    const std::string kept =
        R"({"ts":"t","type":"capture","event":{"type":"exec","argv":["echo","\"store_only\":true"]}})";
    append(kept + "\n" + R"({"ts":"t","type":"capture","event":{"type":"exec"},"store_only":true})" + "\n" +
           R"({"ts":"t","type":"login","user":"root","store_only":false})" + "\n");
    auto sink = std::make_unique<FlakySink>(0);
    auto* got = sink.get();
    Output o{"test", "t", std::move(sink), std::make_unique<LogCursor>(cursor())};
    auto r = forward(o);
    EXPECT_EQ(r.error, "");
    ASSERT_EQ(got->got.size(), 2U);
    EXPECT_EQ(got->got[0], kept);
    EXPECT_EQ(r.delivered, 2U);
    EXPECT_TRUE(is_store_only(R"({"store_only":true,"type":"capture"})"));
    EXPECT_FALSE(is_store_only(R"({"event":{"store_only":true}})"));
    EXPECT_FALSE(is_store_only(R"({"store_only":true)"));
}

TEST_F(LogCursorTest, TheSensorsRunnerDeliversEverythingByTheTimeItStops) {
    Config cfg;
    cfg.paths.state_dir = dir;
    cfg.outputs.jsonl_file = dir / "copy.jsonl";
    std::string all;
    for (int i = 0; i < 500; ++i)
        all += R"({"ts":"2026-11-27T10:00:00.000Z","type":"x","n":)" + std::to_string(i) + "}\n";
    std::vector<std::string> reports;
    {
        OutputRunner runner(cfg, log(), [&](const std::string& r) { reports.push_back(r); });
        append(all);
    }
    EXPECT_EQ(read(dir / "copy.jsonl"), all);
    EXPECT_TRUE(reports.empty());
}

TEST_F(LogCursorTest, TwoProcessesForwardingOneOutputAtOnceDeliverEachLineOnce) {
    // The sensor's runner and `oyster outputs flush` each build the output
    // from the same config: the same target and the same state file.
    auto make = [&] {
        return Output{"jsonl", "copy", std::make_unique<JsonlFileSink>(dir / "copy.jsonl"),
                      std::make_unique<LogCursor>(cursor())};
    };
    Output runner = make(), flush = make();
    std::atomic<bool> writing{true};
    std::string all;
    for (int i = 0; i < 3000; ++i) all += "{\"n\":" + std::to_string(i) + "}\n";
    std::thread writer([&] {
        for (std::size_t at = 0; at < all.size(); at += 700) append(all.substr(at, 700));
        writing = false;
    });
    auto keep_forwarding = [&](Output& o) {
        std::string errors;
        while (writing) errors += forward(o).error;
        errors += forward(o).error;
        return errors;
    };
    std::string flush_errors;
    std::thread other([&] { flush_errors = keep_forwarding(flush); });
    std::string runner_errors = keep_forwarding(runner);
    writer.join();
    other.join();
    EXPECT_EQ(runner_errors, "");
    EXPECT_EQ(flush_errors, "");
    EXPECT_EQ(forward(runner).delivered + forward(flush).delivered, 0U);
    std::string copy = read(dir / "copy.jsonl");
    EXPECT_EQ(std::count(copy.begin(), copy.end(), '\n'), 3000);  // not the whole text on failure
    EXPECT_TRUE(copy == all);
    EXPECT_EQ(runner.cursor->state().delivered, 3000U);
}

// The sensor's log rotated under a reader: it finishes the file it was in,
// then reads each newer one, every line once and in order.
TEST_F(LogCursorTest, ReadsOnAcrossARotation) {
    append("a\nb\nc\n");
    auto c = cursor();
    auto b = c.next(2);  // about two bytes: the first line
    EXPECT_EQ(b.lines, (std::vector<std::string>{"a"}));
    c.commit(b);
    std::filesystem::rename(log(), rotated_segment(log(), 1));
    append("d\n");
    std::filesystem::rename(log(), rotated_segment(log(), 2));
    append("e\nf\n");
    EXPECT_EQ(c.backlog(), 4U + 2U + 4U);
    std::vector<std::string> got;
    for (int i = 0; i < 10; ++i) {
        auto next = c.next(1 << 20);
        if (next.lines.empty()) break;
        got.insert(got.end(), next.lines.begin(), next.lines.end());
        c.commit(next);
    }
    EXPECT_EQ(got, (std::vector<std::string>{"b", "c", "d", "e", "f"}));
    EXPECT_EQ(c.state().delivered, 6U);
    EXPECT_EQ(c.backlog(), 0U);
}

// Far behind across rotated files, it skips whole files first.
TEST_F(LogCursorTest, FarBehindAcrossRotatedFilesItSkipsWholeFiles) {
    std::string line(99, 'x');
    for (int f = 1; f <= 3; ++f) {
        for (int i = 0; i < 10; ++i) append(line + "\n");
        std::filesystem::rename(log(), rotated_segment(log(), f));
    }
    for (int i = 0; i < 5; ++i) append(line + "\n");
    auto c = cursor(1200);  // the live file and a little more
    LogCursor::Skip skip;
    auto b = c.next(1 << 20, &skip);
    EXPECT_EQ(skip.lines, 20U);  // the first two files whole
    EXPECT_EQ(b.lines.size(), 10U);
    c.commit(b);
    EXPECT_EQ(c.next(1 << 20).lines.size(), 5U);
}

}  // namespace
}  // namespace oyster::outputs
