// Renders the raw struct sockaddr bytes of a capture socket record.
//
// The bytes come from a guest and may be anything: a family that does not
// match the socket, a length shorter than the family's struct, a unix path
// without a terminator. Nothing here reads past the given bytes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

namespace oyster::capture {

// {"family": "inet", "address": "192.0.2.1", "port": 80} for AF_INET/AF_INET6,
// {"family": "unix", "path": "/dev/log"} (abstract names start with "@"),
// {"family": <number>, "hex": "..."} for anything else; null when empty.
nlohmann::json socket_address_json(std::span<const std::uint8_t> sa);

// The address and port of an AF_INET or AF_INET6 sockaddr; none for any
// other family or one too short for its struct.
struct InetEndpoint {
    std::string address;
    std::uint16_t port = 0;
};
std::optional<InetEndpoint> inet_endpoint(std::span<const std::uint8_t> sa);

// "inet", "inet6", "unix", "netlink", "packet" or the number as a string.
std::string address_family_name(std::uint32_t family);
// "stream", "dgram", "raw", "seqpacket" or the number.
std::string socket_type_name(std::uint32_t type);
// "tcp", "udp", "icmp", "icmpv6", "raw" or the number (0: "default").
std::string ip_protocol_name(std::uint32_t protocol);

}  // namespace oyster::capture
