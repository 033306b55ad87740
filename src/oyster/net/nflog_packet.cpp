#include "oyster/net/nflog_packet.h"

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
        } else if (type == kTlvPayload && !out.ip) {
            out.ip = parse_ipv4_packet(value, value_len);
        }
        std::size_t padded = (tlv_len + 3) & ~std::size_t{3};
        if (padded >= len - off) break;
        off += padded;
    }
    return out;
}

}  // namespace oyster
