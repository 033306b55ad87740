// Splitting text into lines (or other parts), for the line-oriented output of programs and
// /proc files. Views into the text: they live as long as it does.
#pragma once

#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace oyster {

// The parts of `text` between `separator`s; a last part without one after
// it counts, a trailing separator makes no empty part, an empty text has none.
inline std::vector<std::string_view> split_on(std::string_view text, char separator) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t at = text.find(separator, pos);
        std::size_t end = at == std::string_view::npos ? text.size() : at;
        out.push_back(text.substr(pos, end - pos));
        pos = end + 1;
    }
    return out;
}

// The lines of `text` without their '\n' (split_on's rules).
inline std::vector<std::string_view> split_lines(std::string_view text) {
    return split_on(text, '\n');
}

// The words of one line: the parts between runs of spaces and tabs, as the
// kernel's tables (/proc/stat, /proc/net/tcp) and tools' columns have them.
inline std::vector<std::string_view> split_words(std::string_view line) {
    std::vector<std::string_view> out;
    std::size_t pos = 0;
    while ((pos = line.find_first_not_of(" \t", pos)) != std::string_view::npos) {
        std::size_t end = line.find_first_of(" \t", pos);
        if (end == std::string_view::npos) end = line.size();
        out.push_back(line.substr(pos, end - pos));
        pos = end;
    }
    return out;
}

// `text` without the newlines and spaces it ends with.
inline std::string without_trailing_space(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
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
