#include "oyster/selftest/containment_selftest.h"

#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oyster/common/error.h"
#include "oyster/common/ipv4.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"
#include "oyster/net/guest_firewall.h"
#include "oyster/sandbox/guest_manager.h"
#include "oyster/selftest/egress_watch.h"
#include "oyster/selftest/guest_arp_probe.h"
#include "oyster/selftest/guest_nmap_probe.h"
#include "oyster/selftest/guest_process_maps.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/guest_spoof_probe.h"
#include "oyster/selftest/guest_tools.h"
#include "oyster/selftest/load_probes.h"
#include "oyster/selftest/mail_probe.h"
#include "oyster/selftest/tool_packages.h"
#include "oyster/selftest/uml_boundary_probe.h"

namespace oyster {
namespace {

// Cloud instance metadata and control endpoints (net/guest_firewall.h).
const std::vector<std::string> kMetadataTargets = {"169.254.169.254:80", "168.63.129.16:80", "100.100.100.200:80"};
// Forged sources: a documentation address no host owns, and where the
// forged datagrams are sent (port 9, discard; nobody answers).
constexpr const char* kForgedSource = "203.0.113.201";
constexpr const char* kForgedTarget = "198.51.100.99";
constexpr std::uint64_t kForgedDatagrams = 5;

// One line per target, all at once: "<ip>:<port> connected|refused|
// unreachable|timeout". A dropped SYN times out (4 s); a refusal (RST) or an
// ICMP unreachable means the packet got somewhere that answered.
constexpr const char* kTcpProbe =
    "for t in \"$@\"; do (e=$(timeout 4 bash -c \"exec 3<>/dev/tcp/${t%:*}/${t#*:}\" 2>&1); rc=$?; "
    "if [ $rc = 0 ]; then r=connected; elif [ $rc = 124 ]; then r=timeout; "
    "elif [ \"${e#*refused}\" != \"$e\" ]; then r=refused; else r=unreachable; fi; "
    "echo \"$t $r\") & done; wait";

// The host's IPv4 addresses but loopback: its own, its taps' (each guest's
// gateway) and its uplinks'.
std::vector<std::string> host_addresses() {
    std::vector<std::string> out;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return out;
    for (auto* a = list; a != nullptr; a = a->ifa_next) {
        if (a->ifa_addr == nullptr || a->ifa_addr->sa_family != AF_INET) continue;
        auto ip = Ipv4{ntohl(reinterpret_cast<sockaddr_in*>(a->ifa_addr)->sin_addr.s_addr)};
        if ((ip.value >> 24) == 127) continue;
        auto text = ip.str();
        if (std::find(out.begin(), out.end(), text) == out.end()) out.push_back(text);
    }
    ::freeifaddrs(list);
    return out;
}

// The default route's gateway from /proc/net/route, if there is one.
std::optional<std::string> default_gateway() {
    std::ifstream in("/proc/net/route");
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        std::istringstream f(line);
        std::string dev, dest, gateway;
        if (!(f >> dev >> dest >> gateway) || dest != "00000000") continue;
        auto g = static_cast<std::uint32_t>(std::stoul(gateway, nullptr, 16));
        if (g == 0) continue;
        return Ipv4{ntohl(g)}.str();
    }
    return std::nullopt;
}

// Each target must time out: dropped on the way, never answered.
void judge_tcp(const std::string& name, const std::string& what, const std::vector<std::string>& targets,
               const std::map<std::string, std::string>& outcome, std::vector<CheckResult>& out) {
    if (targets.empty()) {
        out.push_back({name, what, false, "no target to try (give --lan ADDRESS)"});
        return;
    }
    std::vector<std::string> got;
    bool pass = true;
    for (const auto& t : targets) {
        auto it = outcome.find(t);
        std::string r = it == outcome.end() ? "not probed" : it->second;
        pass = pass && r == "timeout";
        got.push_back(fmt::format("{} {}", t, r == "timeout" ? "dropped (timeout)" : r));
    }
    out.push_back({name, what, pass, fmt::format("{}", fmt::join(got, ", "))});
}

CheckResult probe_forged_sources(const GuestShell& shell, const GuestRecord& g, std::ostream& log) {
    CheckResult c{"spoofed_source",
                  fmt::format("datagrams from a forged source ({}, and {}'s /30 network address) never leave the host",
                              kForgedSource, g.id),
                  false, ""};
    auto inside = Ipv4{parse_ipv4(g.guest_ip)->value & ~std::uint32_t{3}}.str();
    LeakWatch watch(kForgedTarget, fmt::format("src host {} or src host {}", kForgedSource, inside));
    auto before = drop_count("spoofed").value_or(0);
    log << fmt::format("selftest: sending {} datagrams from each of {} and {} in guest {}\n", kForgedDatagrams,
                       kForgedSource, inside, g.id);
    auto script = fmt::format(
        "ip addr add {0}/32 dev eth0; ip addr add {1}/32 dev eth0; "
        "perl -MIO::Socket::INET -e 'for my $src (@ARGV) {{ my $s = IO::Socket::INET->new(Proto => \"udp\", "
        "LocalAddr => $src, PeerAddr => \"{2}:9\") or do {{ print \"cannot send from $src: $!\\n\"; next }}; "
        "$s->send(\"oyster selftest\") for 1 .. {3} }}' {0} {1}; "
        "ip addr del {0}/32 dev eth0; ip addr del {1}/32 dev eth0",
        kForgedSource, inside, kForgedTarget, kForgedDatagrams);
    auto r = shell.run(script);
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto dropped = drop_count("spoofed").value_or(0) - before;
    std::uint64_t left = watch.count();
    c.pass = left == 0 && dropped >= 2 * kForgedDatagrams;
    c.detail = fmt::format("{} dropped as spoofed, {} seen leaving by {}{}", dropped, left, watch.where(),
                           r.stdout_text.empty() ? "" : "; guest: " + r.stdout_text);
    while (!c.detail.empty() && c.detail.back() == '\n') c.detail.pop_back();
    return c;
}

// Where the tools are brought in the guest (and removed from).
constexpr const char* kToolsDir = "/root/selftest-containment";
// The probes that need them, reported failed when they cannot run.
constexpr const char* kToolProbes[] = {"nmap_ports", "nmap_sweep", "arp_poisoning", "spoofed_flood"};

// Nmap, Ettercap and hping3 as the intruder would bring them: installed for the
// run from the containment kit, then purged (tools_removed).
std::vector<CheckResult> probe_with_guest_tools(const Config& cfg, const GuestShell& shell, const GuestRecord& a,
                                                const GuestRecord& b, const std::vector<std::string>& addresses,
                                                std::ostream& log) {
    std::vector<CheckResult> out;
    auto dir = containment_debs_dir(cfg.paths.cache_dir);
    auto cached = cached_packages(dir);
    std::vector<std::string> missing;
    for (const auto& tool : kContainmentTools)
        if (!cached.contains(tool)) missing.push_back(tool);
    CheckResult removed{"tools_removed", "nothing of the tools brought in is left in the guest", false, ""};
    if (!missing.empty()) {
        auto why = fmt::format("{} not in {}: `oyster setup` fetches them", fmt::join(missing, ", "), dir.string());
        for (const auto* name : kToolProbes) out.push_back({name, "", false, why});
        removed.detail = why;
        out.push_back(removed);
        return out;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto tools = bring_tools(shell, cached, {}, {}, kToolsDir, log);
    log << fmt::format("selftest: {} packages brought and installed in {:.1f} s\n", tools.packages.size(),
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    if (!tools.installed) {
        for (const auto* name : kToolProbes)
            out.push_back({name, "", false, "the tools did not install: " + tools.dpkg_output});
    } else {
        out = probe_guest_nmap(shell, a, addresses, log);
        out.push_back(probe_arp_poisoning(shell, a, b, addresses, log));
        out.push_back(probe_spoofed_flood(shell, a, b, kForgedTarget, log));
    }
    auto left = remove_tools(shell, tools.packages, kToolsDir);
    removed.pass = left.empty();
    removed.detail = left.empty() ? fmt::format("{} packages purged", tools.packages.size()) : "left: " + left;
    out.push_back(removed);
    return out;
}

}  // namespace

std::size_t ContainmentReport::failed() const {
    return failed_checks(probes);
}

std::vector<std::pair<std::string, std::string>> parse_tcp_probe(const std::string& output) {
    std::vector<std::pair<std::string, std::string>> out;
    for (auto line : split_lines(output)) {
        auto space = line.find(' ');
        if (space == std::string_view::npos) continue;
        auto result = line.substr(space + 1);
        if (result != "connected" && result != "refused" && result != "unreachable" && result != "timeout") continue;
        out.emplace_back(std::string(line.substr(0, space)), std::string(result));
    }
    return out;
}

ContainmentReport run_containment_selftest(const Config& cfg, const Platform& platform,
                                           const ContainmentRunOptions& opts, std::ostream& log) {
    ContainmentReport report;
    StartOptions start;
    start.owner = "selftest";
    log << "selftest: booting two guests\n";
    GuestRecord a = start_guest(cfg, platform, start, log);
    std::optional<GuestRecord> b;
    std::string failure;
    try {
        b = start_guest(cfg, platform, start, log);
        report.guest_id = a.id;
        report.other_guest_id = b->id;
        std::vector<std::string> host, other = {b->guest_ip + ":22"}, lan, metadata = kMetadataTargets;
        for (const auto& ip : host_addresses()) host.push_back(ip + ":22");
        auto lan_hosts = opts.lan;
        if (lan_hosts.empty()) {
            if (auto gw = default_gateway()) lan_hosts.push_back(*gw);
        }
        for (const auto& ip : lan_hosts) lan.push_back(ip + ":80");
        std::vector<std::string> all;
        for (const auto* list : {&host, &other, &lan, &metadata}) all.insert(all.end(), list->begin(), list->end());
        GuestShell shell(a.guest_ip, platform.login.root_password);
        log << fmt::format("selftest: {} TCP probes from guest {} as root\n", all.size(), a.id);
        // The other guest's address is inside the subnet the guest is shown,
        // so the guest asks ARP for it and nobody answers (arp_poisoning
        // checks that); sent through the gateway instead, as an intruder can
        // route it, it must meet the host's firewall and be dropped.
        auto r =
            shell.run(fmt::format("ip route replace {0}/32 via {1} dev eth0; bash -c '{2}' probe {3}; "
                                  "ip route del {0}/32 via {1} dev eth0",
                                  b->guest_ip, a.host_ip, kTcpProbe, fmt::join(all, " ")));
        std::map<std::string, std::string> outcome;
        for (auto& [target, result] : parse_tcp_probe(r.stdout_text)) outcome[target] = result;
        judge_tcp("host", "the host's own addresses (port 22) are unreachable from a guest", host, outcome,
                  report.probes);
        judge_tcp("other_guest", "another guest (its sshd) is unreachable from a guest", other, outcome, report.probes);
        judge_tcp("lan", "LAN hosts are unreachable from a guest", lan, outcome, report.probes);
        judge_tcp("metadata", "cloud metadata and control addresses are unreachable from a guest", metadata, outcome,
                  report.probes);
        std::vector<std::string> addresses;
        for (const auto& t : all) {
            auto ip = t.substr(0, t.find(':'));
            if (std::find(addresses.begin(), addresses.end(), ip) == addresses.end()) addresses.push_back(ip);
        }
        report.probes.push_back(probe_forged_sources(shell, a, log));
        report.probes.push_back(probe_mail_sink(cfg, platform.hostname, shell, a, log));
        for (auto& c : probe_uml_boundary(cfg, a, *b, log)) report.probes.push_back(std::move(c));
        report.probes.push_back(check_guest_process_maps(a.pid, a.id));
        // The flood before Nmap: its host discovery's echo requests would
        // spend the ICMP allowance the flood is to be measured against.
        for (auto& c : probe_floods(cfg, shell, a, *b, log)) report.probes.push_back(std::move(c));
        for (auto& c : probe_with_guest_tools(cfg, shell, a, *b, addresses, log)) report.probes.push_back(std::move(c));
        report.probes.push_back(probe_disk_fill(cfg, shell, a, *b, log));
        report.probes.push_back(probe_hogs(shell, a, *b, log));
    } catch (const Error& e) {
        failure = e.what();
    }
    for (const auto* g : {&a, b ? &*b : nullptr}) {
        if (g == nullptr) continue;
        try {
            stop_guest(cfg, g->id, log);
        } catch (const Error& e) {
            log << fmt::format("selftest: stopping guest {}: {}\n", g->id, e.what());
        }
        if (!opts.keep_guests) {
            std::error_code ec;
            std::filesystem::remove_all(g->dir, ec);
        }
    }
    if (!failure.empty()) throw Error("containment selftest: " + failure);
    return report;
}

}  // namespace oyster
