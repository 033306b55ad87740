// Each event line becomes a syslog message; the line carries attacker-typed
// strings and a type the guest may have influenced. Whatever it holds, the
// header stays six printable fields and the message stays within its cut.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/outputs/syslog_message.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view line(reinterpret_cast<const char*>(data), size);
    oyster::outputs::SyslogFormat f;
    f.hostname = "sensor";
    f.max_bytes = 512;
    std::string m = oyster::outputs::syslog_message(line, f);
    if (m.size() > 512) __builtin_trap();
    // Up to the BOM: no space inside a field, no control byte.
    auto bom = m.find("\xEF\xBB\xBF");
    if (bom == std::string::npos) __builtin_trap();
    int spaces = 0;
    for (std::size_t i = 0; i < bom; ++i) {
        auto c = static_cast<unsigned char>(m[i]);
        if (c == ' ') ++spaces;
        if (c < 32 || c > 126) __builtin_trap();
    }
    if (spaces != 7) __builtin_trap();
    return 0;
}
