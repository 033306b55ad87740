#include "oyster/selftest/guest_arp_probe.h"

#include <net/if.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/ipv4.h"
#include "oyster/common/paths.h"
#include "oyster/common/text_lines.h"
#include "oyster/selftest/egress_watch.h"
#include "oyster/selftest/load_probes.h"

namespace oyster {
namespace {

// Where the host's own datagrams and the other guest's connection go
// during the poisoning: the documentation range, no host answers.
constexpr const char* kInternetTarget = "198.51.100.99";
constexpr int kPoisonSeconds = 10;

// An IPv4 address with tcpdump's ".port" (and a trailing ':') cut off.
std::string address_part(std::string_view field) {
    while (!field.empty() && field.back() == ':') field.remove_suffix(1);
    std::size_t dots = 0, end = 0;
    for (; end < field.size(); ++end) {
        if (field[end] == '.' && ++dots == 4) break;
    }
    return std::string(field.substr(0, end));
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

// The MAC address of interface `name` of this network namespace (not from
// /sys, which shows the namespace it was mounted in); empty if unknown.
std::string interface_mac(const std::string& name) {
    FdGuard sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    ifreq ifr{};
    if (sock.get() < 0 || name.empty() || name.size() >= sizeof ifr.ifr_name) return "";
    std::memcpy(ifr.ifr_name, name.data(), name.size());
    if (::ioctl(sock.get(), SIOCGIFHWADDR, &ifr) != 0) return "";
    const auto* b = reinterpret_cast<const unsigned char*>(ifr.ifr_hwaddr.sa_data);
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", b[0], b[1], b[2], b[3], b[4], b[5]);
}

// A few datagrams of the host's own to the internet.
void send_host_datagrams() {
    FdGuard fd(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(parse_ipv4(kInternetTarget)->value);
    for (int i = 0; i < 5; ++i) {
        static constexpr char kText[] = "oyster selftest: the host's own";
        (void)::sendto(fd.get(), kText, sizeof kText - 1, 0, reinterpret_cast<sockaddr*>(&to), sizeof to);
    }
}

}  // namespace

SniffedTraffic parse_tcpdump(const std::string& output) {
    SniffedTraffic out;
    for (auto line : split_lines(output)) {
        auto f = split_on(line, ' ');
        if (f.empty()) continue;
        if (f[0] == "IP" && f.size() >= 4 && f[2] == ">") {
            out.ipv4.emplace_back(address_part(f[1]), address_part(f[3]));
        } else if (f[0] == "ARP," && f.size() >= 5 && f[1] == "Reply" && f[3] == "is-at") {
            auto mac = f[4];
            while (!mac.empty() && mac.back() == ',') mac.remove_suffix(1);
            out.arp_replies.emplace_back(std::string(f[2]), lower(std::string(mac)));
        } else if (f[0] != "ARP,") {
            ++out.other;
        }
    }
    return out;
}

std::vector<NeighbourEntry> parse_proc_net_arp(const std::string& text) {
    std::vector<NeighbourEntry> out;
    bool header = true;
    for (auto line : split_lines(text)) {
        if (header) {
            header = false;
            continue;
        }
        std::vector<std::string_view> f;
        for (auto part : split_on(line, ' '))
            if (!part.empty()) f.push_back(part);
        // IP, HW type, flags, HW address, mask, device; flags 0x0: incomplete.
        if (f.size() < 6 || f[2] == "0x0") continue;
        out.push_back({std::string(f[0]), lower(std::string(f[3])), std::string(f[5])});
    }
    return out;
}

CheckResult probe_arp_poisoning(const GuestShell& shell, const GuestRecord& self, const GuestRecord& neighbour,
                                const std::vector<std::string>& foreign_ips, std::ostream& log) {
    CheckResult c{"arp_poisoning",
                  "Ettercap's ARP poisoning from a guest's root (its gateway, towards the other guest, the host and "
                  "LAN hosts) shows it no traffic but its own and poisons nothing on the host",
                  false, ""};
    auto gateway_mac = interface_mac(self.tap);
    if (gateway_mac.empty()) {
        c.detail = fmt::format("cannot read the MAC address of {}, the guest's tap", self.tap);
        return c;
    }
    std::vector<std::string> targets;
    std::string hosts = fmt::format("{} {} gateway\\n", self.host_ip, gateway_mac);
    for (const auto& ip : foreign_ips) {
        if (ip == self.host_ip || ip == self.guest_ip) continue;
        if (std::find(targets.begin(), targets.end(), ip) != targets.end()) continue;
        targets.push_back(ip);
        hosts += fmt::format("{} 02:00:00:5e:00:{:02x} neighbour{}\\n", ip, targets.size() % 256, targets.size());
    }
    // Ettercap drops to nobody once its sockets are open: its hosts list
    // sits where nobody can read it. It quits by its own script ('s(N)q'),
    // re-arping its victims as it would for an intruder.
    auto script = fmt::format(
        "d=$(mktemp -d); chmod 755 \"$d\"; cd \"$d\"; printf '{0}' >hosts; chmod 644 hosts; "
        "timeout -s INT {1} tcpdump -n -t -Q in -i eth0 >sniff.txt 2>tcpdump.err & t=$!; sleep 1; "
        "for ip in {6}; do ip route add $ip/32 dev eth0; done; "
        "p=; for ip in {6}; do timeout 2 bash -c \"exec 3<>/dev/tcp/$ip/9\" 2>/dev/null & p=\"$p $!\"; done; wait $p; "
        "for ip in {6}; do ip route del $ip/32 dev eth0; done; "
        "timeout -s KILL {2} ettercap -T -q -z -j hosts -i eth0 -s 's({3})q' -M arp:remote '/{4}///' '/{5}///' "
        "</dev/null >ettercap.log 2>&1; echo \"ettercap exit $?\"; wait $t; "
        "head -n 20000 sniff.txt; grep -iE 'poison|hosts added|fatal|error' ettercap.log | head -n 5; "
        "cd /; rm -rf \"$d\"",
        hosts, kPoisonSeconds + 9, kPoisonSeconds + 20, kPoisonSeconds, self.host_ip, fmt::join(targets, ";"),
        fmt::join(targets, " "));
    log << fmt::format("selftest: guest {} poisons its gateway towards {} addresses for {} s\n", self.id,
                       targets.size(), kPoisonSeconds);
    // The forged replies as they reach the host: ARP replies from the guest
    // for any address but its own.
    EgressWatch forged_replies(self.tap, fmt::format("arp and arp[6:2] == 2 and not arp src host {}", self.guest_ip));
    auto poisoning = std::async(std::launch::async, [&] { return shell.run(script); });
    // Traffic a working poisoning would divert to the guest: the host with
    // the other guest, the other guest with the internet, the host's own.
    // Ettercap poisons from about 5 s in (tcpdump, the ARP queries, its own
    // start), for kPoisonSeconds.
    std::this_thread::sleep_for(std::chrono::seconds(7));
    for (int i = 0; i < 3; ++i) (void)banner_latency(neighbour.guest_ip);
    GuestShell other(neighbour.guest_ip, shell.root_password());
    other.run(fmt::format("timeout 3 bash -c 'exec 3<>/dev/tcp/{}/80' 2>/dev/null; true", kInternetTarget));
    send_host_datagrams();
    std::vector<NeighbourEntry> table;
    try {
        table = parse_proc_net_arp(read_file("/proc/net/arp"));
    } catch (const Error& e) {
        log << fmt::format("selftest: {}\n", e.what());
    }
    auto r = poisoning.get();

    auto sniffed = parse_tcpdump(r.stdout_text);
    std::vector<std::string> foreign, poisoned;
    std::uint64_t forged = forged_replies.count();
    for (const auto& [src, dst] : sniffed.ipv4) {
        if (src != self.guest_ip && dst != self.guest_ip && foreign.size() < 5)
            foreign.push_back(fmt::format("{} > {}", src, dst));
    }
    std::vector<std::string> answered;
    for (const auto& [ip, mac] : sniffed.arp_replies) {
        if (mac == lower(gateway_mac) && ip != self.host_ip &&
            std::find(answered.begin(), answered.end(), ip) == answered.end())
            answered.push_back(ip);
    }
    for (const auto& e : table) {
        if ((e.mac == lower(self.mac) || e.device == self.tap) && e.ip != self.guest_ip)
            poisoned.push_back(fmt::format("{} at {} on {}", e.ip, e.mac, e.device));
    }
    c.pass = forged > 0 && foreign.empty() && poisoned.empty() && answered.empty();
    c.detail = fmt::format(
        "ARP for {} addresses: {}; {} forged ARP replies reached the host; {} IPv4 packets received in the guest, "
        "{}; host neighbour table: {}",
        targets.size(),
        answered.empty() ? "the gateway answered none"
                         : fmt::format("the gateway answered for {}", fmt::join(answered, ", ")),
        forged, sniffed.ipv4.size(),
        foreign.empty() ? "all its own" : fmt::format("not its own: {}", fmt::join(foreign, ", ")),
        poisoned.empty() ? "untouched" : fmt::format("poisoned: {}", fmt::join(poisoned, ", ")));
    if (forged == 0) {
        auto tail = r.stdout_text.substr(r.stdout_text.size() > 300 ? r.stdout_text.size() - 300 : 0);
        c.detail += "; ettercap did not poison: " + without_trailing_space(tail);
    }
    return c;
}

}  // namespace oyster
