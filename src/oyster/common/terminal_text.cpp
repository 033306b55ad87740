#include "oyster/common/terminal_text.h"

#include <algorithm>

#include <fmt/format.h>

#include "oyster/common/utf8.h"

namespace oyster {

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
