// NFLOG packets as libpcap delivers them: a header, then TLVs.
#include "oyster/net/nflog_packet.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace oyster {
namespace {

void tlv(std::vector<std::uint8_t>& out, std::uint16_t type, const std::vector<std::uint8_t>& value) {
    std::uint16_t len = static_cast<std::uint16_t>(4 + value.size());
    std::uint8_t hdr[4];
    std::memcpy(hdr, &len, 2);
    std::memcpy(hdr + 2, &type, 2);
    out.insert(out.end(), hdr, hdr + 4);
    out.insert(out.end(), value.begin(), value.end());
    while (out.size() % 4 != 0) out.push_back(0);
}

std::vector<std::uint8_t> tcp_syn_packet() {
    // IPv4 192.0.2.2 -> 198.51.100.80, TCP 40000 -> 80.
    std::vector<std::uint8_t> ip = {0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0, 192, 0, 2, 2, 198, 51, 100, 80};
    std::vector<std::uint8_t> tcp = {0x9c, 0x40, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 0x02, 0xff, 0xff, 0, 0, 0, 0};
    ip.insert(ip.end(), tcp.begin(), tcp.end());
    return ip;
}

std::vector<std::uint8_t> nflog(const std::string& prefix, const std::vector<std::uint8_t>& payload) {
    std::vector<std::uint8_t> out = {2, 0, 0x0f, 0xd9};  // AF_INET, v0, group 4057
    tlv(out, 1, {0x08, 0x00, 3, 0});                     // packet header, ignored
    std::vector<std::uint8_t> p(prefix.begin(), prefix.end());
    p.push_back(0);
    tlv(out, 10, p);
    tlv(out, 9, payload);
    return out;
}

TEST(NflogPacket, ReadsPrefixAddressesAndPorts) {
    auto bytes = nflog("oyster drop tcp_cap ", tcp_syn_packet());
    auto p = parse_nflog_packet(bytes.data(), bytes.size());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->group, 4057u);
    EXPECT_EQ(p->prefix, "oyster drop tcp_cap ");
    ASSERT_TRUE(p->ip);
    EXPECT_EQ(p->ip->src.str(), "192.0.2.2");
    EXPECT_EQ(p->ip->dst.str(), "198.51.100.80");
    EXPECT_EQ(ip_protocol_name(p->ip->protocol), "tcp");
    EXPECT_EQ(p->ip->src_port, 40000u);
    EXPECT_EQ(p->ip->dst_port, 80u);
}

TEST(NflogPacket, EveryTruncationIsSafe) {
    auto bytes = nflog("oyster drop host ", tcp_syn_packet());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        std::vector<std::uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        auto p = parse_nflog_packet(cut.data(), cut.size());
        if (p && p->ip) {
            EXPECT_EQ(p->ip->src.str(), "192.0.2.2");
        }
    }
}

TEST(NflogPacket, RejectsBadTlvLengths) {
    auto bytes = nflog("x", tcp_syn_packet());
    std::uint16_t huge = 60000;
    std::memcpy(bytes.data() + 4, &huge, 2);
    EXPECT_FALSE(parse_nflog_packet(bytes.data(), bytes.size()));
    std::uint16_t tiny = 2;
    std::memcpy(bytes.data() + 4, &tiny, 2);
    EXPECT_FALSE(parse_nflog_packet(bytes.data(), bytes.size()));
}

TEST(NflogPacket, BadIpHeaderLeavesAddressesOut) {
    auto ip = tcp_syn_packet();
    ip[0] = 0x4f;  // IHL 60 bytes, longer than the packet
    auto bytes = nflog("x", ip);
    auto p = parse_nflog_packet(bytes.data(), bytes.size());
    ASSERT_TRUE(p);
    EXPECT_FALSE(p->ip);
    EXPECT_EQ(p->prefix, "x");
}

TEST(NflogPacket, PrefixWithoutNulIsBounded) {
    std::vector<std::uint8_t> out = {2, 0, 0, 1};
    tlv(out, 10, {'a', 'b', 'c', 'd'});
    auto p = parse_nflog_packet(out.data(), out.size());
    ASSERT_TRUE(p);
    EXPECT_EQ(p->prefix, "abcd");
}

}  // namespace
}  // namespace oyster
