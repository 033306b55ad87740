#include "oyster/net/guest_firewall.h"

#include <nftables/libnftables.h>

#include <memory>

#include <fmt/format.h>

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

private:
    std::unique_ptr<nft_ctx, decltype(&nft_ctx_free)> ctx_;
};

constexpr const char* kTable = "inet oyster";

// Never reachable from a guest unless listed in data_control.allow_private.
constexpr const char* kPrivateRanges =
    "0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10, 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12, 192.0.0.0/24, "
    "192.168.0.0/16, 198.18.0.0/15, 224.0.0.0/4, 240.0.0.0/4";

// A rule in guest_capped that drops what is over `per_hour` for `match`.
std::string cap_rule(const char* set, const char* match, std::uint32_t per_hour) {
    if (per_hour == 0) return fmt::format("add rule {} guest_capped {} counter drop\n", kTable, match);
    return fmt::format(
        "add set {0} {1} {{ type ipv4_addr; size 65536; flags dynamic,timeout; timeout 1h; }}\n"
        "add rule {0} guest_capped {2} update @{1} {{ ip saddr limit rate over {3}/hour burst {3} packets }} "
        "counter drop\n",
        kTable, set, match, per_hour);
}

}  // namespace

std::string guest_containment_ruleset(const Config& cfg) {
    const auto& dc = cfg.data_control;
    std::string guests = fmt::format("iifname \"{}*\"", kTapPrefix);
    std::string r = fmt::format("add table {0}\ndelete table {0}\nadd table {0}\n", kTable);
    // add + delete + add makes the whole replacement one atomic transaction,
    // whether or not the table existed.
    r += fmt::format(
        "add chain {0} guest_input {{ type filter hook input priority -10; policy accept; }}\n"
        "add rule {0} guest_input {1} ct state established,related accept\n"
        "add rule {0} guest_input {1} counter drop\n",
        kTable, guests);

    r += fmt::format("add chain {} guest_capped\n", kTable);
    r += cap_rule("tcp_new", "meta l4proto tcp ct state new", dc.tcp_connections_per_hour);
    r += cap_rule("udp_new", "meta l4proto udp ct state new", dc.udp_flows_per_hour);
    r += cap_rule("icmp_out", "meta l4proto icmp", dc.icmp_packets_per_hour);
    r += fmt::format(
        "add rule {0} guest_capped meta l4proto {{ tcp, udp, icmp }} accept\n"
        "add rule {0} guest_capped counter drop\n",
        kTable);

    r += fmt::format(
        "add chain {0} guest_forward {{ type filter hook forward priority -10; policy accept; }}\n"
        "add rule {0} guest_forward {1} ct state established,related accept\n"
        "add rule {0} guest_forward {1} meta nfproto ipv6 counter drop\n"
        "add rule {0} guest_forward {1} ip daddr {2} counter drop\n",
        kTable, guests, cfg.network.guest_pool);
    if (!cfg.network.dns.empty()) {
        r += fmt::format("add rule {0} guest_forward {1} ip daddr {2} meta l4proto {{ tcp, udp }} th dport 53 accept\n",
                         kTable, guests, cfg.network.dns);
    }
    r += fmt::format(
        "add rule {0} guest_forward {1} meta l4proto {{ tcp, udp }} th dport 53 counter drop\n"
        "add rule {0} guest_forward {1} tcp dport {{ 25, 465, 587 }} counter drop\n",
        kTable, guests);
    for (const auto& net : dc.allow_private) {
        r += fmt::format("add rule {0} guest_forward {1} ip daddr {2} goto guest_capped\n", kTable, guests, net);
    }
    r += fmt::format(
        "add rule {0} guest_forward {1} ip daddr {{ {2} }} counter drop\n"
        "add rule {0} guest_forward {1} goto guest_capped\n",
        kTable, guests, kPrivateRanges);

    r += fmt::format(
        "add chain {0} guest_nat {{ type nat hook postrouting priority 100; }}\n"
        "add rule {0} guest_nat ip saddr {1} oifname != \"{2}*\" masquerade\n",
        kTable, cfg.network.guest_pool, kTapPrefix);
    return r;
}

void install_guest_containment(const Config& cfg) {
    NftContext().run(guest_containment_ruleset(cfg), "install table inet oyster");
}

void remove_guest_containment() {
    NftContext().run(fmt::format("add table {0}\ndelete table {0}\n", kTable), "remove table inet oyster");
}

}  // namespace oyster
