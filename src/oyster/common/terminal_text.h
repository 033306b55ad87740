// Attacker-typed strings (passwords, command lines, file names) on the
// analyst's terminal: control characters are shown escaped, never sent,
// so a username like "\e]2;...\a" cannot retitle, recolour or rewrite the
// analyst's screen.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace oyster {

// `text` with C0 controls, DEL and bytes that are not UTF-8 shown as \xNN
// (\n, \t, \r, \e as such), C1 controls as \u0080..\u009f, a backslash
// doubled; printable UTF-8 kept.
std::string terminal_safe(std::string_view text);

// terminal_safe(text) cut to at most `width` characters, the last one an
// ellipsis when cut: for table columns.
std::string terminal_cell(std::string_view text, std::size_t width);

}  // namespace oyster
