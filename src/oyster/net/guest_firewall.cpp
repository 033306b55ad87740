#include "oyster/net/guest_firewall.h"

#include <nftables/libnftables.h>

#include <cstdlib>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "oyster/common/sha256.h"
#include "oyster/net/tap.h"

namespace oyster {
namespace {

class NftContext {
public:
    NftContext() : ctx_(nft_ctx_new(NFT_CTX_DEFAULT), nft_ctx_free) {
        if (!ctx_) throw Error("nftables: cannot create a context");
        nft_ctx_buffer_output(ctx_.get());
        nft_ctx_buffer_error(ctx_.get());
    }

    void run(const std::string& commands, const std::string& what) {
        if (nft_run_cmd_from_buffer(ctx_.get(), commands.c_str()) != 0) {
            std::string err = nft_ctx_get_error_buffer(ctx_.get());
            while (!err.empty() && err.back() == '\n') err.pop_back();
            throw Error(fmt::format("nftables: {}: {}", what, err));
        }
    }

    // The command's output, or nullopt if it failed.
    std::optional<std::string> try_output(const std::string& command) {
        if (nft_run_cmd_from_buffer(ctx_.get(), command.c_str()) != 0) return std::nullopt;
        return std::string(nft_ctx_get_output_buffer(ctx_.get()));
    }

private:
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx_;
};

constexpr const char* kTable = "inet oyster";

// Never reachable from a guest unless listed in data_control.allow_private.
constexpr const char* kPrivateRanges =
    "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.0.0.0/24, "
    "192.168.0.0/16, 198.18.0.0/15, 224.0.0.0/4, 240.0.0.0/4";

// Every drop goes through a chain of its own: a rate-limited log to the
// NFLOG group the sensor reads (so each reason becomes an event, without a
// flood turning into an event flood), then a counter and the drop.
std::string drop_chain(const char* reason) {
    return fmt::format(
        "add chain {0} drop_{1}\n"
        "add rule {0} drop_{1} limit rate {2}/second burst {3} packets log prefix \"{4}{1} \" group {5} snaplen {6}\n"
        "add rule {0} drop_{1} counter drop\n",
        kTable, reason, kDropLogPerSecond, kDropLogPerSecond * 2, kDropLogPrefix, kDropLogGroup, kDropLogSnaplen);
}

// Cloud instance metadata and control endpoints: never reachable from a
// guest, whatever data_control.allow_private says (AWS, GCP, Azure and
// OpenStack 169.254.169.254, AWS ECS 169.254.170.2, Azure's WireServer
// 168.63.129.16, Alibaba 100.100.100.200, Oracle 192.0.0.192; and AWS's
// IPv6 metadata fd00:ec2::254, though no IPv6 leaves a guest at all).
constexpr const char* kMetadataAddresses =
    "169.254.169.254, 169.254.170.2, 168.63.129.16, 100.100.100.200, 192.0.0.192";
constexpr const char* kMetadataAddresses6 = "fd00:ec2::254";

// A rule in `chain` that drops what is over `per_hour` for `match`, keyed by
// the guest's address (checked against its tap first: guest_source). Each
// limit is kept in the set's element for that guest; a guest whose element
// cannot be added (the set full) is dropped, never let through unlimited.
// `declare_set` false: the set is another cap_rule's, shared (one allowance
// counted in two places).
std::string cap_rule(const char* chain, const char* set, const std::string& match, const char* reason,
                     std::uint32_t per_hour, bool declare_set = true) {
    if (per_hour == 0) return fmt::format("add rule {} {} {} goto drop_{}\n", kTable, chain, match, reason);
    std::string declaration =
        declare_set
            ? fmt::format("add set {} {} {{ type ipv4_addr; size 65536; flags dynamic,timeout; timeout 1h; }}\n",
                          kTable, set)
            : "";
    return declaration +
           fmt::format(
               "add rule {0} {5} {2} update @{1} {{ ip saddr limit rate over {3}/hour burst {3} packets }} "
               "goto drop_{4}\n"
               "add rule {0} {5} {2} ip saddr != @{1} goto drop_{4}\n",
               kTable, set, match, per_hour, reason, chain);
}

std::string ruleset_tag(const std::string& rules) {
    return "oyster ruleset " + sha256_text(rules).substr(0, 16);
}

}  // namespace

std::string guest_containment_ruleset(const Config& cfg) {
    const auto& dc = cfg.data_control;
    std::string guests = fmt::format("iifname \"{}*\"", kTapPrefix);
    std::string r;
    for (const char* reason : kDropReasons) r += drop_chain(reason);

    // The portal's connections into guests carry the attacker's address as
    // their source; the mark sends the guest's replies to the portal's socket
    // (policy routing, see portal_routing.h) instead of forwarding them.
    r += fmt::format(
        "add chain {0} portal_mark_out {{ type filter hook output priority mangle; policy accept; }}\n"
        "add rule {0} portal_mark_out meta mark {3:#x} ct mark set {1:#x}\n"
        "add chain {0} portal_mark_in {{ type filter hook prerouting priority mangle; policy accept; }}\n"
        "add rule {0} portal_mark_in {2} ct mark {1:#x} meta mark set {1:#x}\n",
        kTable, kPortalReplyMark, guests, kPortalSocketMark);

    // Before anything else (and before conntrack): a guest sends from its
    // own address or not at all. Every limit below is keyed by the source
    // address, so a guest sending from addresses of its choosing would get
    // a fresh allowance per address, and its packets would leave forged
    // (reflection attacks). The route back to the source must be the tap
    // the packet came in on (each tap has a /32 route to its guest only),
    // and a guest's address is always the .2 of a /30 of the pool (so not
    // the gateway's .1 either). Guests have no IPv6 at all.
    r += fmt::format(
        "add chain {0} guest_source {{ type filter hook prerouting priority raw; policy accept; }}\n"
        "add rule {0} guest_source {1} meta nfproto ipv6 goto drop_ipv6\n"
        "add rule {0} guest_source {1} fib saddr . iif oif missing goto drop_spoofed\n"
        "add rule {0} guest_source {1} ip saddr & 0.0.0.3 != 0.0.0.2 goto drop_spoofed\n",
        kTable, guests);

    // Mail from a guest, to anywhere, goes to the sensor's sink instead.
    r += fmt::format(
        "add chain {0} guest_smtp {{ type nat hook prerouting priority dstnat; }}\n"
        "add rule {0} guest_smtp {1} tcp dport {{ 25, 465, 587 }} redirect to :{2}\n",
        kTable, guests, dc.smtp_sink_port);

    r += fmt::format(
        "add chain {0} guest_input {{ type filter hook input priority -10; policy accept; }}\n"
        "add rule {0} guest_input {1} ct state established,related accept\n"
        "add rule {0} guest_input {1} tcp dport {2} ct status dnat accept\n"
        "add rule {0} guest_input tcp dport {2} goto drop_sink\n"
        "add rule {0} guest_input {1} goto drop_host\n",
        kTable, guests, dc.smtp_sink_port);

    r += fmt::format("add chain {} guest_capped\n", kTable);
    r += cap_rule("guest_capped", "tcp_new", "meta l4proto tcp ct state new", "tcp_cap", dc.tcp_connections_per_hour);
    r += cap_rule("guest_capped", "udp_new", "meta l4proto udp ct state new", "udp_cap", dc.udp_flows_per_hour);
    // Echo requests are counted in guest_forward, before conntrack's
    // established flows are let through (guest_forward, below).
    r += cap_rule("guest_capped", "icmp_out", "icmp type != echo-request", "icmp_cap", dc.icmp_packets_per_hour);
    r += fmt::format(
        "add rule {0} guest_capped meta l4proto {{ tcp, udp, icmp }} accept\n"
        "add rule {0} guest_capped goto drop_protocol\n",
        kTable);

    // The bandwidth cap comes first: it holds for established flows too;
    // then what conntrack cannot place (invalid: no limit would count it);
    // then DNS to the resolver, every packet counted (a tunnel through one
    // UDP flow is established after its first reply).
    r += fmt::format(
        "add set {0} bandwidth {{ type ipv4_addr; size 65536; flags dynamic,timeout; timeout 1h; }}\n"
        "add chain {0} guest_forward {{ type filter hook forward priority -10; policy accept; }}\n"
        "add rule {0} guest_forward {1} update @bandwidth {{ ip saddr limit rate over {2} kbytes/second burst {2} "
        "kbytes }} goto drop_bandwidth\n"
        "add rule {0} guest_forward {1} ip saddr != @bandwidth goto drop_bandwidth\n"
        "add rule {0} guest_forward {1} ct state invalid goto drop_invalid\n"
        "add rule {0} guest_forward {1} meta nfproto ipv6 goto drop_ipv6\n",
        kTable, guests, dc.bandwidth_kib_per_second);
    if (!cfg.network.dns.empty()) {
        r += fmt::format(
            "add chain {0} guest_dns\n"
            "add rule {0} guest_forward {1} ip daddr {2} meta l4proto {{ tcp, udp }} th dport 53 goto guest_dns\n",
            kTable, guests, cfg.network.dns);
        r += cap_rule("guest_dns", "dns_out", "meta l4proto { tcp, udp }", "dns_cap", dc.dns_packets_per_hour);
        r += fmt::format("add rule {} guest_dns accept\n", kTable);
    }
    // Every echo request a guest sends counts, not only a "flow's" first:
    // conntrack makes one flow of all pings with one identifier, and once
    // the target answers, the rest would pass as established (measured: a
    // ping flood against a host that answers left at 2,600/s).
    r += cap_rule("guest_forward", "icmp_out", fmt::format("{} icmp type echo-request", guests), "icmp_cap",
                  dc.icmp_packets_per_hour, false);
    r += fmt::format(
        "add rule {0} guest_forward {1} ct state established,related accept\n"
        "add rule {0} guest_forward {1} ip daddr {2} goto drop_guest\n"
        "add rule {0} guest_forward {1} ip daddr {{ {3} }} goto drop_metadata\n"
        "add rule {0} guest_forward {1} ip6 daddr {{ {4} }} goto drop_metadata\n"
        "add rule {0} guest_forward {1} meta l4proto {{ tcp, udp }} th dport 53 goto drop_dns\n"
        "add rule {0} guest_forward {1} tcp dport {{ 25, 465, 587 }} goto drop_smtp\n",
        kTable, guests, cfg.network.guest_pool, kMetadataAddresses, kMetadataAddresses6);
    for (const auto& net : dc.allow_private) {
        r += fmt::format("add rule {0} guest_forward {1} ip daddr {2} goto guest_capped\n", kTable, guests, net);
    }
    r += fmt::format(
        "add rule {0} guest_forward {1} ip daddr {{ {2} }} goto drop_private\n"
        "add rule {0} guest_forward {1} goto guest_capped\n",
        kTable, guests, kPrivateRanges);

    r += fmt::format(
        "add chain {0} guest_nat {{ type nat hook postrouting priority 100; }}\n"
        "add rule {0} guest_nat ip saddr {1} oifname != \"{2}*\" masquerade\n",
        kTable, cfg.network.guest_pool, kTapPrefix);
    // add + delete + add makes the whole replacement one atomic transaction,
    // whether or not the table existed. The comment names the ruleset, so an
    // identical one is not reloaded (which would reset every guest's caps).
    return fmt::format("add table {0}\ndelete table {0}\nadd table {0} {{ comment \"{1}\"; }}\n", kTable,
                       ruleset_tag(r)) +
           r;
}

void install_guest_containment(const Config& cfg) {
    std::string rules = guest_containment_ruleset(cfg);
    NftContext ctx;
    auto tag_start = rules.find("comment \"") + 9;
    std::string tag = rules.substr(tag_start, rules.find('"', tag_start) - tag_start);
    if (auto current = ctx.try_output(fmt::format("list table {}", kTable));
        current && current->find(tag) != std::string::npos) {
        return;
    }
    ctx.run(rules, "install table inet oyster");
}

std::optional<std::uint64_t> drop_count(const std::string& reason) {
    NftContext ctx;
    auto out = ctx.try_output(fmt::format("list chain {} drop_{}", kTable, reason));
    if (!out) return std::nullopt;
    auto at = out->find("counter packets ");
    if (at == std::string::npos) return std::nullopt;
    return std::strtoull(out->c_str() + at + 16, nullptr, 10);
}

void remove_guest_containment() {
    NftContext().run(fmt::format("add table {0}\ndelete table {0}\n", kTable), "remove table inet oyster");
}

}  // namespace oyster
