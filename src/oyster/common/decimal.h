// A whole decimal number that is the whole of a text ("41", not "41 days",
// not ""): what a field of a system file or a probe's "name value" line holds.
// `base` 16 reads the hex fields of the kernel's tables the same way.
#pragma once

#include <charconv>
#include <optional>
#include <string_view>

namespace oyster {

template <typename T>
std::optional<T> parse_decimal(std::string_view text, int base = 10) {
    T value{};
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

}  // namespace oyster
