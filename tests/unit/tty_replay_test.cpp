// Playing a decoder-made recording, and finding a session's recording by
// the capture record that opened its terminal.
#include "oyster/capture/tty_replay.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "oyster/common/error.h"
#include "temp_dir.h"

namespace oyster::capture {
namespace {

class TtyReplayTest : public testing::TempDirTest {};

TEST_F(TtyReplayTest, PlaysOutputInOrderAndSkipsInputAndJunk) {
    std::istringstream in(
        "{\"version\":2,\"width\":80,\"height\":24}\n"
        "[0.1,\"o\",\"$ \"]\n"
        "[0.5,\"i\",\"id\\r\"]\n"
        "not json\n"
        "[0.6,\"o\",\"id\\r\\n\"]\n"
        "[0.4,\"o\",\"uid=0(root)\\r\\n\"]\n"
        "[1,\"o\",5]\n");
    std::ostringstream out;
    auto s = play_asciicast(in, out, {.speed = 1000}, "x.cast");
    EXPECT_EQ(out.str(), "$ id\r\nuid=0(root)\r\n");
    EXPECT_EQ(s.output_events, 3U);
    EXPECT_DOUBLE_EQ(s.duration, 0.6);  // a step back in time is played as no pause
}

TEST_F(TtyReplayTest, RefusesWhatIsNotARecording) {
    std::istringstream in("[0.1,\"o\",\"x\"]\n");
    std::ostringstream out;
    EXPECT_THROW(play_asciicast(in, out, {}, "x.cast"), Error);
    std::istringstream empty("");
    EXPECT_THROW(play_asciicast(empty, out, {}, "x.cast"), Error);
    // A version of another type is refused, not thrown as a JSON type
    // error (found by fuzz_asciicast).
    for (const char* header : {"{\"version\":\"o\"}\n", "{\"version\":2.5}\n", "{\"version\":null}\n"}) {
        std::istringstream odd(header);
        EXPECT_THROW(play_asciicast(odd, out, {}, "x.cast"), Error) << header;
    }
}

TEST_F(TtyReplayTest, FindsTheRecordingByItsOpeningRecord) {
    std::filesystem::create_directories(dir / "tty");
    std::ofstream(dir / "tty" / "sessions.jsonl")
        << "{\"name\":\"pts-0-1\",\"tty\":\"pts/0\",\"seq\":12,\"time_ns\":1}\n"
        << "{\"name\":\"../../etc/passwd\",\"tty\":\"pts/1\",\"seq\":13}\n"
        << "{\"name\":\"pts-0-2\",\"tty\":\"pts/0\",\"seq\":40}\n"
        << "garbage\n";
    std::ofstream(dir / "tty" / "pts-0-1.cast") << "{}\n";
    std::ofstream(dir / "tty" / "pts-0-2.cast") << "{}\n";
    EXPECT_EQ(find_tty_recording(dir, 12), dir / "tty" / "pts-0-1.cast");
    EXPECT_EQ(find_tty_recording(dir, 40), dir / "tty" / "pts-0-2.cast");
    EXPECT_FALSE(find_tty_recording(dir, 13));  // a name that leaves tty/
    EXPECT_FALSE(find_tty_recording(dir, 99));
    EXPECT_FALSE(find_tty_recording(dir / "nowhere", 12));
}

}  // namespace
}  // namespace oyster::capture
