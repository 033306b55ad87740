// The replay filter stands between attacker bytes and the analyst's
// terminal. Whatever the bytes and however they are split, its output holds
// no string sequence (OSC, DCS, APC, PM, SOS), no ENQ, no DECID, no CSI
// that replay_csi_allowed() refuses, and no C1 control in any form.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "oyster/capture/replay_filter.h"

namespace {

void check(const std::string& out) {
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto c = static_cast<unsigned char>(out[i]);
        if (c == 0x05 || c == 0x00 || c == 0x18 || c == 0x1a) __builtin_trap();
        if (c == 0xc2 && i + 1 < out.size() && static_cast<unsigned char>(out[i + 1]) < 0xa0) __builtin_trap();
        if (c >= 0x80 && c < 0xc0) {
            // Only as a continuation of a lead byte.
            std::size_t j = i;
            while (j > 0 && (static_cast<unsigned char>(out[j - 1]) & 0xc0) == 0x80) --j;
            if (j == 0 || static_cast<unsigned char>(out[j - 1]) < 0xc2) __builtin_trap();
        }
        if (c != 0x1b) continue;
        if (i + 1 >= out.size()) __builtin_trap();  // a sequence is written whole
        char next = out[i + 1];
        if (next == ']' || next == 'P' || next == '_' || next == '^' || next == 'X' || next == 'Z') __builtin_trap();
        if (next == '[') {
            std::size_t end = i + 2;
            while (end < out.size() && !(out[end] >= 0x40 && out[end] <= 0x7e)) ++end;
            if (end >= out.size()) __builtin_trap();
            if (!oyster::capture::replay_csi_allowed(std::string_view(out).substr(i + 2, end - i - 1)))
                __builtin_trap();
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
    std::size_t split = bytes.empty() ? 0 : data[0] % (bytes.size() + 1);
    oyster::capture::ReplayFilter whole, parts;
    std::string a = whole.feed(bytes);
    std::string b = parts.feed(bytes.substr(0, split));
    b += parts.feed(bytes.substr(split));
    if (a != b) __builtin_trap();  // chunk boundaries change nothing
    check(a);
    return 0;
}
