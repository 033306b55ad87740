// IPv4 addresses and networks as plain values, parsed strictly (no inet_aton
// shorthand such as "10.1"), and how guests take addresses of the pool.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace oyster {

struct Ipv4 {
    std::uint32_t value = 0;  // host byte order
    std::string str() const;
    auto operator<=>(const Ipv4&) const = default;
};

struct Ipv4Network {
    Ipv4 base;
    unsigned prefix_len = 0;
    std::uint32_t mask() const { return prefix_len == 0 ? 0 : ~std::uint32_t{0} << (32 - prefix_len); }
    std::string str() const;
};

std::optional<Ipv4> parse_ipv4(std::string_view text);
// "a.b.c.d/n" with host bits zero.
std::optional<Ipv4Network> parse_ipv4_network(std::string_view text);

// A guest's link, as a cloud VM's subnet looks from inside: the guest is
// shown the whole pool as its subnet (prefix_len) with the pool's first
// address as gateway, the same gateway for every guest. On the host each tap
// holds that gateway address as a /32 and a /32 route to its one guest, so
// a guest's segment still holds only itself and the host: another guest's
// address, though inside the subnet it is shown, answers no ARP.
// A guest's address is the .2 of a /30 of the pool (slot arithmetic and the
// firewall's source check rest on that); the gateway is slot 0's .1.
struct GuestLink {
    Ipv4 host;                // the gateway: tap side, the same for every guest
    Ipv4 guest;               // the guest's eth0
    unsigned prefix_len = 0;  // the subnet the guest is shown: the pool's
};

// Number of guest addresses (one per /30) in a pool.
std::uint32_t slot_count(const Ipv4Network& pool);
// Slot `index` (0-based) of the pool; nullopt when out of range.
std::optional<GuestLink> slot_link(const Ipv4Network& pool, std::uint32_t index);

}  // namespace oyster
