// What a replay may write to the analyst's terminal: a session draws as the
// attacker saw it; clipboard writes, terminal extensions and anything that
// makes the terminal answer are kept out, however the bytes are split.
#include "oyster/capture/replay_filter.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "oyster/capture/tty_replay.h"

namespace oyster::capture {
namespace {

std::string filtered(std::string_view bytes) {
    ReplayFilter f;
    return f.feed(bytes);
}

// Fed one byte at a time: the answer must not depend on where chunks end.
std::string filtered_bytewise(std::string_view bytes) {
    ReplayFilter f;
    std::string out;
    for (char c : bytes) out += f.feed(std::string_view(&c, 1));
    return out;
}

TEST(ReplayFilter, KeepsWhatDrawsASession) {
    std::string session =
        "root@web01:~# ls --color\r\n"
        "\x1b[0m\x1b[01;34mbin\x1b[0m  \x1b[01;32mrun.sh\x1b[0m\r\n"  // colours
        "\x1b[?1049h\x1b[H\x1b[2J\x1b[?25l"                           // vim: alt screen, home, clear, hide cursor
        "\x1b[1;24r\x1b[24;1H\x1b[K\x1b(B\x1b)0\x1b=\x1b>\x1b"
        "7\x1b"
        "8\x1bM"
        "\x1b[?2004h\x1b[?1h\x1b[2 q\x1b[!p"  // bracketed paste, cursor keys, cursor shape, soft reset
        "caf\xc3\xa9 \xe2\x94\x80\xe2\x94\x80 \xf0\x9f\x90\x9a\t\b\a\r\n";
    EXPECT_EQ(filtered(session), session);
    EXPECT_EQ(filtered_bytewise(session), session);
}

TEST(ReplayFilter, DropsClipboardExtensionsAndStrings) {
    // OSC 52 (clipboard), OSC 1337 (iTerm2 file), OSC 8 (link), OSC 0
    // (title), DCS (DECRQSS), APC, PM, SOS: with BEL, ST and 8-bit ST ends.
    std::string evil =
        "a\x1b]52;c;ZWNobyBwd25lZA==\x07"
        "b\x1b]1337;File=name=eA==;inline=1:AAAA\x1b\\"
        "c\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\"
        "d\x1b]0;root@bank\x07"
        "e\x1bP$qm\x1b\\"
        "f\x1b_Gf=100;AAAA\x1b\\"
        "g\x1b^private\x1b\\"
        "h\x1bXsos\x9c"
        "i";
    EXPECT_EQ(filtered(evil), "abcclickdefghi");
    EXPECT_EQ(filtered_bytewise(evil), "abcclickdefghi");
    ReplayFilter f;
    f.feed(evil);
    EXPECT_EQ(f.dropped(), 9U);
}

TEST(ReplayFilter, DropsWhatMakesTheTerminalAnswer) {
    std::string queries =
        "\x05"                                    // ENQ: answerback
        "\x1b[6n\x1b[?6n\x1b[5n"                  // device status, cursor position
        "\x1b[c\x1b[>c\x1b[=c\x1b[0c"             // device attributes
        "\x1b[21t\x1b[14t\x1b[8;100;300t\x1b[2t"  // title report, size report, resize, iconify
        "\x1b[x\x1b[?2004$p\x1b[>q\x1b[?u\x1b[>1u\x1bZ\x1b[5i"
        "\x1b[?1000h\x1b[?1006;1000h\x1b[?1004h\x1b[?9h";  // mouse and focus reporting
    EXPECT_EQ(filtered(queries), "");
    EXPECT_EQ(filtered_bytewise(queries), "");
}

TEST(ReplayFilter, ReplacesC1ControlsAndInvalidUtf8) {
    // Raw 8-bit CSI, UTF-8-encoded CSI (U+009B), an overlong '/', a
    // surrogate, a lone continuation byte, a cut sequence.
    std::string bytes =
        "1\x9b"
        "6n2\xc2\x9b"
        "6n3\xc0\xaf"
        "4\xed\xa0\x80"
        "5\x80"
        "6\xe2\x94"
        "7";
    std::string r = "\xef\xbf\xbd";
    EXPECT_EQ(filtered(bytes), "1" + r + "6n2" + r + "6n3" + r + r + "4" + r + "5" + r + "6" + r + "7");
}

TEST(ReplayFilter, SequencesThatNeverEndOrRunLongAreDropped) {
    std::string long_csi = "\x1b[" + std::string(200, '1') + "m" + "after";
    std::string out = filtered(long_csi);
    EXPECT_EQ(out.find('\x1b'), std::string::npos) << "no part of the long sequence starts a sequence";
    EXPECT_EQ(out.substr(out.size() - 6), "mafter");
    // An OSC never terminated swallows the rest of the recording, nothing more.
    EXPECT_EQ(filtered("x\x1b]52;c;" + std::string(100000, 'A')), "x");
    // CAN aborts a CSI; ESC restarts one.
    EXPECT_EQ(filtered("\x1b[6\x18n\x1b[1\x1b[31mred"), "n\x1b[31mred");
}

TEST(ReplayFilter, ReplayFiltersUnlessRaw) {
    std::string cast =
        "{\"version\":2,\"width\":80,\"height\":24}\n"
        "[0.1,\"o\",\"ok\\u001b]52;c;cHduZWQ=\\u0007\"]\n"
        "[0.2,\"o\",\"\\u001b[6n!\"]\n";
    std::istringstream in(cast);
    std::ostringstream out;
    auto s = play_asciicast(in, out, {.instant = true}, "x.cast");
    EXPECT_EQ(out.str(), "ok!");
    EXPECT_EQ(s.dropped_sequences, 2U);
    std::istringstream in_raw(cast);
    std::ostringstream out_raw;
    play_asciicast(in_raw, out_raw, {.instant = true, .raw = true}, "x.cast");
    EXPECT_EQ(out_raw.str(), "ok\x1b]52;c;cHduZWQ=\a\x1b[6n!");
}

}  // namespace
}  // namespace oyster::capture
