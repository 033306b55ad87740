#include "oyster/net/ip_packet.h"

#include <netinet/in.h>

#include <algorithm>

namespace oyster {
namespace {

std::uint16_t net16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t net32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

constexpr std::size_t kEthernetHeader = 14;
constexpr std::size_t kVlanTag = 4;
constexpr std::uint16_t kEtherTypeVlan = 0x8100, kEtherTypeQinQ = 0x88a8;

}  // namespace

std::optional<IpPacket> parse_ipv4_packet(const std::uint8_t* p, std::size_t len) {
    if (p == nullptr || len < 20 || (p[0] >> 4) != 4) return std::nullopt;
    std::size_t ihl = std::size_t{p[0] & 0x0fU} * 4;
    if (ihl < 20 || ihl > len) return std::nullopt;
    IpPacket out;
    out.ip_length = net16(p + 2);
    out.protocol = p[9];
    out.src = Ipv4{net32(p + 12)};
    out.dst = Ipv4{net32(p + 16)};
    out.first_fragment = (net16(p + 6) & 0x1fffU) == 0;
    // A frame is padded to Ethernet's minimum; the header says where the
    // packet ends. A length shorter than the header is a lie: ignore it.
    out.captured = out.ip_length >= ihl ? std::min<std::size_t>(len, out.ip_length) : len;
    const std::uint8_t* l4 = p + ihl;
    std::size_t l4_len = out.captured - ihl;
    if (!out.first_fragment) {
        out.payload = l4_len;
        return out;
    }
    if (out.protocol == IPPROTO_TCP && l4_len >= 4) {
        out.src_port = net16(l4);
        out.dst_port = net16(l4 + 2);
        if (l4_len >= 20) {
            std::size_t data_offset = std::size_t{l4[12]} / 16 * 4;
            out.tcp_flags = l4[13];
            if (data_offset >= 20 && data_offset <= l4_len) out.payload = l4_len - data_offset;
        }
    } else if (out.protocol == IPPROTO_UDP && l4_len >= 4) {
        out.src_port = net16(l4);
        out.dst_port = net16(l4 + 2);
        if (l4_len >= 8) out.payload = l4_len - 8;
    } else if (out.protocol == IPPROTO_ICMP && l4_len >= 1) {
        out.icmp_type = l4[0];
        out.payload = l4_len;
    }
    return out;
}

std::optional<EthernetPayload> ethernet_payload(const std::uint8_t* frame, std::size_t len) {
    if (frame == nullptr || len < kEthernetHeader) return std::nullopt;
    EthernetPayload out{.ether_type = net16(frame + 12), .offset = kEthernetHeader};
    // At most two tags (802.1ad outer, 802.1Q inner).
    for (int i = 0; i < 2 && (out.ether_type == kEtherTypeVlan || out.ether_type == kEtherTypeQinQ); ++i) {
        if (len < out.offset + kVlanTag) return std::nullopt;
        out.ether_type = net16(frame + out.offset + 2);
        out.offset += kVlanTag;
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
