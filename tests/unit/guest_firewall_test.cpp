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
    position(r, "update @tcp_new { ip saddr limit rate over 7/hour burst 7 packets } counter drop");
    position(r, "update @udp_new { ip saddr limit rate over 20/hour burst 20 packets } counter drop");
    position(r, "update @icmp_out { ip saddr limit rate over 20/hour burst 20 packets } counter drop");
}

TEST(GuestFirewall, ZeroCapForbidsInsteadOfLimiting) {
    Config c;
    c.data_control.udp_flows_per_hour = 0;
    std::string r = guest_containment_ruleset(c);
    position(r, "add rule inet oyster guest_capped meta l4proto udp ct state new counter drop");
    EXPECT_EQ(r.find("@udp_new"), std::string::npos);
}

TEST(GuestFirewall, ExceptionsComeBeforeTheDropsTheyExcept) {
    Config c;
    c.network.dns = "192.0.2.53";
    c.data_control.allow_private = {"10.9.0.0/16"};
    std::string r = guest_containment_ruleset(c);
    auto guests = position(r, "ip daddr 10.213.0.0/16 counter drop");
    auto dns_ok = position(r, "ip daddr 192.0.2.53 meta l4proto { tcp, udp } th dport 53 accept");
    auto dns_drop = position(r, "meta l4proto { tcp, udp } th dport 53 counter drop");
    auto allowed = position(r, "ip daddr 10.9.0.0/16 goto guest_capped");
    auto private_drop = position(r, "ip daddr { 0.0.0.0/8, 10.0.0.0/8");
    // Other guests stay unreachable even inside an allowed private network.
    EXPECT_LT(guests, allowed);
    EXPECT_LT(dns_ok, dns_drop);
    EXPECT_LT(allowed, private_drop);
    position(r, "tcp dport { 25, 465, 587 } counter drop");
    position(r, "meta nfproto ipv6 counter drop");
    position(r, "ip saddr 10.213.0.0/16 oifname != \"oyg*\" masquerade");
}

TEST(GuestFirewall, WithoutResolverAllDnsIsDropped) {
    std::string r = guest_containment_ruleset(Config{});
    EXPECT_EQ(r.find("th dport 53 accept"), std::string::npos);
    position(r, "th dport 53 counter drop");
}

}  // namespace
}  // namespace oyster
