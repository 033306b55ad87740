// Attacker strings on the analyst's terminal: escapes are shown, not sent.
#include "oyster/common/terminal_text.h"

#include <gtest/gtest.h>

namespace oyster {
namespace {

TEST(TerminalText, ControlSequencesAreShownNotSent) {
    EXPECT_EQ(terminal_safe("root"), "root");
    EXPECT_EQ(terminal_safe("\x1b]2;owned\x07"), "\\e]2;owned\\x07");
    EXPECT_EQ(terminal_safe("a\nb\tc\rd\x7f"), "a\\nb\\tc\\rd\\x7f");
    EXPECT_EQ(terminal_safe("\xc2\x9b"
                            "31m"),
              "\\u009b31m");  // C1 CSI
    EXPECT_EQ(terminal_safe("\xff\xfe"), "\\xff\\xfe");
    EXPECT_EQ(terminal_safe("\xe2\x82"), "\\xe2\\x82");  // cut UTF-8
    EXPECT_EQ(terminal_safe("\xc0\xaf"), "\\xc0\\xaf");  // overlong
    EXPECT_EQ(terminal_safe("mot de passe \xc3\xa9t\xc3\xa9"), "mot de passe \xc3\xa9t\xc3\xa9");
    EXPECT_EQ(terminal_safe("a\\e"), "a\\\\e");  // a typed backslash is not an escape
}

TEST(TerminalText, CellsAreCutOnCharacters) {
    EXPECT_EQ(terminal_cell("abc", 5), "abc");
    EXPECT_EQ(terminal_cell("abcdef", 4), "abc\xe2\x80\xa6");
    EXPECT_EQ(terminal_cell("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 3), "\xc3\xa9\xc3\xa9\xe2\x80\xa6");
    EXPECT_EQ(terminal_cell("abcd", 4), "abcd");
}

}  // namespace
}  // namespace oyster
