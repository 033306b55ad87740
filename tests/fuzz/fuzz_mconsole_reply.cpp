// mconsole replies come from a guest kernel an attacker may control.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "oyster/sandbox/mconsole.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    bool ok = false, more = false;
    std::string text;
    if (oyster::parse_mconsole_reply(std::span(data, size), ok, more, text) && text.size() > 512) __builtin_trap();
    return 0;
}
