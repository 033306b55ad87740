// Splitting text into lines, for the line-oriented output of programs and
// /proc files. Views into the text: they live as long as it does.
#pragma once

#include <string_view>
#include <vector>

namespace oyster {

// The lines of `text` without their '\n'; a last line without one counts,
// an empty text has none.
inline std::vector<std::string_view> split_lines(std::string_view text) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t nl = text.find('\n', pos);
        std::size_t end = nl == std::string_view::npos ? text.size() : nl;
        out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

}  // namespace oyster
