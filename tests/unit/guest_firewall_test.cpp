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
    position(r, "update @udp_new { ip saddr limit rate over 20/hour burst 20 packets } goto drop_udp_cap");
    position(r, "update @icmp_out { ip saddr limit rate over 20/hour burst 20 packets } goto drop_icmp_cap");
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
    auto guests = position(r, "ip daddr 10.213.0.0/16 goto drop_guest");
    auto dns_ok = position(r, "ip daddr 192.0.2.53 meta l4proto { tcp, udp } th dport 53 accept");
    auto dns_drop = position(r, "meta l4proto { tcp, udp } th dport 53 goto drop_dns");
    auto allowed = position(r, "ip daddr 10.9.0.0/16 goto guest_capped");
    auto private_drop = position(r, "ip daddr { 0.0.0.0/8, 10.0.0.0/8");
    // Other guests stay unreachable even inside an allowed private network.
    EXPECT_LT(guests, allowed);
    EXPECT_LT(dns_ok, dns_drop);
    EXPECT_LT(allowed, private_drop);
    position(r, "tcp dport { 25, 465, 587 } goto drop_smtp");
    position(r, "meta nfproto ipv6 goto drop_ipv6");
    position(r, "ip saddr 10.213.0.0/16 oifname != \"oyg*\" masquerade");
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
                        " limit rate 10/second burst 20 packets log prefix \"oyster drop " + reason + " \" group 4057");
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
