// Attacker strings on the analyst's terminal: escapes are shown, not sent.
#include "oyster/common/terminal_text.h"
#include "oyster/common/utf8.h"

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

// What PostgreSQL takes: valid text unchanged, each bad byte and NUL one
// U+FFFD.
TEST(Utf8, MadeValidByReplacingWhatIsNot) {
    EXPECT_EQ(utf8_valid("mot de passe \xc3\xa9t\xc3\xa9 \xf0\x9f\x90\x9a"),
              "mot de passe \xc3\xa9t\xc3\xa9 \xf0\x9f\x90\x9a");
    EXPECT_EQ(utf8_valid("\xff\xfe"), "\xef\xbf\xbd\xef\xbf\xbd");
    EXPECT_EQ(utf8_valid("a\xe2\x82"), "a\xef\xbf\xbd\xef\xbf\xbd");                // cut
    EXPECT_EQ(utf8_valid("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd");                  // overlong
    EXPECT_EQ(utf8_valid("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");  // surrogate
    EXPECT_EQ(utf8_valid(std::string_view("a\0b", 3)),
              "a\xef\xbf\xbd"
              "b");
    EXPECT_EQ(utf8_length("\xf4\x90\x80\x80", 0), 0U);  // past U+10FFFF
}

}  // namespace
}  // namespace oyster
