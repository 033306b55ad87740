// Host tap interfaces, one per guest: each guest has an L2 segment of its own
// (the tap holds the shared gateway address as a /32 and a /32 route to its
// one guest, common/ipv4.h), so it cannot see or ARP-poison another guest.
//
// The tap is made persistent and owned by the uid the UML process runs as, so
// that process needs no capability to attach to it. It lives in the network
// namespace of the caller.
#pragma once

#include <sys/types.h>

#include <string>

#include "oyster/common/ipv4.h"

namespace oyster {

inline constexpr std::size_t kMaxIfNameLen = 15;

// Every guest tap is named kTapPrefix + guest id; firewall rules match on it.
inline constexpr const char* kTapPrefix = "oyg";

// Creates (or re-uses) persistent tap `name`, owned by `owner`, with the
// gateway address of `link` as a /32, the interface up, a route to the
// guest's address through it, answering ARP only for the gateway. Throws
// oyster::Error.
void create_tap(const std::string& name, uid_t owner, const GuestLink& link);

// A descriptor attached to tap `name` (IFF_TAP | IFF_NO_PI, as UML's tuntap
// transport attaches): handed to the UML process (kernel patch 0020), which
// then needs neither /dev/net/tun nor the tap's network namespace. Throws
// oyster::Error (EBUSY: something is attached already).
int attach_tap(const std::string& name);

// Removes a persistent tap. Missing taps are not an error.
void delete_tap(const std::string& name);

bool interface_exists(const std::string& name);

// A MAC address a guest NIC can use: an Intel OUI and random low bytes, so it
// does not look like a virtual NIC (52:54:00, fe:fd and friends do).
std::string random_guest_mac();

}  // namespace oyster
