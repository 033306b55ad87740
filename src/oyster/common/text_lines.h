// Splitting text into lines, for the line-oriented output of programs and
// /proc files. Views into the text: they live as long as it does.
#pragma once

#include <istream>
#include <string>
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

// Reads one line of untrusted text without its '\n', keeping at most
// `max` + 1 bytes of it (so a caller sees that it was longer than `max`
// and skips it) however long it really is. False at the end of input.
inline bool getline_bounded(std::istream& in, std::string& line, std::size_t max) {
    line.clear();
    char c = 0;
    bool any = false;
    while (in.get(c)) {
        any = true;
        if (c == '\n') return true;
        if (line.size() < max + 1) line.push_back(c);
    }
    return any;
}

}  // namespace oyster
