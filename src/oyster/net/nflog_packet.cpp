#include "oyster/net/nflog_packet.h"

#include <netinet/in.h>

#include <cstring>

namespace oyster {
namespace {

// LINKTYPE_NFLOG: a 4-byte header (family, version, resource id in network
// order), then TLVs whose length and type are in *host* order; the length
// counts the 4-byte TLV header, and each TLV is padded to 4 bytes.
constexpr std::size_t kHeaderLen = 4;
constexpr std::size_t kTlvHeaderLen = 4;
constexpr std::uint16_t kTlvPayload = 9;
constexpr std::uint16_t kTlvPrefix = 10;

std::uint16_t host16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, 2);
    return v;
}
std::uint16_t net16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t net32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

void parse_ipv4(const std::uint8_t* p, std::size_t len, LoggedPacket& out) {
    if (len < 20 || (p[0] >> 4) != 4) return;
    std::size_t ihl = std::size_t{p[0] & 0x0fU} * 4;
    if (ihl < 20 || ihl > len) return;
    out.has_ipv4 = true;
    out.ip_length = net16(p + 2);
    out.protocol = p[9];
    out.src = Ipv4{net32(p + 12)};
    out.dst = Ipv4{net32(p + 16)};
    bool first_fragment = (net16(p + 6) & 0x1fffU) == 0;
    const std::uint8_t* l4 = p + ihl;
    std::size_t l4_len = len - ihl;
    if (!first_fragment) return;
    if ((out.protocol == IPPROTO_TCP || out.protocol == IPPROTO_UDP) && l4_len >= 4) {
        out.src_port = net16(l4);
        out.dst_port = net16(l4 + 2);
    } else if (out.protocol == IPPROTO_ICMP && l4_len >= 1) {
        out.icmp_type = l4[0];
    }
}

}  // namespace

std::optional<LoggedPacket> parse_nflog_packet(const std::uint8_t* data, std::size_t len) {
    if (data == nullptr || len < kHeaderLen) return std::nullopt;
    LoggedPacket out;
    out.group = net16(data + 2);
    std::size_t off = kHeaderLen;
    bool prefix_seen = false;
    while (len - off >= kTlvHeaderLen) {
        std::size_t tlv_len = host16(data + off);
        std::uint16_t type = host16(data + off + 2);
        if (tlv_len < kTlvHeaderLen || tlv_len > len - off) return std::nullopt;
        const std::uint8_t* value = data + off + kTlvHeaderLen;
        std::size_t value_len = tlv_len - kTlvHeaderLen;
        if (type == kTlvPrefix && !prefix_seen) {
            const void* nul = std::memchr(value, 0, value_len);
            std::size_t n =
                nul != nullptr ? static_cast<std::size_t>(static_cast<const std::uint8_t*>(nul) - value) : value_len;
            out.prefix.assign(reinterpret_cast<const char*>(value), n);
            prefix_seen = true;
        } else if (type == kTlvPayload && !out.has_ipv4) {
            parse_ipv4(value, value_len, out);
        }
        std::size_t padded = (tlv_len + 3) & ~std::size_t{3};
        if (padded >= len - off) break;
        off += padded;
    }
    return out;
}

std::string ip_protocol_name(std::uint8_t protocol) {
    switch (protocol) {
        case IPPROTO_TCP:
            return "tcp";
        case IPPROTO_UDP:
            return "udp";
        case IPPROTO_ICMP:
            return "icmp";
        default:
            return std::to_string(protocol);
    }
}

}  // namespace oyster
