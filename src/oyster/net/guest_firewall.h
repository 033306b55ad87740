// Containment and data control for guests, in one nftables table
// `inet oyster` of the caller's network namespace, made through libnftables.
//
// A guest answers every connection made to it. What it starts on its own is
// limited (the Honeywall's "data control"), per guest address:
//   - nothing to the host itself (any of its addresses): input chain drop;
//   - nothing to other guests (the pool), IPv6, or private, loopback,
//     link-local, CGNAT, multicast and reserved ranges, except networks in
//     data_control.allow_private;
//   - DNS only to network.dns; mail (TCP 25/465/587) never leaves;
//   - new TCP connections, UDP flows and ICMP packets each capped per hour
//     (dynamic sets keyed by guest address with `limit rate over`); other
//     IP protocols dropped;
//   - what is allowed out is masqueraded behind the host's address.
// Matching is on the tap name prefix (kTapPrefix), so rules do not change as
// guests come and go. Every drop rule has a counter; `nft list table inet
// oyster` shows what was stopped.
#pragma once

#include <string>

#include "oyster/common/config.h"
#include "oyster/common/error.h"

namespace oyster {

// Creates or replaces the table for this config, atomically. Throws
// oyster::Error with nft's message.
void install_guest_containment(const Config& cfg);

// Deletes the table if present.
void remove_guest_containment();

// The ruleset text install_guest_containment() loads.
std::string guest_containment_ruleset(const Config& cfg);

}  // namespace oyster
