#include "oyster/selftest/load_probes.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/ipv4.h"
#include "oyster/common/text_lines.h"
#include "oyster/sandbox/guest_jail_spec.h"
#include "oyster/sandbox/guest_manager.h"
#include "oyster/selftest/egress_watch.h"

namespace oyster {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

// Waits until `ip`:22 sends an SSH banner; returns the banner line.
std::optional<std::string> wait_for_ssh_banner(const std::string& ip, int timeout_ms) {
    auto addr = parse_ipv4(ip);
    if (!addr) return std::nullopt;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    while (Clock::now() < deadline) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0) throw_errno("socket");
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(22);
        sin.sin_addr.s_addr = htonl(addr->value);
        // Non-blocking: EINPROGRESS is expected; poll() below sees the outcome.
        (void)::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin);
        std::string got;
        auto attempt_end = std::min(deadline, Clock::now() + std::chrono::seconds(2));
        while (Clock::now() < attempt_end) {
            pollfd p{fd, POLLIN, 0};
            int left = static_cast<int>(
                std::chrono::duration_cast<std::chrono::milliseconds>(attempt_end - Clock::now()).count());
            if (::poll(&p, 1, std::max(left, 1)) <= 0) break;
            char buf[256];
            ssize_t n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0) break;
            got.append(buf, static_cast<std::size_t>(n));
            if (auto nl = got.find('\n'); nl != std::string::npos) {
                ::close(fd);
                if (got.rfind("SSH-", 0) == 0) {
                    std::string line = got.substr(0, nl);
                    if (!line.empty() && line.back() == '\r') line.pop_back();
                    return line;
                }
                return std::nullopt;
            }
        }
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return std::nullopt;
}

// Where floods go: the documentation range, which no internet host answers.
constexpr const char* kFloodTarget = "198.51.100.99";
constexpr int kFloodSeconds = 8;
constexpr int kSamples = 5;
constexpr auto kSampleGap = milliseconds(300);
constexpr auto kBannerTimeout = milliseconds(5000);
constexpr auto kIdleFloor = milliseconds(25);

// As fast as one process can: non-blocking TCP connects, UDP datagrams and
// ICMP echo requests (a raw socket, root's), each to a new port or
// sequence number; then what was sent. Core Perl only (the guest has no
// hping3).
constexpr const char* kFloodScript = R"(use Socket; use Fcntl;
my ($target, $secs) = @ARGV; my $addr = inet_aton($target); my $end = time + $secs;
my ($t, $u, $i) = (0, 0, 0); my @open;
socket(my $udp, PF_INET, SOCK_DGRAM, 17) or die "udp: $!";
socket(my $icmp, PF_INET, SOCK_RAW, 1) or die "icmp: $!";
sub sum { my $s = unpack("%32n*", $_[0]); $s = ($s >> 16) + ($s & 0xffff); $s += $s >> 16; ~$s & 0xffff }
while (time < $end) {
  for (1 .. 100) {
    if (socket(my $s, PF_INET, SOCK_STREAM, 6)) {
      fcntl($s, F_SETFL, O_NONBLOCK); connect($s, sockaddr_in(1024 + $t % 60000, $addr)); push @open, $s; $t++;
    }
    $u++ if send($udp, "oyster selftest", 0, sockaddr_in(1024 + $u % 60000, $addr));
    my $p = pack("CCnnn", 8, 0, 0, $$ & 0xffff, $i & 0xffff) . "oyster selftest!";
    substr($p, 2, 2) = pack("n", sum($p));
    $i++ if send($icmp, $p, 0, sockaddr_in(0, $addr));
  }
  @open = () if @open > 400;
}
print "sent tcp $t udp $u icmp $i\n";)";

// The disk fill: zeros until the guest's disk is full, then flushed so the
// COW file on the host holds what the guest wrote.
constexpr const char* kFillScript = "timeout 600 dd if=/dev/zero of=/var/tmp/fill bs=1M 2>&1; sync";
// The neighbour's own write while the first guest's disk is full.
constexpr const char* kNeighbourWrite =
    "dd if=/dev/zero of=/var/tmp/probe bs=1M count=8 conv=fsync 2>&1 && rm -f /var/tmp/probe && echo wrote";

// A fork bomb and a memory hog, detached from the ssh session so it returns.
constexpr const char* kHogsScript =
    "setsid bash -c 'perl -e \"my @a; push @a, q(x) x (16 << 20) while 1\" & f() { f | f & }; f' "
    "</dev/null >/dev/null 2>&1 &";

std::vector<std::optional<microseconds>> sample_banner(const std::string& ip) {
    std::vector<std::optional<microseconds>> out;
    for (int i = 0; i < kSamples; ++i) {
        out.push_back(banner_latency(ip, kBannerTimeout));
        std::this_thread::sleep_for(kSampleGap);
    }
    return out;
}

microseconds median(const std::vector<std::optional<microseconds>>& samples) {
    std::vector<microseconds> v;
    v.reserve(samples.size());
    for (const auto& s : samples) v.push_back(s.value_or(std::chrono::duration_cast<microseconds>(kBannerTimeout)));
    if (v.empty()) return microseconds(0);
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double per_second(std::uint64_t n) {
    return static_cast<double>(n) / kFloodSeconds;
}

double ms(microseconds us) {
    return static_cast<double>(us.count()) / 1000.0;
}

// Host processes of `uid`: the guest's UML process and one per guest process.
std::size_t processes_of(uid_t uid) {
    std::size_t n = 0;
    std::error_code ec;
    for (auto it = std::filesystem::directory_iterator("/proc", ec); !ec && it != std::filesystem::directory_iterator();
         it.increment(ec)) {
        std::ifstream status(it->path() / "status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.rfind("Uid:", 0) != 0) continue;
            std::istringstream f(line.substr(4));
            uid_t real = 0;
            if (f >> real && real == uid) ++n;
            break;
        }
    }
    return n;
}

std::uint64_t free_bytes(const std::filesystem::path& dir) {
    struct statvfs st {};
    if (::statvfs(dir.c_str(), &st) != 0) return 0;
    return std::uint64_t{st.f_bavail} * st.f_frsize;
}

// What a file takes on disk (a COW file is sparse: its size is the disk's
// from the start, its blocks are what the guest wrote).
std::uint64_t allocated_bytes(const std::filesystem::path& file) {
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0) return 0;
    return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

double mib(std::uint64_t bytes) {
    return static_cast<double>(bytes) / (1 << 20);
}

double signed_mib(std::uint64_t before, std::uint64_t after) {
    return after >= before ? mib(after - before) : -mib(before - after);
}

}  // namespace

std::optional<microseconds> banner_latency(const std::string& ip, milliseconds timeout) {
    auto start = std::chrono::steady_clock::now();
    if (!wait_for_ssh_banner(ip, static_cast<int>(timeout.count()))) return std::nullopt;
    return std::chrono::duration_cast<microseconds>(std::chrono::steady_clock::now() - start);
}

CheckResult judge_neighbour_latency(const std::string& name, const std::string& load,
                                    const std::vector<std::optional<microseconds>>& idle,
                                    const std::vector<std::optional<microseconds>>& loaded) {
    CheckResult c{name, fmt::format("another guest's SSH banner comes within twice its idle time while {}", load),
                  false, ""};
    auto idle_median = median(idle), loaded_median = median(loaded);
    auto missing =
        std::count(loaded.begin(), loaded.end(), std::nullopt) + std::count(idle.begin(), idle.end(), std::nullopt);
    auto bound = 2 * std::max(idle_median, std::chrono::duration_cast<microseconds>(kIdleFloor));
    c.pass = !idle.empty() && !loaded.empty() && missing == 0 && loaded_median <= bound;
    c.detail = fmt::format("median {:.1f} ms idle, {:.1f} ms under load (bound {:.1f} ms){}", ms(idle_median),
                           ms(loaded_median), ms(bound),
                           missing == 0 ? "" : fmt::format("; {} banners did not come", missing));
    return c;
}

std::optional<FloodSent> parse_flood_sent(const std::string& output) {
    static const std::regex line(R"(^sent tcp ([0-9]{1,15}) udp ([0-9]{1,15}) icmp ([0-9]{1,15})$)");
    std::istringstream in(output);
    std::string l;
    while (std::getline(in, l)) {
        std::smatch m;
        if (std::regex_match(l, m, line)) return FloodSent{std::stoull(m[1]), std::stoull(m[2]), std::stoull(m[3])};
    }
    return std::nullopt;
}

std::vector<CheckResult> probe_floods(const Config& cfg, const GuestShell& shell, const GuestRecord& self,
                                      const GuestRecord& neighbour, std::ostream& log) {
    std::vector<CheckResult> out;
    CheckResult held{"flood_held",
                     fmt::format("TCP, UDP and ICMP floods from a guest leave the host within its per-hour allowances "
                                 "({} connections, {} flows, {} echo requests)",
                                 cfg.data_control.tcp_connections_per_hour, cfg.data_control.udp_flows_per_hour,
                                 cfg.data_control.icmp_packets_per_hour),
                     false, ""};
    log << fmt::format("selftest: idle SSH banner latency of guest {}\n", neighbour.id);
    auto idle = sample_banner(neighbour.guest_ip);

    std::string device = egress_device(kFloodTarget);
    if (device.empty()) {
        held.detail = fmt::format("no route to {}: nothing to watch", kFloodTarget);
        out.push_back(held);
        return out;
    }
    auto to = fmt::format("dst host {}", kFloodTarget);
    EgressWatch syn(device, to + " and tcp[tcpflags] & tcp-syn != 0");
    EgressWatch udp(device, to + " and udp");
    EgressWatch icmp(device, to + " and icmp[icmptype] == icmp-echo");
    log << fmt::format("selftest: guest {} floods {} for {} s\n", self.id, kFloodTarget, kFloodSeconds);
    auto flood = std::async(std::launch::async, [&] {
        return shell.run(fmt::format("perl -e '{}' {} {}", kFloodScript, kFloodTarget, kFloodSeconds));
    });
    std::this_thread::sleep_for(std::chrono::seconds(2));
    auto loaded = sample_banner(neighbour.guest_ip);
    auto result = flood.get();
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto sent = parse_flood_sent(result.stdout_text);

    // The allowance: a burst of the per-hour figure, refilled at that rate.
    const auto& dc = cfg.data_control;
    auto allowed = [](std::uint32_t per_hour) {
        return per_hour +
               static_cast<std::uint64_t>(std::ceil(static_cast<double>(per_hour) * (kFloodSeconds + 3) / 3600.0));
    };
    std::uint64_t left_tcp = syn.count(), left_udp = udp.count(), left_icmp = icmp.count();
    if (!sent) {
        held.detail = fmt::format("the flood did not run: {}", result.stdout_text.substr(0, 200));
    } else {
        bool big_enough = sent->tcp >= 10 * std::uint64_t{dc.tcp_connections_per_hour} &&
                          sent->udp >= 10 * std::uint64_t{dc.udp_flows_per_hour} &&
                          sent->icmp >= 10 * std::uint64_t{dc.icmp_packets_per_hour};
        held.pass = big_enough && left_tcp <= allowed(dc.tcp_connections_per_hour) &&
                    left_udp <= allowed(dc.udp_flows_per_hour) && left_icmp <= allowed(dc.icmp_packets_per_hour);
        held.detail = fmt::format(
            "sent in {} s: {} SYN, {} UDP, {} ICMP echo ({:.0f}/{:.0f}/{:.0f} per s); left by {}: {} SYN, {} UDP, {} "
            "ICMP echo{}",
            kFloodSeconds, sent->tcp, sent->udp, sent->icmp, per_second(sent->tcp), per_second(sent->udp),
            per_second(sent->icmp), device, left_tcp, left_udp, left_icmp,
            big_enough ? "" : "; the flood was too small to prove anything");
    }
    out.push_back(held);
    out.push_back(judge_neighbour_latency("neighbour_under_flood", "the first guest floods", idle, loaded));
    return out;
}

std::optional<DdResult> parse_dd_result(const std::string& output) {
    static const std::regex copied(R"(^([0-9]{1,19}) bytes .*copied)");
    std::optional<DdResult> out;
    bool full = false;
    for (auto line : split_lines(output)) {
        std::string l(line);
        if (l.find("No space left on device") != std::string::npos) full = true;
        std::smatch m;
        if (std::regex_search(l, m, copied)) {
            try {
                out = DdResult{std::stoull(m[1]), false};
            } catch (const std::out_of_range&) {
                return std::nullopt;
            }
        }
    }
    if (out) out->disk_full = full;
    return out;
}

CheckResult probe_disk_fill(const Config& cfg, const GuestShell& shell, const GuestRecord& self,
                            const GuestRecord& neighbour, std::ostream& log) {
    auto limit = static_cast<std::uint64_t>(guest_file_size_limit(cfg, self));
    CheckResult c{"disk_fill_held",
                  fmt::format("a guest's root filling its disk ends with ENOSPC, its COW file stays within {:.0f} MiB, "
                              "and the other guest can still write and answers within twice its idle time",
                              mib(limit)),
                  false, ""};
    log << fmt::format("selftest: idle SSH banner latency of guest {}\n", neighbour.id);
    auto idle = sample_banner(neighbour.guest_ip);
    auto host_free_before = free_bytes(self.cow.parent_path());
    auto cow_before = allocated_bytes(self.cow);
    log << fmt::format("selftest: guest {} fills its disk\n", self.id);
    auto t0 = std::chrono::steady_clock::now();
    auto fill = std::async(std::launch::async, [&] { return shell.run(kFillScript); });
    // The fill takes a few seconds (4 s here): sample while it writes.
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto loaded = sample_banner(neighbour.guest_ip);
    auto filled = fill.get();
    double fill_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    auto cow_after = allocated_bytes(self.cow);
    std::error_code ec;
    auto cow_size = std::filesystem::file_size(self.cow, ec);
    auto host_free_after = free_bytes(self.cow.parent_path());
    GuestShell other(neighbour.guest_ip, shell.root_password());
    auto wrote = other.run(kNeighbourWrite);
    shell.run("rm -f /var/tmp/fill; sync");

    auto latency = judge_neighbour_latency(c.name, "", idle, loaded);
    auto dd = parse_dd_result(filled.stdout_text);
    bool neighbour_wrote = wrote.stdout_text.find("wrote") != std::string::npos;
    c.pass = dd && dd->disk_full && !ec && cow_size <= limit && cow_after <= limit && neighbour_wrote && latency.pass;
    c.detail = fmt::format(
        "{}; COW file {:.0f} -> {:.0f} MiB on disk, {:.0f} MiB long (limit {:.0f}); host free space {:+.0f} MiB; the "
        "other guest {}; its banner: {}",
        !dd             ? "dd did not report: " + without_trailing_space(filled.stdout_text).substr(0, 200)
        : dd->disk_full ? fmt::format("{:.0f} MiB written in {:.1f} s, then ENOSPC", mib(dd->bytes), fill_seconds)
                        : fmt::format("{:.0f} MiB written, stopped without ENOSPC", mib(dd->bytes)),
        mib(cow_before), mib(cow_after), mib(cow_size), mib(limit), signed_mib(host_free_before, host_free_after),
        neighbour_wrote ? "wrote 8 MiB"
                        : "could not write: " + without_trailing_space(wrote.stdout_text).substr(0, 200),
        latency.detail);
    return c;
}

CheckResult probe_hogs(const GuestShell& shell, const GuestRecord& self, const GuestRecord& neighbour,
                       std::ostream& log) {
    log << fmt::format("selftest: idle SSH banner latency of guest {}\n", neighbour.id);
    auto idle = sample_banner(neighbour.guest_ip);
    log << fmt::format("selftest: guest {} starts a fork bomb and a memory hog\n", self.id);
    shell.run(kHogsScript);
    std::this_thread::sleep_for(std::chrono::seconds(3));
    auto loaded = sample_banner(neighbour.guest_ip);
    auto c = judge_neighbour_latency("neighbour_under_hogs", "the first guest runs a fork bomb and a memory hog", idle,
                                     loaded);
    c.detail += fmt::format("; {} host processes of guest {}'s uid", processes_of(guest_uid(self.slot)), self.id);
    return c;
}

}  // namespace oyster
