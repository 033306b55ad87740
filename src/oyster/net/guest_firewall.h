// Baseline containment for guests, in one nftables table `inet oyster` of the
// caller's network namespace, made through libnftables.
//
// Until data control (outbound caps, DNS, SMTP sink) lands, the rule is the
// strictest one: a guest may answer connections made to it, and may start
// none of its own — not to the host, not to another guest, not to the LAN or
// the internet. Matching is on the tap name prefix (kTapPrefix), so the rules
// do not change as guests come and go.
//
//   table inet oyster {
//     chain guest_input   { type filter hook input priority -10; policy accept;
//                           iifname "oyg*" ct state established,related accept
//                           iifname "oyg*" counter drop }
//     chain guest_forward { type filter hook forward priority -10; policy accept;
//                           iifname "oyg*" ct state established,related accept
//                           iifname "oyg*" counter drop }
//   }
#pragma once

#include <string>

#include "oyster/common/error.h"

namespace oyster {

// Creates or replaces the table, atomically. Throws oyster::Error with nft's
// message.
void install_guest_containment();

// Deletes the table if present.
void remove_guest_containment();

// The ruleset text install_guest_containment() loads.
std::string guest_containment_ruleset();

}  // namespace oyster
