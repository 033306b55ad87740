// Parsing of the packets nftables logs to NFLOG (as libpcap delivers them,
// link type DLT_NFLOG): the log prefix and the IPv4 header of the dropped
// packet. The packet is whatever a guest sent, so every length is checked;
// anything malformed yields nullopt, never a read past the buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "oyster/net/ip_packet.h"

namespace oyster {

struct LoggedPacket {
    std::uint16_t group = 0;     // NFLOG group
    std::string prefix;          // nft `log prefix`, without the trailing NUL
    std::optional<IpPacket> ip;  // none: not IPv4, or the payload was cut short
};

std::optional<LoggedPacket> parse_nflog_packet(const std::uint8_t* data, std::size_t len);

}  // namespace oyster
