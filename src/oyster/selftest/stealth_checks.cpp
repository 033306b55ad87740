#include "oyster/selftest/stealth_checks.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "oyster/common/decimal.h"
#include "oyster/common/ipv4.h"
#include "oyster/common/meminfo.h"
#include "oyster/common/text_lines.h"
#include "oyster/selftest/clock_checks.h"
#include "oyster/selftest/lived_in_checks.h"
#include "oyster/selftest/module_checks.h"
#include "oyster/selftest/uml_trace_checks.h"

namespace oyster {

namespace {

char lower(char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
}
bool alnum(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

// Case-insensitive search for `word` starting at a word start. With
// `whole`, the match must also end at a word end.
std::size_t find_word(std::string_view text, std::string_view word, bool whole) {
    if (word.empty() || text.size() < word.size()) return std::string_view::npos;
    for (std::size_t i = 0; i + word.size() <= text.size(); ++i) {
        if (i > 0 && alnum(text[i - 1])) continue;
        bool same = true;
        for (std::size_t k = 0; k < word.size() && same; ++k) same = lower(text[i + k]) == lower(word[k]);
        if (!same) continue;
        std::size_t after = i + word.size();
        if (whole && after < text.size() && std::isalpha(static_cast<unsigned char>(text[after])) != 0) continue;
        return i;
    }
    return std::string_view::npos;
}

bool has_word(std::string_view text, std::string_view word, bool whole = true) {
    return find_word(text, word, whole) != std::string_view::npos;
}

// The line of `text` around offset `at`, cut to 160 bytes.
std::string line_at(std::string_view text, std::size_t at) {
    std::size_t start = text.rfind('\n', at);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::size_t end = text.find('\n', at);
    std::string line(text.substr(start, (end == std::string_view::npos ? text.size() : end) - start));
    if (line.size() > 160) line = line.substr(0, 157) + "...";
    return line;
}

std::string first_line(std::string_view text) {
    auto nl = text.find('\n');
    return std::string(text.substr(0, nl));
}

struct Giveaway {
    std::string_view word;
    bool whole;
};

// Words that name User-Mode Linux, its drivers and options, or the host.
constexpr std::array kGiveaways = {
    Giveaway{"user mode linux", true},
    Giveaway{"user-mode linux", true},
    Giveaway{"uml", true},
    Giveaway{"uml-", false},
    Giveaway{"uml_", false},
    Giveaway{"skas", false},
    Giveaway{"hostfs", true},
    Giveaway{"ubd", false},
    Giveaway{"mconsole", true},
    Giveaway{"umid", true},
    Giveaway{"sigio", true},
    Giveaway{"sigalrm", true},
    Giveaway{"tun/tap backend", true},
    Giveaway{"oyster", false},
};

struct GiveawayHit {
    std::string_view word;
    std::size_t at;
};

// The first giveaway word (in kGiveaways' order) found in `text`.
std::optional<GiveawayHit> first_giveaway(std::string_view text) {
    for (const auto& g : kGiveaways) {
        if (auto at = find_word(text, g.word, g.whole); at != std::string_view::npos) return GiveawayHit{g.word, at};
    }
    return std::nullopt;
}

// The first giveaway in `text` with its line, or "".
std::string giveaway_line(std::string_view text) {
    auto hit = first_giveaway(text);
    return hit ? fmt::format("'{}' in: {}", hit->word, line_at(text, hit->at)) : std::string{};
}

// The sys_dmi section's "key=value" lines; a file that could not be read
// is an empty value.
std::map<std::string, std::string, std::less<>> dmi_values(std::string_view section) {
    std::map<std::string, std::string, std::less<>> out;
    for (auto line : split_lines(section)) {
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        out[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
    return out;
}

// The memory of dmidecode's "Memory Device" entries (MiB): their "Size:"
// lines ("1 GB", "512 MB"; "No Module Installed" adds nothing).
std::uint64_t smbios_memory_mib(std::string_view dmidecode) {
    std::uint64_t total = 0;
    bool in_device = false;
    for (auto line : split_lines(dmidecode)) {
        if (!line.starts_with('\t')) {
            in_device = line == "Memory Device";
            continue;
        }
        if (!in_device || !line.starts_with("\tSize: ")) continue;
        auto value = line.substr(7);
        auto space = value.find(' ');
        if (space == std::string_view::npos) continue;
        auto n = parse_decimal<std::uint64_t>(value.substr(0, space));
        if (!n || *n > (std::uint64_t{1} << 30)) continue;
        auto unit = value.substr(space + 1);
        if (unit == "MB") total += *n;
        if (unit == "GB") total += *n * 1024;
        if (unit == "TB") total += *n * 1024 * 1024;
    }
    return total;
}

// Whether the DMI strings are a hypervisor's: the vendor prefixes
// systemd-detect-virt matches (src/basic/virt.c), Hyper-V by its product.
bool is_vm_firmware(const std::map<std::string, std::string, std::less<>>& dmi) {
    static const char* const kVendors[] = {"KVM",
                                           "OpenStack",
                                           "KubeVirt",
                                           "Amazon EC2",
                                           "QEMU",
                                           "VMware",
                                           "VMW",
                                           "innotek GmbH",
                                           "VirtualBox",
                                           "Oracle Corporation",
                                           "Xen",
                                           "Bochs",
                                           "Parallels",
                                           "BHYVE",
                                           "Hyper-V",
                                           "Apple Virtualization",
                                           "Google Compute Engine"};
    for (const char* key : {"sys_vendor", "product_name", "product_version", "board_vendor", "bios_vendor"}) {
        auto it = dmi.find(key);
        if (it == dmi.end()) continue;
        for (const char* vendor : kVendors) {
            if (it->second.starts_with(vendor)) return true;
        }
    }
    auto vendor = dmi.find("sys_vendor");
    auto product = dmi.find("product_name");
    return vendor != dmi.end() && product != dmi.end() && vendor->second == "Microsoft Corporation" &&
           product->second == "Virtual Machine";
}

// What is wrong with eth0's addressing for a cloud VM ("" if nothing), from
// `ip -o -4 addr show dev eth0` and `ip -4 route show default`. Clouds give
// a VM an address in a subnet shared with others (AWS a /20, Azure and most
// others a /24, a few a /16) and the subnet's first address as gateway; a
// /30 to a gateway of its own is a lab's or a honeynet's.
std::string judge_nic_addressing(std::string_view addr, std::string_view route) {
    std::optional<Ipv4> self;
    unsigned prefix = 0;
    for (auto line : split_lines(addr)) {
        auto w = split_words(line);
        for (std::size_t i = 0; i + 1 < w.size() && !self; ++i) {
            if (w[i] != "inet") continue;
            auto slash = w[i + 1].find('/');
            if (slash == std::string_view::npos) continue;
            auto len = parse_decimal<unsigned>(w[i + 1].substr(slash + 1));
            self = parse_ipv4(w[i + 1].substr(0, slash));
            if (!len || *len > 32) self.reset();
            if (self) prefix = *len;
        }
    }
    if (!self) return "no IPv4 address on eth0";
    std::optional<Ipv4> gateway;
    for (auto line : split_lines(route)) {
        auto w = split_words(line);
        if (w.size() >= 3 && w[0] == "default" && w[1] == "via" && !gateway) gateway = parse_ipv4(w[2]);
    }
    if (!gateway) return "no default route";
    if (prefix < 16 || prefix > 24)
        return fmt::format("eth0 is {}/{}: no cloud gives a VM that subnet", self->str(), prefix);
    Ipv4Network subnet{Ipv4{self->value & Ipv4Network{{}, prefix}.mask()}, prefix};
    if (gateway->value != subnet.base.value + 1) {
        return fmt::format("the gateway {} is not the first address of {}", gateway->str(), subnet.str());
    }
    return "";
}

class Judge {
public:
    Judge(const ProbeOutput& probe, const StealthExpectations& expect) : probe_(probe), expect_(expect) {}

    std::vector<CheckResult> results;

    void add(std::string name, std::string looks_for, bool pass, std::string detail) {
        results.push_back({std::move(name), std::move(looks_for), pass, std::move(detail)});
    }

    // Passes when no section in `names` has a giveaway; a missing section fails.
    void no_giveaways(std::string name, std::string looks_for, std::initializer_list<std::string_view> names) {
        for (auto section : names) {
            if (!probe_.sections.contains(section)) {
                add(name, looks_for, false, fmt::format("no '{}' output", section));
                return;
            }
            if (auto hit = giveaway_line(probe_.text(section)); !hit.empty()) {
                add(name, looks_for, false, fmt::format("{}: {}", section, hit));
                return;
            }
        }
        add(std::move(name), std::move(looks_for), true, "none found");
    }

    // A tool's output: fails when the tool did not run (missing, crashed).
    bool tool_ran(const std::string& name, const std::string& looks_for, std::string_view section,
                  std::initializer_list<int> ok_statuses = {0}) {
        auto status = probe_.status(section);
        if (!status) {
            add(name, looks_for, false, fmt::format("'{}' did not report", section));
            return false;
        }
        if (*status == 127 || *status == 126) {
            add(name, looks_for, false, fmt::format("'{}' is not installed in the guest", section));
            return false;
        }
        if (std::find(ok_statuses.begin(), ok_statuses.end(), *status) == ok_statuses.end()) {
            add(name, looks_for, false,
                fmt::format("'{}' exited {}: {}", section, *status, first_line(probe_.text(section))));
            return false;
        }
        return true;
    }

    void run();

private:
    const ProbeOutput& probe_;
    const StealthExpectations& expect_;

    std::string_view t(std::string_view section) const { return probe_.text(section); }

    void cpuinfo();
    void kernel_identity();
    void disks();
    void hardware_tables();
    void processes();
    void network_device();
    void virtualization_tools();
    void honeypot_defaults();
};

void Judge::cpuinfo() {
    const std::string looks_for =
        "/proc/cpuinfo names a real x86 vendor, no 'User Mode Linux', 'UML' or 'skas', no 'host:' line";
    auto text = t("proc_cpuinfo");
    bool vendor = has_word(text, "GenuineIntel") || has_word(text, "AuthenticAMD");
    std::string bad = giveaway_line(text);
    for (auto line : split_lines(text)) {
        if (bad.empty() && line.starts_with("host")) bad = "a 'host' line: " + std::string(line);
    }
    if (!vendor && bad.empty()) bad = "no GenuineIntel or AuthenticAMD vendor_id";
    add("cpuinfo", looks_for, bad.empty(), bad.empty() ? "x86 vendor, nothing of UML" : bad);
}

void Judge::kernel_identity() {
    auto cmdline = first_line(t("proc_cmdline"));
    std::string bad = giveaway_line(cmdline);
    for (auto option : {"ubd0=", "umid=", "uml_dir=", "eth0=", "con=", "con0=", "ssl=", "mem="}) {
        if (bad.empty() && has_word(cmdline, option, false)) bad = fmt::format("UML option '{}'", option);
    }
    if (bad.empty() && !cmdline.starts_with("BOOT_IMAGE=")) bad = "no BOOT_IMAGE= (a GRUB boot has it): " + cmdline;
    add("cmdline", "/proc/cmdline is a GRUB boot line (BOOT_IMAGE=, root=) with no UML option or host path",
        bad.empty(), bad.empty() ? cmdline : bad);

    auto release = first_line(t("uname_r"));
    auto modules = split_lines(t("lib_modules"));
    auto boot = split_lines(t("boot"));
    bool in_modules = std::find(modules.begin(), modules.end(), release) != modules.end();
    bool in_boot = std::find(boot.begin(), boot.end(), "vmlinuz-" + release) != boot.end();
    bool ok = !release.empty() && in_modules && in_boot;
    add("kernel_release", "uname -r names a kernel the disk has: /lib/modules/<release> and /boot/vmlinuz-<release>",
        ok,
        ok ? release
           : fmt::format("uname -r '{}'; /lib/modules has {}; /boot has vmlinuz-{}: {}", release,
                         in_modules ? "it" : "not it", release, in_boot ? "yes" : "no"));

    auto version = first_line(t("proc_version"));
    bool same = !release.empty() && version.starts_with("Linux version " + release + " ");
    bool debian = version.find("(debian-kernel@lists.debian.org)") != std::string::npos;
    add("proc_version", "/proc/version names the same release, built by Debian (debian-kernel@lists.debian.org)",
        same && debian, version);
    no_giveaways("dmesg", "the kernel log names no UML, UML driver or host path", {"dmesg"});
    // The image's modules are Debian's kernel's, which this kernel cannot
    // load: an attempt at boot leaves a complaint Debian's kernel never
    // makes about its own modules.
    std::string refused;
    for (auto line : split_lines(t("dmesg"))) {
        for (auto words : {"section size must match", "disagrees about version of symbol", "Unknown symbol",
                           "version magic", "module verification failed", "invalid module format"}) {
            if (refused.empty() && line.find(words) != std::string_view::npos) refused = line_at(line, 0);
        }
    }
    add("module_loader", "the kernel log shows no module refused as built for another kernel",
        refused.empty() && probe_.sections.contains("dmesg"), refused.empty() ? "none" : refused);
}

void Judge::disks() {
    no_giveaways("disks", "disks are not ubd: /proc/partitions, /proc/devices, /proc/mounts, /sys/block, /dev",
                 {"proc_partitions", "proc_devices", "proc_mounts", "sys_block", "dev"});
    bool partitioned = false;
    for (auto line : split_lines(t("proc_partitions"))) {
        auto name = line.substr(line.find_last_of(' ') == std::string_view::npos ? 0 : line.find_last_of(' ') + 1);
        if ((name.starts_with("vd") || name.starts_with("sd") || name.starts_with("xvd")) && !name.empty() &&
            std::isdigit(static_cast<unsigned char>(name.back())) != 0) {
            partitioned = true;
        }
    }
    add("partitions", "the disk is partitioned as an installed system's (vda1 or sda1 in /proc/partitions)",
        partitioned, partitioned ? "partition found" : "no partition: " + std::string(t("proc_partitions")));
    // What df and mount name the root by: an initramfs mounts the device
    // by its own name; only a kernel that mounted it itself says /dev/root.
    std::string root_source;
    for (auto line : split_lines(t("proc_mounts"))) {
        auto fields = split_on(line, ' ');
        if (fields.size() >= 3 && fields[1] == "/" && fields[2] != "rootfs") root_source = std::string(fields[0]);
    }
    bool named = root_source.starts_with("/dev/") && root_source != "/dev/root";
    add("root_device", "/ is mounted from its device by name (/dev/vda1), not from /dev/root", named,
        root_source.empty() ? "no / in /proc/mounts" : root_source);
    no_giveaways("filesystems", "no hostfs in /proc/filesystems", {"proc_filesystems"});
}

void Judge::hardware_tables() {
    no_giveaways("interrupts", "/proc/interrupts names no host signal (SIGIO, SIGALRM) or UML driver",
                 {"proc_interrupts"});
    bool filled = !t("proc_iomem").empty() && !t("proc_ioports").empty();
    add("iomem_ioports", "/proc/iomem and /proc/ioports list memory and I/O ranges, as on any x86 machine", filled,
        filled ? "both filled" : "empty: a PC always has them");
    bool modules = probe_.status("proc_modules") == 0;
    add("modules", "/proc/modules exists (lsmod works), as with Debian's modular kernel", modules,
        modules ? "present" : first_line(t("proc_modules")));
    auto entries = split_lines(t("proc_entries"));
    std::string extra;
    for (auto name : {"exitcode", "mconsole", "sysemu"}) {
        if (std::find(entries.begin(), entries.end(), name) != entries.end()) extra = std::string("/proc/") + name;
    }
    add("proc_entries", "no /proc entry only UML has (exitcode, mconsole, sysemu)", extra.empty() && !entries.empty(),
        extra.empty() ? (entries.empty() ? "no listing" : "none") : extra);
    no_giveaways("platform_devices", "/sys/devices/platform names no UML device", {"sys_platform"});
    auto dmi = dmi_values(t("sys_dmi"));
    bool has_vendor = !dmi["sys_vendor"].empty() && !dmi["product_name"].empty();
    add("dmi", "/sys/class/dmi/id names the system's vendor and product", has_vendor,
        has_vendor ? dmi["sys_vendor"] + " " + dmi["product_name"] : first_line(t("sys_dmi")));
    // The table itself, read by a stock dmidecode, says what sysfs says.
    if (tool_ran("dmidecode", "dmidecode reads an SMBIOS table naming the same manufacturer as sysfs", "dmidecode")) {
        auto out = t("dmidecode");
        std::string manufacturer;
        bool in_system = false;
        for (auto line : split_lines(out)) {
            if (line == "System Information")
                in_system = true;
            else if (in_system && line.starts_with("\tManufacturer: ")) {
                manufacturer = std::string(line.substr(15));
                break;
            }
        }
        bool present = out.find("SMBIOS ") != std::string_view::npos && out.find(" present.") != std::string_view::npos;
        bool malformed = out.find("<OUT OF SPEC>") != std::string_view::npos ||
                         out.find("Invalid entry length") != std::string_view::npos;
        bool ok = present && !malformed && !manufacturer.empty() && manufacturer == dmi["sys_vendor"];
        add("dmidecode", "dmidecode reads an SMBIOS table naming the same manufacturer as sysfs", ok,
            ok ? "Manufacturer: " + manufacturer
               : (malformed ? "malformed table"
                            : (manufacturer.empty() ? first_line(out) : "Manufacturer: " + manufacturer)));
    }
    // A cloud server's memory: 1 GiB at the least (the smallest general
    // purpose instances), and the kernel's figure what the firmware's
    // memory devices hold less what firmware and kernel keep (our 1 GiB
    // guest: 989 MiB).
    std::uint64_t mem_kib = meminfo_kib(t("proc_meminfo"), "MemTotal");
    std::uint64_t dimm_mib = smbios_memory_mib(t("dmidecode"));
    bool mem_ok = dimm_mib >= 1024 && mem_kib <= dimm_mib * 1024 && mem_kib * 100 >= dimm_mib * 1024 * 85;
    add("memory_size", "memory is at least 1 GiB, and /proc/meminfo agrees with the SMBIOS memory devices", mem_ok,
        fmt::format("MemTotal {} MiB, memory devices {} MiB", mem_kib / 1024, dimm_mib));
    // Every clock source a PC (or a VM on one) offers has one of these names.
    auto clocks = first_line(t("sys_clocksource"));
    std::string odd;
    std::size_t pos = 0;
    while (pos < clocks.size()) {
        auto sp = clocks.find(' ', pos);
        auto name = clocks.substr(pos, sp == std::string::npos ? std::string::npos : sp - pos);
        pos = sp == std::string::npos ? clocks.size() : sp + 1;
        if (name.empty()) continue;
        if (name != "tsc" && name != "kvm-clock" && name != "hpet" && name != "acpi_pm" && name != "xen" &&
            name != "hyperv_clocksource_tsc_page" && name != "refined-jiffies" && name != "jiffies") {
            odd = name;
        }
    }
    add("clocksource", "the clock sources are a PC's (tsc, kvm-clock, hpet, acpi_pm, ...)",
        !clocks.empty() && odd.empty(), odd.empty() ? clocks : "'" + odd + "' in: " + clocks);
    no_giveaways("proc_sys_grep", "no readable file of /proc or /sys names UML, its drivers or the host's paths",
                 {"grep_proc_sys"});
}

void Judge::processes() {
    auto ps = t("ps_aux");
    bool ps_ok = probe_.status("ps_aux") == 0 && ps.find("Unable to get system boot time") == std::string_view::npos &&
                 ps.starts_with("USER");
    add("ps_aux", "ps aux works (no 'Unable to get system boot time')", ps_ok, first_line(ps));
    bool btime = t("proc_stat_btime").starts_with("btime ");
    add("btime", "/proc/stat has the boot time", btime, first_line(t("proc_stat_btime")));
    bool up = probe_.status("uptime") == 0 && t("uptime").find(" up ") != std::string_view::npos;
    add("uptime", "uptime reports an uptime", up, first_line(t("uptime")));
    // A server found freshly booted was started for whoever found it.
    auto line = first_line(t("uptime"));
    auto at = line.find(" up ");
    std::size_t days = 0;
    bool has_days = false;
    if (at != std::string::npos) {
        std::size_t i = at + 4;
        for (; i < line.size() && line[i] >= '0' && line[i] <= '9' && days < 100000; ++i) {
            days = days * 10 + static_cast<std::size_t>(line[i] - '0');
        }
        has_days = line.compare(i, 4, " day") == 0;
    }
    add("uptime_long", "the machine has been up for days, not freshly booted", has_days && days >= 1,
        up ? line : "no uptime");
    // A unit masked in /etc (timers, gettys, module loading switched off to
    // save a boot's time) is a setup's doing that systemd-delta lists; a
    // Debian server has none.
    std::string masked;
    for (auto l : split_lines(t("systemd_delta_masked"))) {
        if (l.starts_with("[MASKED]") && masked.size() < 200) masked += (masked.empty() ? "" : "; ") + std::string(l);
    }
    bool delta_ran = probe_.status("systemd_delta_masked") == 0 && !t("systemd_delta_masked").empty();
    add("unit_masks", "systemd-delta lists no unit masked in /etc, as on a Debian server", delta_ran && masked.empty(),
        !delta_ran       ? "systemd-delta did not run"
        : masked.empty() ? first_line(t("systemd_delta_masked"))
                         : masked);
}

void Judge::network_device() {
    const std::string looks_for =
        "eth0's driver is a real NIC driver (not uml-netdev) and its MAC no VM or UML default (52:54:00, 00:16:3e, "
        "00:0c:29, 00:50:56, 08:00:27, fe:fd:)";
    auto net = t("sys_class_net");
    std::string bad = giveaway_line(net);
    for (auto line : split_lines(net)) {
        if (!line.starts_with("eth0 ")) continue;
        auto at = line.find("address=");
        std::string mac = at == std::string_view::npos ? "" : std::string(line.substr(at + 8));
        for (auto prefix : {"52:54:00", "00:16:3e", "00:0c:29", "00:50:56", "08:00:27", "fe:fd:"}) {
            if (bad.empty() && mac.starts_with(prefix)) bad = "MAC " + mac + " is a VM vendor's";
        }
        if (bad.empty() && line.find("driver= ") != std::string_view::npos) bad = "no driver: " + std::string(line);
    }
    std::string eth0;
    for (auto line : split_lines(net)) {
        if (line.starts_with("eth0 ")) eth0 = line;
    }
    if (bad.empty() && eth0.empty()) bad = "no eth0";
    add("nic", looks_for, bad.empty(), bad.empty() ? eth0 : bad);
    // A NIC's driver reports its link, so `ip link` says "state UP"; one
    // that never does leaves it UNKNOWN, as only loopback and tunnels show.
    std::string link;
    for (auto line : split_lines(t("ip_link"))) {
        if (line.find(" eth0:") != std::string_view::npos) link = line.substr(0, line.find("link/"));
    }
    add("nic_link", "ip link shows eth0 in state UP, its link reported as a NIC's driver does",
        link.find(" state UP ") != std::string::npos, link.empty() ? "no eth0 in ip link" : link);
    auto addressing = judge_nic_addressing(t("ip_addr"), t("ip_route"));
    add("nic_addressing",
        "eth0 sits in a cloud subnet's shape (a /16 to /24, the subnet's first address its gateway), not on a "
        "point-to-point /30",
        addressing.empty(),
        addressing.empty() ? first_line(t("ip_addr")) + "; " + first_line(t("ip_route")) : addressing);
    if (tool_ran("ethtool", "ethtool -i eth0 names a real driver", "ethtool_i")) {
        auto out = t("ethtool_i");
        std::string hit = giveaway_line(out);
        add("ethtool", "ethtool -i eth0 names a real driver", hit.empty(), hit.empty() ? first_line(out) : hit);
    }
}

void Judge::virtualization_tools() {
    auto virt = first_line(t("systemd_detect_virt"));
    bool same = !virt.empty() && virt == expect_.host_virtualization;
    add("systemd_detect_virt",
        fmt::format("systemd-detect-virt says what the host's processor says ('{}'), never 'uml'",
                    expect_.host_virtualization),
        same, virt.empty() ? "no answer" : virt);
    // The flag in /proc/cpuinfo must agree with what CPUID tells systemd.
    bool flag = false;
    for (auto line : split_lines(t("proc_cpuinfo"))) {
        if (line.starts_with("flags") && has_word(line, "hypervisor")) flag = true;
    }
    bool virtualized = !virt.empty() && virt != "none";
    add("cpuinfo_hypervisor", "the hypervisor flag in /proc/cpuinfo agrees with CPUID (systemd-detect-virt)",
        !virt.empty() && flag == virtualized,
        fmt::format("flag {}, systemd-detect-virt '{}'", flag ? "present" : "absent", virt));
    // Firmware that says "virtual machine" on a processor that does not (or
    // the reverse) is a contradiction no real machine shows.
    auto dmi = dmi_values(t("sys_dmi"));
    bool has_dmi = !dmi["sys_vendor"].empty();
    bool vm_firmware = is_vm_firmware(dmi);
    add("dmi_agrees_with_cpu", "the DMI vendor is a hypervisor's exactly when the processor's hypervisor flag is set",
        !virt.empty() && has_dmi && vm_firmware == flag,
        has_dmi ? fmt::format("DMI of {} ({}), hypervisor flag {}", vm_firmware ? "a hypervisor" : "hardware",
                              dmi["sys_vendor"], flag ? "present" : "absent")
                : "no DMI");
    auto container = first_line(t("systemd_detect_virt_container"));
    add("container", "systemd-detect-virt --container says 'none'", container == "none", container);
    if (tool_ran("virt_what", "virt-what reports no UML", "virt_what")) {
        auto out = t("virt_what");
        bool ok = !has_word(out, "uml");
        add("virt_what", "virt-what reports no UML", ok, out.empty() ? "(nothing: bare metal)" : first_line(out));
    }
    if (tool_ran("imvirt", "imvirt reports no UML", "imvirt")) {
        auto out = t("imvirt");
        bool ok = !has_word(out, "uml") && !has_word(out, "user mode linux");
        add("imvirt", "imvirt reports no UML", ok, first_line(out));
    }
    if (tool_ran("lscpu", "lscpu shows no UML vendor or model", "lscpu")) {
        auto hit = giveaway_line(t("lscpu"));
        add("lscpu", "lscpu shows no UML vendor or model", hit.empty(), hit.empty() ? "clean" : hit);
    }
}

void Judge::honeypot_defaults() {
    auto hostname = first_line(t("hostname"));
    bool default_name = hostname.empty() || hostname == "svr04" || hostname == "svr03" || hostname == "localhost";
    add("hostname", "the hostname is no honeypot default (svr03, svr04) and not empty", !default_name, hostname);
    auto users = split_lines(t("passwd"));
    std::string default_user;
    for (auto u : {"phil", "richard", "cowrie", "kippo"}) {
        if (std::find(users.begin(), users.end(), u) != users.end()) default_user = u;
    }
    bool homes = !t("home").empty();
    add("users", "no honeypot default user (phil, richard, cowrie, kippo) and people in /home",
        default_user.empty() && homes && !users.empty(),
        !default_user.empty() ? "user " + default_user : (homes ? "ok" : "/home is empty"));
    auto files = t("honeypot_files");
    add("honeypot_files", "no Cowrie, Kippo or UML files on disk",
        files.empty() && probe_.sections.contains("honeypot_files"), files.empty() ? "none" : first_line(files));
    auto free_lines = split_lines(t("mem_free"));
    std::set<std::string_view> distinct(free_lines.begin(), free_lines.end());
    add("memory_moves", "free memory moves between three readings a second apart, as a live machine's does",
        free_lines.size() == 3 && distinct.size() > 1,
        free_lines.size() == 3 ? fmt::format("{} distinct of 3", distinct.size()) : "no three readings");
    auto ours = t("our_names");
    add("our_names",
        "no running command, file name, file in /etc or PAM/rsyslog module names Oyster (honeylog, oyster, OYST, "
        "omprog)",
        ours.empty() && probe_.sections.contains("our_names"), ours.empty() ? "none" : first_line(ours));
    auto pam = t("pam_packages");
    add("pam_packages",
        "every PAM module belongs to a package (dpkg -S) and dpkg --verify finds PAM's packages unchanged",
        pam.empty() && probe_.sections.contains("pam_packages"), pam.empty() ? "none" : first_line(pam));
    // ZHtrap's probe is one command; its markers are the honeypot defaults above
    // and UML's /proc/cpuinfo.
    auto zh = t("zhtrap");
    std::string hit;
    for (auto marker : {"svr04", "phil", "richard", "User Mode Linux", "UML"}) {
        if (hit.empty() && has_word(zh, marker)) hit = marker;
    }
    add("zhtrap", "'ls /home; ps aux; cat /proc/cpuinfo' shows none of ZHtrap's markers (svr04, phil, richard, UML)",
        hit.empty() && !zh.empty(), hit.empty() ? (zh.empty() ? "no output" : "none") : "marker '" + hit + "'");
}

void Judge::run() {
    if (!probe_.complete) add("probe", "the probe script ran to its end", false, "its output was cut off");
    cpuinfo();
    kernel_identity();
    disks();
    hardware_tables();
    processes();
    network_device();
    virtualization_tools();
    honeypot_defaults();
    for (auto& c : judge_clock(t("clock"), probe_.sections.contains("clock"))) results.push_back(std::move(c));
    for (auto& c : judge_lived_in(t("lived_in"), probe_.sections.contains("lived_in"))) results.push_back(std::move(c));
    results.push_back(judge_boot_log(t("dmesg"), probe_.sections.contains("dmesg"), t("journal"),
                                     probe_.sections.contains("journal")));
    bool module_views = true;
    for (auto s : {"proc_modules", "lsmod", "sys_class_net", "sys_block", "proc_mounts", "modules_on_disk"}) {
        module_views = module_views && probe_.sections.contains(s);
    }
    results.push_back(judge_module_list({t("proc_modules"), t("sys_class_net"), t("sys_block"), t("proc_mounts"),
                                         t("modules_on_disk"), t("lsmod"), module_views}));
    results.push_back(judge_readiness_probe(t("journal"), probe_.sections.contains("journal")));
    results.push_back(judge_cpu_user_time(t("proc_stat_cpu"), probe_.sections.contains("proc_stat_cpu")));
    results.push_back(judge_no_execute(probe_.status("no_execute")));
    results.push_back(judge_log_stamps(t("dmesg"), probe_.sections.contains("dmesg")));
}

}  // namespace

std::string find_giveaway(std::string_view text) {
    auto hit = first_giveaway(text);
    return hit ? std::string(hit->word) : std::string{};
}

std::vector<CheckResult> judge_stealth(const ProbeOutput& probe, const StealthExpectations& expect) {
    Judge judge(probe, expect);
    judge.run();
    return std::move(judge.results);
}

}  // namespace oyster
