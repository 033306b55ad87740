// The IPv4 header of a packet a guest sent or received, and the TCP, UDP or
// ICMP header after it, as far as the captured bytes hold them. The bytes
// are the guest's, so every length is checked against what was captured:
// anything malformed yields nullopt or a field left at zero, never a read
// past the buffer. Used by the drop monitor (NFLOG payloads) and the flow
// inspector (frames off the tap).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "oyster/common/ipv4.h"

namespace oyster {

struct IpPacket {
    Ipv4 src, dst;
    std::uint8_t protocol = 0;                 // IPPROTO_*
    std::uint16_t ip_length = 0;               // the header's total length
    std::uint16_t src_port = 0, dst_port = 0;  // TCP and UDP, first fragment only
    std::uint8_t icmp_type = 0;                // ICMP
    std::uint8_t tcp_flags = 0;                // TCP: FIN 0x01, SYN 0x02, RST 0x04, ACK 0x10
    bool first_fragment = true;
    // Bytes of the IP packet captured (from its first byte), at most
    // ip_length; and of them, the transport's payload.
    std::size_t captured = 0;
    std::size_t payload = 0;
};

inline constexpr std::uint8_t kTcpFin = 0x01, kTcpSyn = 0x02, kTcpRst = 0x04, kTcpAck = 0x10;

// `p` starts at an IPv4 header; nullopt when it is not one.
std::optional<IpPacket> parse_ipv4_packet(const std::uint8_t* p, std::size_t len);

// Where the IP packet starts in an Ethernet frame (after any 802.1Q tags),
// and its EtherType; nullopt when the frame is too short.
struct EthernetPayload {
    std::uint16_t ether_type = 0;
    std::size_t offset = 0;
};
std::optional<EthernetPayload> ethernet_payload(const std::uint8_t* frame, std::size_t len);
inline constexpr std::uint16_t kEtherTypeIpv4 = 0x0800;

// "tcp", "udp", "icmp", or the number.
std::string ip_protocol_name(std::uint8_t protocol);

}  // namespace oyster
