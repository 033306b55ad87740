// The containment selftest's ARP poisoning from inside a guest, as its
// root with the real tools (Ettercap and tcpdump, brought in for the run:
// selftest/guest_tools.h). Each guest has a /30 of its own on a tap of its
// own, so the only neighbour it can poison is its gateway, the host, and
// the host routes by tap, not by what a guest claims. The probe:
//   - asks ARP for each of those addresses (a route on the link for
//     each): the gateway must answer for none (the host owns several of
//     them, on other taps and its uplinks);
//   - tells Ettercap the other guest's, the host's and the LAN hosts'
//     addresses are on the guest's link (a hosts list; a scan finds only
//     the gateway) and has it poison the gateway towards each of them
//     (arp:remote) for a few seconds;
//   - meanwhile the host fetches the other guest's banner, the other guest
//     connects out, and the host sends datagrams of its own to the
//     internet, so there is traffic a working poisoning would divert;
//   - passes when tcpdump in the guest received no ARP answer for them
//     and no IPv4 packet neither from nor to the guest itself (what it
//     sends is not judged: Ettercap forges sources of its own), a libpcap
//     capture on its tap saw Ettercap's forged replies reach the host, and
//     the host's neighbour table holds no address at the guest's MAC or on
//     its tap but the guest's own.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "oyster/sandbox/guest_record.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// What `tcpdump -n -t -Q in` printed, as the probe judges it.
struct SniffedTraffic {
    std::vector<std::pair<std::string, std::string>> ipv4;         // (source, destination), ports cut off
    std::vector<std::pair<std::string, std::string>> arp_replies;  // (address claimed, MAC claimed for it)
    std::size_t other = 0;                                         // lines of another protocol (IPv6, ...)
};
SniffedTraffic parse_tcpdump(const std::string& output);

// The host's neighbour table (/proc/net/arp's format): (address, MAC,
// device) of each complete entry.
struct NeighbourEntry {
    std::string ip, mac, device;
};
std::vector<NeighbourEntry> parse_proc_net_arp(const std::string& text);

CheckResult probe_arp_poisoning(const GuestShell& shell, const GuestRecord& self, const GuestRecord& neighbour,
                                const std::vector<std::string>& foreign_ips, std::ostream& log);

}  // namespace oyster
