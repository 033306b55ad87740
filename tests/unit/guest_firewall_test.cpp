// The ruleset text; the integration test `containment` loads it into a real
// nftables and probes it from a guest.
#include <gtest/gtest.h>

#include "oyster/net/guest_firewall.h"

namespace oyster {
namespace {

std::size_t position(const std::string& text, const std::string& needle) {
    auto p = text.find(needle);
    EXPECT_NE(p, std::string::npos) << "missing: " << needle << "\n" << text;
    return p;
}

TEST(GuestFirewall, CapsArePerGuestBurstsPerHour) {
    Config c;
    c.data_control.tcp_connections_per_hour = 7;
    std::string r = guest_containment_ruleset(c);
    position(r, "update @tcp_new { ip saddr limit rate over 7/hour burst 7 packets } goto drop_tcp_cap");
    // A guest the full set cannot take is dropped, not let through.
    auto full = position(r, "meta l4proto tcp ct state new ip saddr != @tcp_new goto drop_tcp_cap");
    EXPECT_LT(r.find("update @tcp_new"), full);
    position(r, "ip saddr != @udp_new goto drop_udp_cap");
    position(r, "ip saddr != @icmp_out goto drop_icmp_cap");
    position(r, "ip saddr != @bandwidth goto drop_bandwidth");
    position(r, "update @udp_new { ip saddr limit rate over 20/hour burst 20 packets } goto drop_udp_cap");
    position(r, "update @icmp_out { ip saddr limit rate over 20/hour burst 20 packets } goto drop_icmp_cap");
}

// Every echo request counts, before established flows are let through: a
// ping flood against a host that answers is one conntrack flow. Other ICMP
// a guest starts shares the same allowance (one set, declared once).
TEST(GuestFirewall, EveryEchoRequestCounts) {
    Config c;
    std::string r = guest_containment_ruleset(c);
    auto echo = position(r, "icmp type echo-request update @icmp_out { ip saddr limit rate over 20/hour");
    auto established = position(r, "guest_forward iifname \"oyg*\" ct state established,related accept");
    EXPECT_LT(echo, established);
    position(r, "guest_capped icmp type != echo-request update @icmp_out");
    auto declared = r.find("add set inet oyster icmp_out ");
    ASSERT_NE(declared, std::string::npos);
    EXPECT_EQ(r.find("add set inet oyster icmp_out ", declared + 1), std::string::npos);
    c.data_control.icmp_packets_per_hour = 0;
    r = guest_containment_ruleset(c);
    position(r, "icmp type echo-request goto drop_icmp_cap");
    EXPECT_EQ(r.find("@icmp_out"), std::string::npos);
}

TEST(GuestFirewall, ZeroCapForbidsInsteadOfLimiting) {
    Config c;
    c.data_control.udp_flows_per_hour = 0;
    std::string r = guest_containment_ruleset(c);
    position(r, "add rule inet oyster guest_capped meta l4proto udp ct state new goto drop_udp_cap");
    EXPECT_EQ(r.find("@udp_new"), std::string::npos);
}

TEST(GuestFirewall, ExceptionsComeBeforeTheDropsTheyExcept) {
    Config c;
    c.network.dns = "192.0.2.53";
    c.data_control.allow_private = {"10.9.0.0/16"};
    std::string r = guest_containment_ruleset(c);
    auto guests = position(r, "ip daddr 10.213.0.0/20 goto drop_guest");
    auto dns_ok = position(r, "ip daddr 192.0.2.53 meta l4proto { tcp, udp } th dport 53 goto guest_dns");
    auto dns_drop = position(r, "meta l4proto { tcp, udp } th dport 53 goto drop_dns");
    auto allowed = position(r, "ip daddr 10.9.0.0/16 goto guest_capped");
    auto private_drop = position(r, "ip daddr { 0.0.0.0/8, 10.0.0.0/8");
    // Other guests stay unreachable even inside an allowed private network.
    EXPECT_LT(guests, allowed);
    EXPECT_LT(dns_ok, dns_drop);
    EXPECT_LT(allowed, private_drop);
    position(r, "tcp dport { 25, 465, 587 } goto drop_smtp");
    position(r, "meta nfproto ipv6 goto drop_ipv6");
    position(r, "ip saddr 10.213.0.0/20 oifname != \"oyg*\" masquerade");
}

// Every limit is keyed by the source address: a guest must not choose it.
// Checked before conntrack, so a forged packet makes no state either.
TEST(GuestFirewall, AGuestSendsFromItsOwnAddressOnly) {
    std::string r = guest_containment_ruleset(Config{});
    position(r, "add chain inet oyster guest_source { type filter hook prerouting priority raw; policy accept; }");
    auto v6 = position(r, "guest_source iifname \"oyg*\" meta nfproto ipv6 goto drop_ipv6");
    auto rpf = position(r, "guest_source iifname \"oyg*\" fib saddr . iif oif missing goto drop_spoofed");
    auto own = position(r, "guest_source iifname \"oyg*\" ip saddr & 0.0.0.3 != 0.0.0.2 goto drop_spoofed");
    EXPECT_LT(v6, rpf);
    EXPECT_LT(rpf, own);
}

TEST(GuestFirewall, InvalidPacketsAndMetadataAddressesAreDropped) {
    Config c;
    c.data_control.allow_private = {"169.254.0.0/16", "100.64.0.0/10"};
    std::string r = guest_containment_ruleset(c);
    auto invalid = position(r, "guest_forward iifname \"oyg*\" ct state invalid goto drop_invalid");
    auto established = position(r, "guest_forward iifname \"oyg*\" ct state established,related accept");
    EXPECT_LT(invalid, established);
    // Whatever allow_private opens, metadata stays shut.
    auto metadata = position(r,
                             "ip daddr { 169.254.169.254, 169.254.170.2, 168.63.129.16, 100.100.100.200, "
                             "192.0.0.192 } goto drop_metadata");
    position(r, "ip6 daddr { fd00:ec2::254 } goto drop_metadata");
    EXPECT_LT(metadata, position(r, "ip daddr 169.254.0.0/16 goto guest_capped"));
}

// DNS to the resolver is counted per packet, ahead of the established
// flows a tunnel would hide in.
TEST(GuestFirewall, DnsToTheResolverIsCountedPerPacket) {
    Config c;
    c.network.dns = "192.0.2.53";
    c.data_control.dns_packets_per_hour = 50;
    std::string r = guest_containment_ruleset(c);
    auto dns = position(r, "ip daddr 192.0.2.53 meta l4proto { tcp, udp } th dport 53 goto guest_dns");
    EXPECT_LT(dns, position(r, "guest_forward iifname \"oyg*\" ct state established,related accept"));
    position(r,
             "add rule inet oyster guest_dns meta l4proto { tcp, udp } update @dns_out { ip saddr limit rate over "
             "50/hour burst 50 packets } goto drop_dns_cap");
    position(r, "add rule inet oyster guest_dns meta l4proto { tcp, udp } ip saddr != @dns_out goto drop_dns_cap");
    position(r, "add rule inet oyster guest_dns accept");
    c.data_control.dns_packets_per_hour = 0;
    position(guest_containment_ruleset(c),
             "add rule inet oyster guest_dns meta l4proto { tcp, udp } goto drop_dns_cap");
}

TEST(GuestFirewall, WithoutResolverAllDnsIsDropped) {
    std::string r = guest_containment_ruleset(Config{});
    EXPECT_EQ(r.find("th dport 53 accept"), std::string::npos);
    position(r, "th dport 53 goto drop_dns");
}

TEST(GuestFirewall, EveryDropIsCountedAndLoggedRateLimited) {
    std::string r = guest_containment_ruleset(Config{});
    for (const char* reason : kDropReasons) {
        std::string chain = std::string("drop_") + reason;
        position(r, "add rule inet oyster " + chain +
                        " limit rate 10/second burst 20 packets log prefix \"oyster drop " + reason +
                        " \" group 4057 snaplen 128");
        position(r, "add rule inet oyster " + chain + " counter drop");
    }
    // No drop bypasses the logging chains.
    EXPECT_EQ(r.find("} counter drop"), std::string::npos);
}

TEST(GuestFirewall, MailGoesToTheSinkAndOnlyGuestsReachIt) {
    Config c;
    c.data_control.smtp_sink_port = 2600;
    std::string r = guest_containment_ruleset(c);
    position(r, "iifname \"oyg*\" tcp dport { 25, 465, 587 } redirect to :2600");
    auto guest_ok = position(r, "iifname \"oyg*\" tcp dport 2600 ct status dnat accept");
    auto others = position(r, "guest_input tcp dport 2600 goto drop_sink");
    auto host = position(r, "guest_input iifname \"oyg*\" goto drop_host");
    EXPECT_LT(guest_ok, others);
    EXPECT_LT(others, host);
}

TEST(GuestFirewall, BandwidthCapComesBeforeEstablishedFlowsAreAccepted) {
    Config c;
    c.data_control.bandwidth_kib_per_second = 64;
    std::string r = guest_containment_ruleset(c);
    auto cap = position(r, "update @bandwidth { ip saddr limit rate over 64 kbytes/second burst 64 kbytes }");
    auto established = position(r, "guest_forward iifname \"oyg*\" ct state established,related accept");
    EXPECT_LT(cap, established);
}

TEST(GuestFirewall, PortalRepliesAreMarkedForLocalDelivery) {
    std::string r = guest_containment_ruleset(Config{});
    position(r, "portal_mark_out meta mark 0x4f5a ct mark set 0x4f59");
    position(r, "portal_mark_in iifname \"oyg*\" ct mark 0x4f59 meta mark set 0x4f59");
}

}  // namespace
}  // namespace oyster
