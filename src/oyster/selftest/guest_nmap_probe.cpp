#include "oyster/selftest/guest_nmap_probe.h"

#include <charconv>
#include <chrono>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oyster/common/ipv4.h"
#include "oyster/common/text_lines.h"

namespace oyster {
namespace {

// Not 25, 465 or 587: a guest's mail to anywhere is redirected to the
// sensor's sink by design (the SMTP probe's concern).
constexpr const char* kPorts = "22,23,53,80,443,2525,3306,5432,8080";

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

NmapHost& host_entry(std::vector<NmapHost>& hosts, std::string_view ip) {
    for (auto& h : hosts) {
        if (h.ip == ip) return h;
    }
    hosts.push_back({std::string(ip), false, {}});
    return hosts.back();
}

}  // namespace

std::vector<NmapHost> parse_nmap_grepable(const std::string& output) {
    std::vector<NmapHost> hosts;
    for (auto line : split_lines(output)) {
        if (!line.starts_with("Host: ")) continue;
        auto rest = line.substr(6);
        auto ip = rest.substr(0, rest.find(' '));
        if (ip.empty() || !parse_ipv4(std::string(ip))) continue;
        auto& h = host_entry(hosts, ip);
        for (auto field : split_on(rest, '\t')) {
            if (field == "Status: Up") h.up = true;
            if (!field.starts_with("Ports: ")) continue;
            for (auto entry : split_on(field.substr(7), ',')) {
                while (!entry.empty() && entry.front() == ' ') entry.remove_prefix(1);
                auto slash = entry.find('/');
                if (slash == std::string_view::npos) continue;
                int port = 0;
                auto [end, ec] = std::from_chars(entry.data(), entry.data() + slash, port);
                if (ec != std::errc() || end != entry.data() + slash || port <= 0 || port > 65535) continue;
                auto state = entry.substr(slash + 1);
                state = state.substr(0, state.find('/'));
                h.ports.emplace_back(port, std::string(state));
            }
        }
    }
    return hosts;
}

std::vector<CheckResult> probe_guest_nmap(const GuestShell& shell, const GuestRecord& self,
                                          const std::vector<std::string>& targets, std::ostream& log) {
    CheckResult ports{"nmap_ports",
                      fmt::format("Nmap from a guest's root finds every port ({}) filtered on the host, the other "
                                  "guest, LAN hosts and the metadata addresses",
                                  kPorts),
                      false, ""};
    CheckResult sweep{"nmap_sweep",
                      "an Nmap host discovery (ICMP, TCP SYN and ACK) of them and of the guest's /24 finds no host up",
                      false, ""};
    log << fmt::format("selftest: Nmap from guest {} against {} addresses\n", self.id, targets.size());
    // Rates forced: every probe is dropped, and Nmap's congestion control
    // would otherwise take a drop for a slow network and crawl.
    auto t0 = std::chrono::steady_clock::now();
    auto scan =
        shell.run(fmt::format("nmap -n -Pn -sS --disable-arp-ping --max-retries 1 --min-rate 500 "
                              "--max-rtt-timeout 300ms --host-timeout 120s -p {} -oG - {} 2>&1",
                              kPorts, fmt::join(targets, " ")));
    double scan_seconds = seconds_since(t0);
    std::vector<std::string> answered;
    std::size_t filtered = 0;
    auto hosts = parse_nmap_grepable(scan.stdout_text);
    for (const auto& h : hosts) {
        for (const auto& [port, state] : h.ports) {
            if (state == "filtered") {
                ++filtered;
            } else {
                answered.push_back(fmt::format("{}:{} {}", h.ip, port, state));
            }
        }
    }
    std::size_t expected = targets.size() * static_cast<std::size_t>(split_on(kPorts, ',').size());
    ports.pass = answered.empty() && filtered == expected;
    ports.detail = answered.empty() ? fmt::format("{} of {} ports filtered on {} hosts ({:.1f} s)", filtered, expected,
                                                  hosts.size(), scan_seconds)
                                    : fmt::format("answered: {}", fmt::join(answered, ", "));
    if (filtered != expected && answered.empty()) {
        ports.detail += fmt::format("; nmap said: {}", scan.stdout_text.substr(0, 300));
    }

    auto subnet = Ipv4{parse_ipv4(self.guest_ip)->value & 0xffffff00U}.str() + "/24";
    t0 = std::chrono::steady_clock::now();
    auto found =
        shell.run(fmt::format("nmap -n -sn -PE -PP -PS22,80,443 -PA80 --disable-arp-ping --min-rate 1000 "
                              "--min-hostgroup 512 --max-rtt-timeout 300ms --exclude {} -oG - {} {} 2>&1",
                              self.guest_ip, subnet, fmt::join(targets, " ")));
    double sweep_seconds = seconds_since(t0);
    std::vector<std::string> up;
    for (const auto& h : parse_nmap_grepable(found.stdout_text)) {
        if (h.up) up.push_back(h.ip);
    }
    bool ran = found.stdout_text.find("# Nmap done") != std::string::npos;
    sweep.pass = ran && up.empty();
    sweep.detail = !ran         ? "nmap did not finish: " + found.stdout_text.substr(0, 300)
                   : up.empty() ? fmt::format("no host up among {} and {} ({:.1f} s)", subnet, fmt::join(targets, " "),
                                              sweep_seconds)
                                : fmt::format("up: {}", fmt::join(up, ", "));
    return {ports, sweep};
}

}  // namespace oyster
