// Persona files: operator input, but read by the same strict reader that
// must turn any text into a Persona or a ConfigError, never a crash.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/common/config.h"
#include "oyster/common/persona.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        auto p = oyster::parse_persona(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
        auto text = oyster::persona_json(p).dump();
        if (text.empty()) __builtin_trap();
    } catch (const oyster::ConfigError&) {
    }
    return 0;
}
