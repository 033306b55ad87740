// An SSH server's first packet, as `oyster selftest stealth` reads it from
// a guest: a root there can make sshd (or anything on port 22) send any
// bytes.
#include <cstddef>
#include <cstdint>
#include <span>

#include "oyster/selftest/ssh_kexinit.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> bytes(data, size);
    bool need_more = false;
    if (auto payload = oyster::parse_first_packet(bytes, need_more)) {
        if (payload->size() > size) __builtin_trap();
        (void)oyster::parse_kexinit_payload(*payload);
    }
    (void)oyster::parse_kexinit_payload(bytes);
    return 0;
}
