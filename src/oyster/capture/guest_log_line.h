// A line the guest wrote to its system log, as the kernel recorded it on
// the way into the log's sockets (OYSTER_CAP_LOG records): a syslog(3)
// datagram ("<PRI>Mmm dd hh:mm:ss TAG[PID]: text", or RFC 5424's
// "<PRI>1 TIMESTAMP HOST APP PROCID MSGID SD text") or a datagram of
// journald's native protocol (KEY=VALUE lines; a value holding a newline
// is sent as KEY, a newline, a 64-bit little-endian length, the bytes and a
// newline).
//
// The bytes come from any process in the guest and are hostile: the parse
// never fails, it takes what it can read and leaves the rest in `message`.
// What the datagram claims (ident, pid, facility) is the sender's word; the
// record's header says who really sent it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oyster::capture {

struct GuestLogLine {
    std::optional<int> facility;  // 0-23, from <PRI> or SYSLOG_FACILITY (common/syslog_facility.h)
    std::optional<int> severity;  // 0-7, from <PRI> or PRIORITY
    std::string ident;            // TAG, APP-NAME or SYSLOG_IDENTIFIER ("" when none)
    std::optional<std::uint32_t> claimed_pid;
    std::string message;  // the text, as bytes (the decoder makes it JSON-safe)
};

// A syslog(3) datagram, RFC 3164 as glibc and util-linux send it, or RFC 5424.
GuestLogLine parse_syslog_datagram(std::string_view datagram);

// A datagram of journald's native protocol. A field that overruns the
// datagram ends the parse; what was read before stays.
GuestLogLine parse_journal_datagram(std::string_view datagram);

// "emerg" ... "debug" for a severity number, "" outside 0-7.
std::string_view syslog_severity_name(int severity);

}  // namespace oyster::capture
