#include "oyster/capture/socket_address.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

namespace oyster::capture {
namespace {

constexpr std::uint16_t kAfUnix = 1, kAfInet = 2, kAfInet6 = 10, kAfNetlink = 16, kAfPacket = 17;

std::uint16_t be16(const std::uint8_t* p) {
    return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}

std::string hex(std::span<const std::uint8_t> b) {
    std::string out;
    for (auto c : b) out += fmt::format("{:02x}", c);
    return out;
}

}  // namespace

std::string address_family_name(std::uint32_t family) {
    switch (family) {
        case kAfUnix:
            return "unix";
        case kAfInet:
            return "inet";
        case kAfInet6:
            return "inet6";
        case kAfNetlink:
            return "netlink";
        case kAfPacket:
            return "packet";
        default:
            return std::to_string(family);
    }
}

std::string socket_type_name(std::uint32_t type) {
    switch (type & 0xf) {  // the rest are SOCK_NONBLOCK/SOCK_CLOEXEC bits
        case 1:
            return "stream";
        case 2:
            return "dgram";
        case 3:
            return "raw";
        case 5:
            return "seqpacket";
        default:
            return std::to_string(type);
    }
}

std::string ip_protocol_name(std::uint32_t protocol) {
    switch (protocol) {
        case 0:
            return "default";
        case 1:
            return "icmp";
        case 6:
            return "tcp";
        case 17:
            return "udp";
        case 58:
            return "icmpv6";
        case 255:
            return "raw";
        default:
            return std::to_string(protocol);
    }
}

std::optional<InetEndpoint> inet_endpoint(std::span<const std::uint8_t> sa) {
    if (sa.size() < 2) return std::nullopt;
    std::uint16_t family = static_cast<std::uint16_t>(sa[0] | (sa[1] << 8));
    char text[INET6_ADDRSTRLEN] = {};
    if (family == kAfInet && sa.size() >= 8) {
        inet_ntop(AF_INET, sa.data() + 4, text, sizeof text);
    } else if (family == kAfInet6 && sa.size() >= 24) {
        inet_ntop(AF_INET6, sa.data() + 8, text, sizeof text);
    } else {
        return std::nullopt;
    }
    return InetEndpoint{text, be16(sa.data() + 2)};
}

nlohmann::json socket_address_json(std::span<const std::uint8_t> sa) {
    if (sa.size() < 2) return nullptr;
    std::uint16_t family = static_cast<std::uint16_t>(sa[0] | (sa[1] << 8));
    nlohmann::json j = {{"family", address_family_name(family)}};
    if (auto inet = inet_endpoint(sa)) {
        j["address"] = inet->address;
        j["port"] = inet->port;
    } else if (family == kAfUnix) {
        auto path = sa.subspan(2);
        if (!path.empty() && path[0] == 0) {
            // Abstract names may hold any byte; shown as "@" + the bytes.
            j["path"] = "@" + std::string(path.begin() + 1, path.end());
        } else {
            const char* p = reinterpret_cast<const char*>(path.data());
            j["path"] = std::string(p, strnlen(p, path.size()));
        }
    } else {
        j["hex"] = hex(sa.subspan(2));
    }
    return j;
}

}  // namespace oyster::capture
