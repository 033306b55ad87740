// Policy routing that lets the portal connect to a guest *as the attacker*:
// the portal's socket is bound (IP_TRANSPARENT) to the attacker's address and
// port, so the guest's sshd, `who` and `ss` see the real source. The guest
// answers to that address; the containment table marks those replies
// (kPortalReplyMark, from the connection's conntrack mark) and the rule made
// here sends marked packets to a routing table whose only route is "local",
// so they reach the portal's socket instead of being forwarded.
#pragma once

namespace oyster {

inline constexpr unsigned kPortalRouteTable = 4057;

// Adds the ip rule and the local route in the caller's network namespace
// (replacing earlier ones). Throws oyster::Error naming the failed command.
void install_portal_routing();

// Removes them; missing ones are not an error.
void remove_portal_routing();

}  // namespace oyster
