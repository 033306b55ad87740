// Containment and data control for guests, in one nftables table
// `inet oyster` of the caller's network namespace, made through libnftables.
//
// A guest answers every connection made to it. What it starts on its own is
// limited (the Honeywall's "data control"), per guest:
//   - a guest sends from its own address only (its tap's route, a .2), and
//     no IPv6: what it sends from another is dropped before conntrack, so
//     nothing leaves forged and every limit keyed by the source address is
//     keyed by the guest;
//   - nothing to the host itself (any of its addresses): input chain drop;
//   - nothing to other guests (the pool), IPv6, or private, loopback,
//     link-local, CGNAT, multicast and reserved ranges, except networks in
//     data_control.allow_private;
//   - cloud metadata and control addresses (169.254.169.254, Azure's
//     168.63.129.16, ...) never, whatever allow_private says;
//   - DNS only to network.dns, every packet counted against
//     data_control.dns_packets_per_hour; mail (TCP 25/465/587) never leaves;
//   - packets conntrack marks invalid dropped (no limit would count them);
//   - new TCP connections, UDP flows and ICMP packets each capped per hour
//     (dynamic sets keyed by guest address with `limit rate over`; a guest
//     whose element a full set cannot take is dropped); other IP protocols
//     dropped;
//   - what is allowed out is masqueraded behind the host's address.
//   - outbound bandwidth capped per guest (data_control.bandwidth_kib_per_second);
//   - mail (TCP 25/465/587) redirected to the sensor's SMTP sink.
// Matching is on the tap name prefix (kTapPrefix), so rules do not change as
// guests come and go. Every drop goes through a chain drop_<reason> that
// counts it and logs it, rate-limited, to NFLOG group kDropLogGroup with the
// prefix kDropLogPrefix + reason; `nft list table inet oyster` shows the
// counters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "oyster/common/config.h"
#include "oyster/common/error.h"

namespace oyster {

// Marks of the portal's connections into guests (see portal_routing.h): the
// portal's sockets carry kPortalSocketMark; their connections get the
// conntrack mark kPortalReplyMark, which the guest's replies take as their
// packet mark and the routing rule matches. Two marks, because the rule
// must not catch the portal's own outgoing packets.
inline constexpr unsigned kPortalSocketMark = 0x4f5a;
inline constexpr unsigned kPortalReplyMark = 0x4f59;

inline constexpr unsigned kDropLogGroup = 4057;
inline constexpr unsigned kDropLogPerSecond = 10;
inline constexpr const char* kDropLogPrefix = "oyster drop ";
// Bytes of a dropped packet the kernel copies into its NFLOG message: its
// IPv4 header (at most 60) and the ports are all the drop event needs. A
// whole packet (a scanner's large UDP probe) made messages longer than
// libpcap's buffer, which then reported more bytes than it had read.
inline constexpr unsigned kDropLogSnaplen = 128;
// Why a packet was dropped; each names a chain drop_<reason>.
inline constexpr const char* kDropReasons[] = {"host",    "sink",    "guest",    "ipv6",     "dns",      "smtp",
                                               "private", "tcp_cap", "udp_cap",  "icmp_cap", "protocol", "bandwidth",
                                               "spoofed", "invalid", "metadata", "dns_cap"};

// Creates or replaces the table for this config, atomically; leaves it alone
// when it already holds exactly this ruleset (reloading would reset every
// guest's caps). Throws oyster::Error with nft's message.
void install_guest_containment(const Config& cfg);

// Deletes the table if present.
void remove_guest_containment();

// Packets the chain drop_<reason> has dropped so far (the table of the
// caller's network namespace); nullopt when there is no such chain.
std::optional<std::uint64_t> drop_count(const std::string& reason);

// The ruleset text install_guest_containment() loads.
std::string guest_containment_ruleset(const Config& cfg);

}  // namespace oyster
