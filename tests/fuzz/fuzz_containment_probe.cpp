// The containment selftest reads what a guest's root printed (the TCP
// probe, the flood's count, Nmap's greppable output, the SMTP client's
// dialogue, dd's report, tcpdump's lines, hping3's statistics, the host's
// neighbour table) and what the boundary probe printed under an escaped UML
// process's jail: every byte is the attacker's. Parsing and
// judging it must stay in bounds.
#include <cstddef>
#include <cstdint>
#include <string>

#include "oyster/selftest/containment_selftest.h"
#include "oyster/selftest/guest_arp_probe.h"
#include "oyster/selftest/guest_nmap_probe.h"
#include "oyster/selftest/guest_spoof_probe.h"
#include "oyster/selftest/load_probes.h"
#include "oyster/selftest/mail_probe.h"
#include "oyster/selftest/uml_boundary_probe.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string text(reinterpret_cast<const char*>(data), size);
    for (const auto& [target, result] : oyster::parse_tcp_probe(text)) {
        if (target.size() > size || result.size() > 11) __builtin_trap();
    }
    auto attempts = oyster::parse_boundary_probe(text);
    for (const auto& a : attempts) {
        if (a.label.empty() || a.attempt.empty() || a.label.size() + a.attempt.size() + a.outcome.size() > size) {
            __builtin_trap();
        }
    }
    auto checks = oyster::judge_boundary(attempts, {{"tun", "t"}, {"sockets", "s"}}, size % 3);
    if (checks.size() != 2) __builtin_trap();
    (void)oyster::parse_flood_sent(text);
    (void)oyster::parse_dd_result(text);
    for (const auto& h : oyster::parse_nmap_grepable(text)) {
        for (const auto& [port, state] : h.ports) {
            if (port <= 0 || port > 65535 || state.size() > size) __builtin_trap();
        }
    }
    for (const auto& d : oyster::parse_mail_dialogue(text)) {
        if (d.port <= 0 || d.port > 65535 || d.banner.size() + d.error.size() > size) __builtin_trap();
        (void)oyster::mail_reply({d}, d.port, "greeting");
    }
    auto sniffed = oyster::parse_tcpdump(text);
    for (const auto& [src, dst] : sniffed.ipv4) {
        if (src.size() + dst.size() > size) __builtin_trap();
    }
    // At most 9 digits per line, one line per 21 bytes at least.
    if (oyster::hping_transmitted(text) > (size / 21 + 1) * 999999999ULL) __builtin_trap();
    for (const auto& e : oyster::parse_proc_net_arp(text)) {
        if (e.ip.size() + e.mac.size() + e.device.size() > size) __builtin_trap();
    }
    return 0;
}
