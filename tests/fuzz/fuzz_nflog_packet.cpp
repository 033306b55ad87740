// NFLOG packets carry what a guest sent: the parser must hold for any bytes.
#include <cstddef>
#include <cstdint>

#include "oyster/net/nflog_packet.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto p = oyster::parse_nflog_packet(data, size);
    if (p && p->prefix.size() > size) __builtin_trap();
    return 0;
}
