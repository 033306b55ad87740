#include "oyster/selftest/stealth_selftest.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <random>
#include <set>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"
#include "oyster/sandbox/guest_manager.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/guest_tools.h"
#include "oyster/selftest/login_probe.h"
#include "oyster/selftest/probe_output.h"
#include "oyster/selftest/reference_sshd.h"
#include "oyster/selftest/ssh_fingerprint.h"
#include "oyster/selftest/ssh_kexinit.h"
#include "oyster/selftest/tool_packages.h"

namespace oyster {

namespace {

// Where the run's files live inside the guest; removed after.
constexpr const char* kGuestDir = "/root/selftest";
// How long before its base image was written an image build may have begun.
constexpr std::int64_t kImageBuildWindowS = std::int64_t{3} * 3600;

std::string random_nonce() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

// What the host's own processor says: `systemd-detect-virt --vm` prints
// "none" (and exits 1) on bare metal.
std::string host_virtualization() {
    try {
        auto r = run_capture({"systemd-detect-virt", "--vm"}, {}, ChildStderr::discard);
        auto out = without_trailing_space(r.stdout_text);
        return out.empty() ? "unknown" : out;
    } catch (const Error&) {
        return "unknown (no systemd-detect-virt on the host)";
    }
}

// The tools in, the probe run, the tools out: the probe's output and the
// checks about the tools themselves.
ProbeOutput probe_guest(const Config& cfg, const Platform& platform, const GuestShell& shell,
                        std::vector<CheckResult>& checks, std::ostream& log) {
    auto cached = cached_selftest_packages(cfg.paths.cache_dir);
    bool have_tools = true;
    for (const auto& tool : kStealthTools) have_tools = have_tools && cached.contains(tool);
    auto tools =
        bring_tools(shell, cached, {kStockSshPackage}, {data_dir() / "selftest" / "stealth-probe.sh"}, kGuestDir, log);
    checks.push_back(
        {"tools_fetched", "the fingerprinting tools and what the guest lacks for them are in the cache", have_tools,
         have_tools
             ? fmt::format("{} packages: {}", tools.packages.size(), fmt::join(tools.packages, " "))
             : fmt::format("not in {}: `oyster setup` fetches them", selftest_debs_dir(cfg.paths.cache_dir).string())});
    if (!tools.packages.empty()) {
        checks.push_back(
            {"tools_installed", "the tools install in the guest (dpkg -i)", tools.installed, tools.dpkg_output});
    }
    auto nonce = random_nonce();
    log << "selftest: running the probe as root in the guest\n";
    // The image build's window (lived_in_times): from its start, which the
    // image records, to the base image's writing at its end; for an image
    // from before the start was recorded, a guess of its length.
    struct stat image {};
    std::int64_t built = ::stat(platform.image.c_str(), &image) == 0 ? image.st_mtime : 0;
    std::int64_t built_from =
        platform.identity.build_started > 0 ? platform.identity.build_started : built - kImageBuildWindowS;
    auto r = shell.run(fmt::format("bash {}/stealth-probe.sh {} {} {}", kGuestDir, nonce, built_from, built));
    if (r.stdout_text.size() > 64u << 20) r.stdout_text.resize(64u << 20);
    ProbeOutput probe = parse_probe_output(r.stdout_text, nonce);

    // Out again: nothing of the run may stay in the guest.
    std::string left = remove_tools(shell, tools.packages, kGuestDir);
    checks.push_back({"tools_removed", "the tools and the probe are gone from the guest after the run", left.empty(),
                      left.empty() ? "purged" : "left: " + left});
    return probe;
}

}  // namespace

std::size_t StealthReport::failed() const {
    return failed_checks(checks);
}

std::vector<CheckResult> compare_ssh_hello(const SshServerHello& guest, const SshServerHello& stock) {
    std::vector<CheckResult> out;
    out.push_back({"ssh_banner", "the SSH banner is the stock Debian bookworm sshd's: " + stock.banner,
                   guest.banner == stock.banner, guest.banner});
    std::string diff;
    for (std::size_t i = 0; i < guest.kexinit.lists.size() && diff.empty(); ++i) {
        const auto& g = guest.kexinit.lists[i];
        const auto& s = stock.kexinit.lists[i];
        if (g != s) {
            diff = fmt::format("{}: guest offers '{}', stock '{}'", kKexInitListNames[i], fmt::join(g, ","),
                               fmt::join(s, ","));
        }
    }
    out.push_back(
        {"ssh_kexinit",
         "the key-exchange offer (algorithms, host key types, ciphers, MACs, compression) is the stock sshd's",
         diff.empty(),
         diff.empty() ? fmt::format("{} kex algorithms, same order", guest.kexinit.lists[0].size()) : diff});
    return out;
}

StealthReport run_stealth_selftest(const Config& cfg, const Platform& platform, const StealthRunOptions& opts,
                                   std::ostream& log) {
    StealthReport report;
    StealthExpectations expect{host_virtualization()};
    StartOptions start;
    start.owner = "selftest";
    start.disguise = opts.disguise;
    log << fmt::format("selftest: booting a guest{}\n", opts.disguise ? "" : " without its disguise");
    GuestRecord g = start_guest(cfg, platform, start, log);
    report.guest_id = g.id;
    report.guest_ip = g.guest_ip;
    std::vector<CheckResult> extra;
    ProbeOutput probe;
    std::string failure;
    try {
        GuestShell shell(g.guest_ip, platform.login.root_password);
        probe = probe_guest(cfg, platform, shell, extra, log);
        log << "selftest: trying the credentials public honeypot detectors try\n";
        extra.push_back(probe_public_credentials(shell, g.guest_ip));
        log << "selftest: comparing the SSH greeting with a stock Debian sshd\n";
        try {
            auto guest_hello = fetch_ssh_hello(g.guest_ip, 22, 10000);
            ReferenceSshd stock(cfg.paths.cache_dir, cfg.paths.cache_dir / "selftest" / "sshd");
            auto stock_hello = fetch_ssh_hello("127.0.0.1", stock.port(), 10000);
            auto ssh = compare_ssh_hello(guest_hello, stock_hello);
            extra.insert(extra.end(), ssh.begin(), ssh.end());
            log << "selftest: ssh-audit and Nmap's SSH scripts on both\n";
            extra.push_back(compare_ssh_reports(
                "ssh_audit",
                "ssh-audit reports of the guest's sshd what it reports of a stock Debian sshd (banner, algorithms "
                "in order, host key types and sizes)",
                ssh_audit_report(g.guest_ip, 22), ssh_audit_report("127.0.0.1", stock.port())));
            extra.push_back(compare_ssh_reports(
                "nmap_ssh",
                "Nmap's version detection and SSH scripts (ssh2-enum-algos, ssh-hostkey, ssh-auth-methods, sshv1) "
                "say of the guest's sshd what they say of a stock Debian sshd",
                nmap_ssh_report(g.guest_ip, 22), nmap_ssh_report("127.0.0.1", stock.port())));
        } catch (const Error& e) {
            extra.push_back({"ssh_greeting", "the SSH banner and key-exchange offer can be compared with a stock sshd",
                             false, e.what()});
        }
    } catch (const Error& e) {
        failure = e.what();
    }
    try {
        stop_guest(cfg, g.id, log);
    } catch (const Error& e) {
        log << fmt::format("selftest: stopping guest {}: {}\n", g.id, e.what());
    }
    if (!opts.keep_guest) {
        std::error_code ec;
        std::filesystem::remove_all(g.dir, ec);
    }
    if (!failure.empty()) throw Error("stealth selftest: " + failure);
    report.checks = judge_stealth(probe, expect);
    report.checks.insert(report.checks.end(), extra.begin(), extra.end());
    return report;
}

}  // namespace oyster
