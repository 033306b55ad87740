// IPv4 addresses and networks as plain values, parsed strictly (no inet_aton
// shorthand such as "10.1"), and the /30 slot arithmetic guests use.
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

// A guest's point-to-point link: a /30 carved from the pool.
struct GuestLink {
    Ipv4 host;   // tap side, the guest's gateway
    Ipv4 guest;  // the guest's eth0
    unsigned prefix_len = 30;
};

// Number of /30 slots in a pool.
std::uint32_t slot_count(const Ipv4Network& pool);
// Slot `index` (0-based) of the pool; nullopt when out of range.
std::optional<GuestLink> slot_link(const Ipv4Network& pool, std::uint32_t index);

}  // namespace oyster
