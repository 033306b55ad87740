// The containment selftest's forged-source flood from inside a guest, as
// its root with hping3 (brought in for the run: selftest/guest_tools.h),
// the tool intruders use for it: TCP SYNs from a random source per packet
// (--rand-source), UDP from one forged internet address, and ICMP echoes
// claiming to come from the other guest (framing a neighbour). The tap's
// source check drops them all before any limit or conntrack sees them, so
// none may leave the host (a libpcap capture on the egress interface
// counts packets to the target) and the spoofed-drop counter must take at
// least as many as hping3 says it sent. (`spoofed_source` proves the same
// for datagrams sent through the guest's own stack, without tools.)
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "oyster/sandbox/guest_record.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// The packets hping3 says it sent: its "N packets transmitted" lines,
// summed (one per run). Lines of another shape are ignored.
std::uint64_t hping_transmitted(const std::string& output);

// hping3 must be installed in `self`. Sends to `target`, an internet
// address nobody answers on.
CheckResult probe_spoofed_flood(const GuestShell& shell, const GuestRecord& self, const GuestRecord& other,
                                const std::string& target, std::ostream& log);

}  // namespace oyster
