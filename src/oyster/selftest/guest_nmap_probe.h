// The containment selftest's Nmap from inside a guest, as its root with
// the real tool (brought in for the run from the selftest's package cache,
// purged after: selftest/guest_tools.h, containment_selftest.h):
//   - nmap_ports: a SYN scan of common service ports on the host's
//     addresses, the other guest, LAN hosts and the metadata addresses
//     finds every port filtered (an open or closed port means a packet got
//     there and something answered);
//   - nmap_sweep: a host-discovery sweep (ICMP echo and timestamp, TCP SYN
//     and ACK; ARP left out: a guest's gateway must answer ARP) of the same
//     addresses and of the guest's /24 in the pool finds no host up.
#pragma once

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "oyster/sandbox/guest_record.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

struct NmapHost {
    std::string ip;
    bool up = false;                                 // a "Status: Up" line
    std::vector<std::pair<int, std::string>> ports;  // (port, state) of a "Ports:" line
};

// Nmap's greppable output (-oG -): one entry per host named, in order.
// Lines of another shape are ignored.
std::vector<NmapHost> parse_nmap_grepable(const std::string& output);

// Nmap must be installed in the guest.
std::vector<CheckResult> probe_guest_nmap(const GuestShell& shell, const GuestRecord& self,
                                          const std::vector<std::string>& targets, std::ostream& log);

}  // namespace oyster
