#include "oyster/common/ipv4.h"

#include <gtest/gtest.h>

namespace oyster {
namespace {

TEST(Ipv4, ParsesDottedQuads) {
    EXPECT_EQ(parse_ipv4("192.0.2.1")->value, 0xc0000201u);
    EXPECT_EQ(parse_ipv4("0.0.0.0")->value, 0u);
    EXPECT_EQ(parse_ipv4("255.255.255.255")->str(), "255.255.255.255");
}

TEST(Ipv4, RejectsEverythingElse) {
    for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", "01.2.3.4", "1..2.3", "a.b.c.d",
                            "1.2.3.-4", "1.2.3.4/8"}) {
        EXPECT_FALSE(parse_ipv4(bad)) << bad;
    }
}

TEST(Ipv4, Networks) {
    auto n = parse_ipv4_network("198.51.100.0/24");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->str(), "198.51.100.0/24");
    EXPECT_EQ(slot_count(*n), 64u);
    EXPECT_FALSE(parse_ipv4_network("198.51.100.1/24"));  // host bits set
    EXPECT_FALSE(parse_ipv4_network("198.51.100.0/33"));
    EXPECT_FALSE(parse_ipv4_network("198.51.100.0/"));
    EXPECT_FALSE(parse_ipv4_network("198.51.100.0"));
}

TEST(Ipv4, GuestsShareThePoolAsTheirSubnetAndItsFirstAddressAsGateway) {
    auto n = *parse_ipv4_network("198.51.100.0/24");
    auto first = *slot_link(n, 0);
    EXPECT_EQ(first.host.str(), "198.51.100.1");
    EXPECT_EQ(first.guest.str(), "198.51.100.2");
    EXPECT_EQ(first.prefix_len, 24u);
    auto last = *slot_link(n, 63);
    EXPECT_EQ(last.host.str(), "198.51.100.1");
    EXPECT_EQ(last.guest.str(), "198.51.100.254");
    EXPECT_EQ(last.prefix_len, 24u);
    EXPECT_FALSE(slot_link(n, 64));
}

}  // namespace
}  // namespace oyster
