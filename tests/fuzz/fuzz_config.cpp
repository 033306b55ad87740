// oyster.toml may come from anywhere an operator copies it from.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/common/config.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    try {
        oyster::parse_config(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz.toml");
    } catch (const oyster::ConfigError&) {
    }
    return 0;
}
