// Ethernet frames holding an IPv4 TCP or UDP packet, byte for byte as a
// guest's tap carries them, for the flow inspector's tests and bench.
// Checksums are left zero: nDPI does not check them, and neither do we.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "oyster/common/ipv4.h"

namespace oyster::testing {

inline std::vector<std::uint8_t> ethernet_frame(const std::string& src, std::uint16_t sport, const std::string& dst,
                                                std::uint16_t dport, std::uint8_t protocol, std::uint8_t tcp_flags,
                                                const std::string& payload, std::uint32_t seq = 1,
                                                std::uint32_t ack = 1) {
    std::vector<std::uint8_t> f(14, 0);
    f[12] = 0x08;  // IPv4
    const std::size_t l4 = protocol == 6 ? 20 : 8;
    const std::size_t total = 20 + l4 + payload.size();
    auto put16 = [&](std::size_t at, std::uint32_t v) {
        f[at] = static_cast<std::uint8_t>(v >> 8);
        f[at + 1] = static_cast<std::uint8_t>(v);
    };
    auto put32 = [&](std::size_t at, std::uint32_t v) {
        put16(at, v >> 16);
        put16(at + 2, v & 0xffff);
    };
    f.resize(14 + total, 0);
    f[14] = 0x45;
    put16(16, static_cast<std::uint32_t>(total));
    f[22] = 64;
    f[23] = protocol;
    put32(26, parse_ipv4(src)->value);
    put32(30, parse_ipv4(dst)->value);
    put16(34, sport);
    put16(36, dport);
    if (protocol == 6) {
        put32(38, seq);
        put32(42, ack);
        f[46] = 0x50;
        f[47] = tcp_flags;
        put16(48, 65535);
    } else {
        put16(38, static_cast<std::uint32_t>(8 + payload.size()));
    }
    std::copy(payload.begin(), payload.end(), f.begin() + 14 + 20 + static_cast<std::ptrdiff_t>(l4));
    return f;
}

// A TCP conversation of a client with a server: the handshake, each
// payload in turn (the client's at even places, the server's at odd),
// then FIN both ways; with sequence numbers that follow.
inline std::vector<std::vector<std::uint8_t>> tcp_conversation(const std::string& client, std::uint16_t client_port,
                                                               const std::string& server, std::uint16_t server_port,
                                                               const std::vector<std::string>& payloads) {
    constexpr std::uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10;
    std::vector<std::vector<std::uint8_t>> out;
    std::uint32_t cseq = 1000, sseq = 5000;
    auto send = [&](bool from_client, std::uint8_t flags, const std::string& data) {
        out.push_back(from_client
                          ? ethernet_frame(client, client_port, server, server_port, 6, flags, data, cseq, sseq)
                          : ethernet_frame(server, server_port, client, client_port, 6, flags, data, sseq, cseq));
        auto used = static_cast<std::uint32_t>(data.size()) + ((flags & (kSyn | kFin)) != 0 ? 1U : 0U);
        (from_client ? cseq : sseq) += used;
    };
    send(true, kSyn, "");
    send(false, kSyn | kAck, "");
    send(true, kAck, "");
    for (std::size_t i = 0; i < payloads.size(); ++i) send(i % 2 == 0, kAck | kPsh, payloads[i]);
    send(true, kFin | kAck, "");
    send(false, kFin | kAck, "");
    return out;
}

}  // namespace oyster::testing
