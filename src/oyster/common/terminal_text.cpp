#include "oyster/common/terminal_text.h"

#include <algorithm>

#include <fmt/format.h>

namespace oyster {
namespace {

// Length of the valid UTF-8 sequence at `s[i]`, or 0.
std::size_t utf8_length(std::string_view s, std::size_t i) {
    auto b = static_cast<unsigned char>(s[i]);
    std::size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xe ? 3 : (b >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return 0;
    for (std::size_t k = 1; k < n; ++k) {
        if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
    }
    if (n == 2 && b < 0xc2) return 0;  // overlong
    if (n == 3) {
        unsigned cp = ((b & 0x0fU) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3fU) << 6) |
                      (static_cast<unsigned char>(s[i + 2]) & 0x3fU);
        if (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
    }
    if (n == 4) {
        unsigned cp = ((b & 0x07U) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3fU) << 12);
        if (cp < 0x10000 || cp > 0x10ffff) return 0;
    }
    return n;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        auto b = static_cast<unsigned char>(text[i]);
        std::size_t n = utf8_length(text, i);
        bool c1 = n == 2 && b == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0;  // U+0080..U+009F
        if (c1) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[i + 1]));
            i += 2;
            continue;
        }
        if (n == 0 || b < 0x20 || b == 0x7f) {
            switch (b) {
                case '\n':
                    out += "\\n";
                    break;
                case '\t':
                    out += "\\t";
                    break;
                case '\r':
                    out += "\\r";
                    break;
                case 0x1b:
                    out += "\\e";
                    break;
                default:
                    out += fmt::format("\\x{:02x}", b);
            }
            ++i;
            continue;
        }
        if (b == '\\') {
            out += "\\\\";
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

std::string terminal_cell(std::string_view text, std::size_t width) {
    std::string safe = terminal_safe(text);
    // terminal_safe leaves only valid UTF-8: count lead bytes.
    std::size_t chars = 0, cut = safe.size();
    for (std::size_t i = 0; i < safe.size(); ++i) {
        if ((static_cast<unsigned char>(safe[i]) & 0xc0) == 0x80) continue;
        if (chars == (width > 0 ? width - 1 : 0)) cut = std::min(cut, i);
        if (++chars > width) {
            safe.resize(cut);
            return width > 0 ? safe + "\u2026" : safe;
        }
    }
    return safe;
}

}  // namespace oyster
