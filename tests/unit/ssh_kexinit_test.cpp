#include "oyster/selftest/ssh_kexinit.h"

#include "oyster/selftest/stealth_selftest.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace oyster {
namespace {

void put32(std::vector<std::uint8_t>& v, std::uint32_t x) {
    for (int s = 24; s >= 0; s -= 8) v.push_back(static_cast<std::uint8_t>(x >> s));
}

std::vector<std::uint8_t> kexinit_payload(const std::vector<std::string>& lists) {
    std::vector<std::uint8_t> p = {20};
    for (int i = 0; i < 16; ++i) p.push_back(static_cast<std::uint8_t>(i));
    for (const auto& l : lists) {
        put32(p, static_cast<std::uint32_t>(l.size()));
        p.insert(p.end(), l.begin(), l.end());
    }
    p.push_back(0);
    put32(p, 0);
    return p;
}

std::vector<std::uint8_t> packet(const std::vector<std::uint8_t>& payload) {
    std::size_t padding = 8 - (payload.size() + 5) % 8;
    if (padding < 4) padding += 8;
    std::vector<std::uint8_t> out;
    put32(out, static_cast<std::uint32_t>(payload.size() + padding + 1));
    out.push_back(static_cast<std::uint8_t>(padding));
    out.insert(out.end(), payload.begin(), payload.end());
    out.insert(out.end(), padding, 0);
    return out;
}

const std::vector<std::string> kLists = {"curve25519-sha256,kex-strict-s-v00@openssh.com",
                                         "rsa-sha2-512,ssh-ed25519",
                                         "chacha20-poly1305@openssh.com,aes128-ctr",
                                         "chacha20-poly1305@openssh.com,aes128-ctr",
                                         "umac-64-etm@openssh.com",
                                         "umac-64-etm@openssh.com",
                                         "none,zlib@openssh.com",
                                         "none,zlib@openssh.com",
                                         "",
                                         ""};

TEST(SshKexInit, ReadsTheTenListsOfAPacket) {
    bool need_more = false;
    auto bytes = packet(kexinit_payload(kLists));
    auto payload = parse_first_packet(bytes, need_more);
    ASSERT_TRUE(payload);
    auto k = parse_kexinit_payload(*payload);
    ASSERT_TRUE(k);
    EXPECT_EQ(k->lists[0], (std::vector<std::string>{"curve25519-sha256", "kex-strict-s-v00@openssh.com"}));
    EXPECT_EQ(k->lists[1].size(), 2u);
    EXPECT_TRUE(k->lists[8].empty());
    EXPECT_FALSE(k->first_kex_packet_follows);
}

TEST(SshKexInit, ShortInputAsksForMore) {
    bool need_more = false;
    auto bytes = packet(kexinit_payload(kLists));
    for (std::size_t n : {0, 3, 5, 40}) {
        EXPECT_FALSE(parse_first_packet(std::span(bytes).first(n), need_more));
        EXPECT_TRUE(need_more) << n;
    }
}

TEST(SshKexInit, MalformedInputIsRefused) {
    bool need_more = false;
    std::vector<std::uint8_t> huge;
    put32(huge, 1u << 30);
    huge.push_back(4);
    EXPECT_FALSE(parse_first_packet(huge, need_more));
    EXPECT_FALSE(need_more);
    auto p = kexinit_payload(kLists);
    p[0] = 21;
    EXPECT_FALSE(parse_kexinit_payload(p));
    auto truncated = kexinit_payload(kLists);
    truncated.resize(40);
    EXPECT_FALSE(parse_kexinit_payload(truncated));
    auto lying = kexinit_payload(kLists);
    lying[17] = 0x7f;  // first list's length far beyond the payload
    EXPECT_FALSE(parse_kexinit_payload(lying));
    auto control = kLists;
    control[2] = "aes128-ctr\n";
    EXPECT_FALSE(parse_kexinit_payload(kexinit_payload(control)));
}

// The guest's greeting against the stock sshd's: same banner and lists in
// the same order pass; any difference names the list and both offers.
TEST(SshKexInit, GuestGreetingIsComparedListByList) {
    SshServerHello stock{"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", *parse_kexinit_payload(kexinit_payload(kLists))};
    auto results = compare_ssh_hello(stock, stock);
    ASSERT_EQ(results.size(), 2u);
    EXPECT_TRUE(results[0].pass);
    EXPECT_TRUE(results[1].pass);

    auto guest = stock;
    guest.banner = "SSH-2.0-OpenSSH_7.4";
    std::swap(guest.kexinit.lists[2][0], guest.kexinit.lists[2][1]);
    results = compare_ssh_hello(guest, stock);
    EXPECT_FALSE(results[0].pass);
    EXPECT_FALSE(results[1].pass);
    EXPECT_NE(results[1].detail.find("ciphers_c2s"), std::string::npos) << results[1].detail;
}

}  // namespace
}  // namespace oyster
