// Log datagrams come from any process in the guest (the kernel records what
// is sent to the log's sockets): both parsers take arbitrary bytes, and what
// they return is never more than they were given.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "oyster/capture/guest_log_line.h"

namespace {

void check(const oyster::capture::GuestLogLine& l, std::size_t size) {
    if (l.message.size() > size || l.ident.size() > size) __builtin_trap();
    if (l.facility && (*l.facility < 0 || *l.facility > 23)) __builtin_trap();
    if (l.severity && (*l.severity < 0 || *l.severity > 7)) __builtin_trap();
    if (l.severity && oyster::capture::syslog_severity_name(*l.severity).empty()) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    check(oyster::capture::parse_syslog_datagram(bytes), size);
    check(oyster::capture::parse_journal_datagram(bytes), size);
    return 0;
}
