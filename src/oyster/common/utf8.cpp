#include "oyster/common/utf8.h"

namespace oyster {

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

std::string utf8_valid(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        std::size_t n = utf8_length(text, i);
        if (n == 0 || text[i] == '\0') {
            out += "\xef\xbf\xbd";
            ++i;
            continue;
        }
        out.append(text, i, n);
        i += n;
    }
    return out;
}

}  // namespace oyster
