// COW headers are written by a guest kernel an attacker may control.
#include <cstddef>
#include <cstdint>
#include <span>

#include "oyster/sandbox/cow_file.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        oyster::CowHeader h = oyster::parse_cow_header(std::span(data, size));
        // Whatever parses must re-encode to the same fields and derive sane offsets.
        auto again = oyster::parse_cow_header(oyster::encode_cow_header(h));
        if (again.backing_file != h.backing_file || again.size != h.size) __builtin_trap();
        if (h.data_offset() < h.bitmap_offset() + h.bitmap_len()) __builtin_trap();
    } catch (const oyster::CowError&) {
    }
    return 0;
}
