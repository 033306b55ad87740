// UTF-8 as attackers send it: anything. For the places that take only
// valid text (PostgreSQL, terminals), what a sequence is and how to make
// text valid.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace oyster {

// Length of the valid UTF-8 sequence at `s[i]` (1 to 4), or 0 when the
// bytes there are not one: a stray continuation byte, a truncated or
// overlong sequence, a surrogate, or past U+10FFFF.
std::size_t utf8_length(std::string_view s, std::size_t i);

// `text` with each byte that starts no valid sequence, and each NUL,
// replaced by U+FFFD; valid text comes back unchanged.
std::string utf8_valid(std::string_view text);

}  // namespace oyster
