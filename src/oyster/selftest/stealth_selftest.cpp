#include "oyster/selftest/stealth_selftest.h"

#include <fmt/format.h>

#include <random>
#include <set>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"
#include "oyster/sandbox/guest_manager.h"
#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/probe_output.h"
#include "oyster/selftest/reference_sshd.h"
#include "oyster/selftest/ssh_kexinit.h"
#include "oyster/selftest/tool_packages.h"

namespace oyster {

namespace {

// Where the run's files live inside the guest; removed after.
constexpr const char* kGuestDir = "/root/selftest";

std::string random_nonce() {
    std::random_device rd;
    return fmt::format("{:08x}{:08x}", rd(), rd());
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// What the host's own processor says: `systemd-detect-virt --vm` prints
// "none" (and exits 1) on bare metal.
std::string host_virtualization() {
    try {
        auto r = run_capture({"systemd-detect-virt", "--vm"}, {}, ChildStderr::discard);
        auto out = trimmed(r.stdout_text);
        return out.empty() ? "unknown" : out;
    } catch (const Error&) {
        return "unknown (no systemd-detect-virt on the host)";
    }
}

// The tools in, the probe run, the tools out: the probe's output and the
// checks about the tools themselves.
ProbeOutput probe_guest(const Config& cfg, const GuestShell& shell, std::vector<CheckResult>& checks,
                        std::ostream& log) {
    auto listing = shell.run("dpkg-query -W -f='${Package}\\n'").stdout_text;
    std::set<std::string, std::less<>> installed;
    for (auto name : split_lines(listing)) installed.emplace(name);
    std::vector<std::string> bring;
    std::vector<std::filesystem::path> files;
    auto cached = cached_selftest_packages(cfg.paths.cache_dir);
    for (const auto& [name, deb] : cached) {
        if (name == kStockSshPackage || installed.contains(name)) continue;
        bring.push_back(name);
        files.push_back(deb);
    }
    bool have_tools = true;
    for (const auto& tool : kStealthTools) have_tools = have_tools && cached.contains(tool);
    checks.push_back(
        {"tools_fetched", "the fingerprinting tools and what the guest lacks for them are in the cache", have_tools,
         have_tools
             ? fmt::format("{} packages: {}", bring.size(), fmt::join(bring, " "))
             : fmt::format("not in {}: `oyster setup` fetches them", selftest_debs_dir(cfg.paths.cache_dir).string())});
    files.push_back(data_dir() / "selftest" / "stealth-probe.sh");
    log << fmt::format("selftest: copying {} files into the guest\n", files.size());
    shell.copy_in(files, kGuestDir);
    if (files.size() > 1) {
        // dpkg's status, not tail's: the output is cut, the verdict is not.
        auto r =
            shell.run(fmt::format("cd {} && out=$(DEBIAN_FRONTEND=noninteractive dpkg -i *.deb 2>&1); rc=$?; "
                                  "printf '%s\\n' \"$out\" | tail -n 5; exit $rc",
                                  kGuestDir));
        checks.push_back(
            {"tools_installed", "the tools install in the guest (dpkg -i)", r.exit_code == 0, trimmed(r.stdout_text)});
    }
    auto nonce = random_nonce();
    log << "selftest: running the probe as root in the guest\n";
    auto r = shell.run(fmt::format("bash {}/stealth-probe.sh {}", kGuestDir, nonce));
    if (r.stdout_text.size() > 64u << 20) r.stdout_text.resize(64u << 20);
    ProbeOutput probe = parse_probe_output(r.stdout_text, nonce);

    // Out again: nothing of the run may stay in the guest.
    std::string purge = fmt::format("rm -rf {}", kGuestDir);
    if (!bring.empty()) purge = fmt::format("dpkg --purge {} >/dev/null 2>&1; {}", fmt::join(bring, " "), purge);
    shell.run(purge);
    auto still =
        shell.run(fmt::format("for p in {}; do dpkg-query -W -f='${{Status}}\\n' \"$p\" 2>/dev/null | grep -q ' "
                              "installed$' && echo \"$p\"; "
                              "done; ls -d {} 2>/dev/null; true",
                              fmt::join(bring, " "), kGuestDir));
    std::string left = trimmed(still.stdout_text);
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
        GuestShell shell(g.guest_ip, cfg.guest.root_password);
        probe = probe_guest(cfg, shell, extra, log);
        log << "selftest: comparing the SSH greeting with a stock Debian sshd\n";
        try {
            auto guest_hello = fetch_ssh_hello(g.guest_ip, 22, 10000);
            ReferenceSshd stock(cfg.paths.cache_dir, cfg.paths.cache_dir / "selftest" / "sshd");
            auto stock_hello = fetch_ssh_hello("127.0.0.1", stock.port(), 10000);
            auto ssh = compare_ssh_hello(guest_hello, stock_hello);
            extra.insert(extra.end(), ssh.begin(), ssh.end());
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
