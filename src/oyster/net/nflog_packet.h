// Parsing of the packets nftables logs to NFLOG (as libpcap delivers them,
// link type DLT_NFLOG): the log prefix and the IPv4 header of the dropped
// packet. The packet is whatever a guest sent, so every length is checked;
// anything malformed yields nullopt, never a read past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "oyster/common/ipv4.h"
#include "oyster/net/ip_packet.h"

namespace oyster {

struct LoggedPacket {
    std::uint16_t group = 0;  // NFLOG group
    std::string prefix;       // nft `log prefix`, without the trailing NUL
    bool has_ipv4 = false;    // false: not IPv4, or the payload was cut short
    Ipv4 src, dst;
    std::uint8_t protocol = 0;                 // IPPROTO_*
    std::uint16_t src_port = 0, dst_port = 0;  // TCP and UDP
    std::uint8_t icmp_type = 0;                // ICMP
    std::uint16_t ip_length = 0;
};

std::optional<LoggedPacket> parse_nflog_packet(const std::uint8_t* data, std::size_t len);

}  // namespace oyster
