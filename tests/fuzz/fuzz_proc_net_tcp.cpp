// /proc/net/tcp as a guest kernel an attacker may control returns it over
// the mconsole (sandbox/tcp_listeners.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/sandbox/tcp_listeners.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    bool listening = oyster::tcp_port_listening(text, 22);
    // A table without the LISTEN state anywhere cannot list a listener.
    if (listening && text.find("0A") == std::string_view::npos) __builtin_trap();
    return 0;
}
