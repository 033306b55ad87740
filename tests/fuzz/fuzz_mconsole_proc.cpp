// The /proc files a guest kernel, which an attacker may control, returns over
// the mconsole: /proc/net/tcp (sandbox/tcp_listeners.h) and /proc/stat's cpu
// line (common/proc_stat.h).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/common/proc_stat.h"
#include "oyster/sandbox/tcp_listeners.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    bool listening = oyster::tcp_port_listening(text, 22);
    // A table without the LISTEN state anywhere cannot list a listener.
    if (listening && text.find("0A") == std::string_view::npos) __builtin_trap();
    if (auto ticks = oyster::parse_proc_stat_cpu(text)) {
        // Every counter is bounded, so their sum cannot wrap.
        if (ticks->busy() < ticks->user || text.find("cpu") == std::string_view::npos) __builtin_trap();
    }
    return 0;
}
