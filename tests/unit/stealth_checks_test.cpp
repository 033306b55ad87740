// The stealth battery's judgement, on probe outputs of the two kinds it must
// tell apart: a stock UML guest (as measured on a stock 6.12 UML, and on an
// Oyster guest before its disguise) and a disguised one.
#include <gtest/gtest.h>

#include <map>

#include "oyster/common/decimal.h"
#include "oyster/common/text_lines.h"
#include "oyster/selftest/containment_selftest.h"
#include "oyster/selftest/guest_arp_probe.h"
#include "oyster/selftest/guest_nmap_probe.h"
#include "oyster/selftest/guest_spoof_probe.h"
#include "oyster/selftest/load_probes.h"
#include "oyster/selftest/mail_probe.h"
#include "oyster/selftest/probe_output.h"
#include "oyster/selftest/stealth_checks.h"
#include "oyster/selftest/tool_packages.h"
#include "oyster/selftest/uml_boundary_probe.h"
#include "oyster/selftest/uml_trace_checks.h"

namespace oyster {
namespace {

std::string probe_text(const std::map<std::string, std::pair<std::string, int>>& sections) {
    std::string out = "noise before the first section\n";
    for (const auto& [name, body] : sections) {
        out += "=== N0NCE " + name + "\n" + body.first + "\n=== N0NCE status " + std::to_string(body.second) + "\n";
    }
    return out + "=== N0NCE end\n";
}

// A machine booted at 1792897929 and up 41 days: every view agrees.
std::string consistent_clock() {
    return "uptime 3570288.73\nidle 3570283.01\nbtime 1792897929\nnow 1796468218\nclk_tck 100\n"
           "self_start 357028972\npid1 1792897929\nutmp_boot 1792897929\nwtmp_boot 1792897929\n"
           "journal_first 1792897930\nrun_sshd 1792897932\nkmsg 3570289.890000\nkmsg_when 1796468218\n"
           "analyze Startup finished in 98ms (kernel) + 2.991s (userspace) = 3.090s \n"
           "service_restarts 0\nwatchdog_timeouts 0";
}

// A machine with a past (disguise/lived_in.h), and one installed minutes
// before its boot, as every guest was before it.
std::string lived_in() {
    return "btime 1792897929\nwtmp_begins 1746000000\nwtmp_reboots 9\nwtmp_logins 412\nbtmp_failures 3180\n"
           "lastlog_users 3\nrotated_logs 22\noldest_auth 1790400000\nauth_failures 9120\n"
           "apt_session 1770000000\napt_session 1792896000\napt_build_installs 0\nbuild_m 0\nbuild_c 0\n"
           "build_B 0\n";
}

std::string fresh_install() {
    return "btime 1792897929\nwtmp_begins 1792897929\nwtmp_reboots 1\nwtmp_logins 1\nbtmp_failures 0\n"
           "lastlog_users 0\nrotated_logs 0\nauth_failures 0\napt_session 1796460000\napt_build_installs 1\n"
           "build_m 2890\nbuild_m_file /etc\nbuild_c 3105\nbuild_c_file /etc/hostname\nbuild_B 3105\n";
}

// The same guest as patch 0015 left it: the boot and monotonic clocks
// started at the shown uptime, the wall clock at the real boot.
std::string clock_started_late() {
    return "uptime 3570288.73\nidle 283.01\nbtime 1792897929\nnow 1796468218\nclk_tck 100\n"
           "self_start 357028972\npid1 1796467932\nutmp_boot 1796467932\nwtmp_boot 1796467932\n"
           "journal_first 1796467931\nrun_sshd 1796467934\nkmsg 289.890000\nkmsg_when 1792898218\n"
           "analyze Startup finished in 1month 1w 4d 7h 39min 48.123s (kernel) + 2.991s (userspace) = 1month";
}

std::map<std::string, std::pair<std::string, int>> disguised() {
    return {
        {"proc_cpuinfo",
         {"processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse2 hypervisor", 0}},
        {"proc_cmdline",
         {"BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-amd64 root=UUID=0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a77 ro quiet", 0}},
        {"proc_version",
         {"Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0, "
          "GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-30)",
          0}},
        {"uname_r", {"6.1.0-56-amd64", 0}},
        {"lib_modules", {"6.1.0-56-amd64", 0}},
        {"boot",
         {"System.map-6.1.0-56-amd64\nconfig-6.1.0-56-amd64\ninitrd.img-6.1.0-56-amd64\nvmlinuz-6.1.0-56-amd64", 0}},
        {"dmesg",
         {"[    0.000000] Linux version 6.1.0-56-amd64 (debian-kernel@lists.debian.org)\n[    0.017144] SMBIOS 2.8 "
          "present.\n[    1.308966] EXT4-fs (vda1): mounted filesystem",
          0}},
        {"proc_partitions",
         {"major minor  #blocks  name\n\n 254        0    2097152 vda\n 254        1    2096128 vda1", 0}},
        {"proc_devices", {"Character devices:\n  1 mem\n\nBlock devices:\n254 virtblk\n259 blkext", 0}},
        {"proc_mounts", {"/dev/vda1 / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0", 0}},
        {"sys_block", {"vda", 0}},
        {"dev", {"console\nnull\nvda\nvda1\nzero", 0}},
        {"proc_filesystems", {"nodev\tsysfs\n\text4", 0}},
        {"proc_interrupts",
         {"           CPU0\n  0:       1205   IO-APIC      timer\n  2:        871   IO-APIC      virtio0-req.0", 0}},
        {"proc_iomem", {"00000000-00000fff : Reserved", 0}},
        {"proc_ioports", {"0000-0cf7 : PCI Bus 0000:00", 0}},
        {"proc_modules",
         {"ext4 827392 1 - Live 0x0000000000000000\nvirtio_net 61440 0 - Live 0x0000000000000000\n"
          "virtio_blk 24576 2 - Live 0x0000000000000000\nvirtio 12288 2 virtio_net,virtio_blk, Live "
          "0x0000000000000000",
          0}},
        {"modules_on_disk", {"", 0}},
        {"lsmod",
         {"Module                  Size  Used by\next4                  827392  1\nvirtio_net             61440  0\n"
          "virtio_blk             24576  2\nvirtio                 12288  2 virtio_net,virtio_blk",
          0}},
        {"proc_entries", {"cmdline\ncpuinfo\nversion", 0}},
        {"sys_platform", {"power\nuevent\nvirtio_blk.0\nvirtio_net.0", 0}},
        {"sys_dmi",
         {"sys_vendor=QEMU\nproduct_name=Standard PC (i440FX + PIIX, 1996)\nproduct_version=pc-i440fx-8.2\n"
          "board_vendor=\nbios_vendor=SeaBIOS",
          0}},
        {"dmidecode",
         {"# dmidecode 3.4\nGetting SMBIOS data from sysfs.\nSMBIOS 2.8 present.\n\nHandle 0x0100, DMI type 1, 27 "
          "bytes\nSystem Information\n\tManufacturer: QEMU\n\tProduct Name: Standard PC (i440FX + PIIX, 1996)\n\n"
          "Handle 0x1100, DMI type 17, 40 bytes\nMemory Device\n\tArray Handle: 0x1000\n\tSize: 1 GB\n"
          "\tForm Factor: DIMM",
          0}},
        {"proc_meminfo", {"MemTotal:         985420 kB\nMemFree:          512004 kB", 0}},
        {"sys_clocksource", {"tsc", 0}},
        {"grep_proc_sys", {"", 0}},
        {"ps_aux", {"USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\nroot 1 ...", 0}},
        {"systemd_delta_masked", {"\n0 overridden configuration files found.", 0}},
        {"proc_stat_btime", {"btime 1795769014", 0}},
        {"uptime", {" 09:43:46 up 41 days,  0 user,  load average: 0.31, 0.07, 0.02", 0}},
        {"sys_class_net",
         {"eth0 driver=virtio_net address=00:1b:21:f2:19:aa\nlo driver= address=00:00:00:00:00:00", 0}},
        {"ethtool_i", {"driver: virtio_net\nversion: 1.0.0", 0}},
        {"ip_link",
         {"1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536 qdisc noqueue state UNKNOWN mode DEFAULT group default qlen "
          "1000\\    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00\n2: eth0: "
          "<BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UP mode DEFAULT group default qlen "
          "1000\\    link/ether 00:1b:21:f2:19:aa brd ff:ff:ff:ff:ff:ff",
          0}},
        {"ip_addr",
         {"2: eth0    inet 192.0.2.6/24 brd 192.0.2.255 scope global eth0\\       valid_lft forever "
          "preferred_lft forever",
          0}},
        {"ip_route", {"default via 192.0.2.1 dev eth0 ", 0}},
        {"systemd_detect_virt", {"kvm", 0}},
        {"systemd_detect_virt_container", {"none", 1}},
        {"virt_what", {"kvm", 0}},
        {"imvirt", {"KVM", 0}},
        {"lscpu", {"Architecture: x86_64\nVendor ID: AuthenticAMD", 0}},
        {"hostname", {"web-prod-02\nweb-prod-02", 0}},
        {"passwd", {"root\nmhartmann\njwolff", 0}},
        {"home", {"jwolff  mhartmann", 0}},
        {"honeypot_files", {"", 2}},
        {"our_names", {"", 0}},
        {"mem_free", {"MemFree: 161532 kB\nMemFree: 161340 kB\nMemFree: 161340 kB", 0}},
        {"zhtrap", {"jwolff  mhartmann\nUSER PID\nvendor_id : AuthenticAMD", 0}},
        {"clock", {consistent_clock(), 0}},
        {"lived_in", {lived_in(), 0}},
        {"pam_packages", {"", 0}},
        {"journal",
         {"Dec 03 09:41:02 web-prod-02 kernel: Write protecting the kernel read-only data: 6826k\n"
          "Dec 03 09:41:03 web-prod-02 systemd-logind[84]: New seat seat0.\n"
          "Dec 06 07:12:40 web-prod-02 sshd[1131]: Accepted password for root from 192.0.2.1 port 40112 ssh2\n"
          "Dec 06 07:12:52 web-prod-02 sshd[1140]: error: kex_exchange_identification: Connection closed by "
          "remote host",
          0}},
        {"proc_stat_cpu", {"cpu  1190 0 842 356803112 0 0 0 0 0 0", 0}},
        {"no_execute", {"bash: line 8:  1207 Segmentation fault      ( exec \"$f\" ) 2> /dev/null", 139}},
    };
}

std::map<std::string, bool> verdicts(const std::string& text) {
    std::map<std::string, bool> out;
    for (const auto& c : judge_stealth(parse_probe_output(text, "N0NCE"), {"kvm"})) out[c.name] = c.pass;
    return out;
}

// The verdicts on the disguised guest with one line of one section changed.
std::map<std::string, bool> verdicts_with(const std::string& section, const std::string& from, const std::string& to) {
    auto s = disguised();
    auto& text = s[section].first;
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return verdicts(probe_text(s));
}

TEST(StealthChecks, ADisguisedGuestPassesEveryCheck) {
    auto results = judge_stealth(parse_probe_output(probe_text(disguised()), "N0NCE"), {"kvm"});
    EXPECT_GE(results.size(), 30u);
    for (const auto& c : results) EXPECT_TRUE(c.pass) << c.name << ": " << c.detail;
}

// Hardware firmware on a processor that says it is virtual, and a table
// dmidecode reads differently from sysfs, are contradictions.
TEST(StealthChecks, FirmwareMustAgreeWithTheProcessorAndItself) {
    auto s = disguised();
    s["sys_dmi"] = {"sys_vendor=Dell Inc.\nproduct_name=PowerEdge R640\nbios_vendor=Dell Inc.", 0};
    auto v = verdicts(probe_text(s));
    EXPECT_TRUE(v["dmi"]);
    EXPECT_FALSE(v["dmi_agrees_with_cpu"]);
    EXPECT_FALSE(v["dmidecode"]);  // the table still says QEMU
    s = disguised();
    s["dmidecode"] = {"SMBIOS 2.8 present.\nSystem Information\n\tManufacturer: QEMU\n\tUUID: <OUT OF SPEC>", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["dmidecode"]);
}

// 256 MiB (every guest before issue 19's hardware shape) is no cloud
// server's; a kernel figure the memory devices cannot hold is a contradiction.
TEST(StealthChecks, MemoryIsACloudServersAndAgreesWithTheFirmware) {
    auto s = disguised();
    EXPECT_TRUE(verdicts(probe_text(s))["memory_size"]);
    s["proc_meminfo"] = {"MemTotal:         233216 kB\nMemFree:          112004 kB", 0};
    s["dmidecode"].first += "\n\nMemory Device\n\tSize: 256 MB";
    s["dmidecode"].first.replace(s["dmidecode"].first.find("Size: 1 GB"), 10, "Size: No Module Installed");
    EXPECT_FALSE(verdicts(probe_text(s))["memory_size"]);
    s = disguised();
    s["proc_meminfo"] = {"MemTotal:        2015420 kB", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["memory_size"]) << "2 GiB in a 1 GiB machine";
    s["dmidecode"].first += "\n\nMemory Device\n\tSize: 1024 MB";
    EXPECT_TRUE(verdicts(probe_text(s))["memory_size"]) << "two DIMMs";
}

// A kernel that mounted its root without an initramfs names it /dev/root.
// Every guest's link before the shared subnet: a /30 of its own, the
// gateway at its .1.
TEST(StealthChecks, TheNicSitsInACloudSubnet) {
    auto s = disguised();
    EXPECT_TRUE(verdicts(probe_text(s))["nic_addressing"]);
    s["ip_route"] = {"default via 192.0.2.5 dev eth0", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["nic_addressing"]);
    s["ip_addr"] = {"2: eth0    inet 192.0.2.6/30 brd 192.0.2.7 scope global eth0", 0};
    s["ip_route"] = {"default via 192.0.2.5 dev eth0", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["nic_addressing"]);
    s["ip_addr"] = {"2: eth0    inet 10.213.7.10/20 brd 10.213.15.255 scope global eth0", 0};
    s["ip_route"] = {"default via 10.213.0.1 dev eth0 ", 0};
    EXPECT_TRUE(verdicts(probe_text(s))["nic_addressing"]);
    s["ip_route"] = {"", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["nic_addressing"]);
    s["ip_addr"] = {"", 1};
    EXPECT_FALSE(verdicts(probe_text(s))["nic_addressing"]);
}

TEST(StealthChecks, TheRootIsMountedFromItsDeviceByName) {
    auto s = disguised();
    EXPECT_TRUE(verdicts(probe_text(s))["root_device"]);
    s["proc_mounts"] = {"/dev/root / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["root_device"]);
    s["proc_mounts"] = {"proc /proc proc rw 0 0", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["root_device"]);
}

// What stock UML shows (measured, see docs/stealth.md): each check that
// looks at it must fail.
TEST(StealthChecks, StockUmlFailsWhereItShows) {
    auto s = disguised();
    s["proc_cpuinfo"] = {
        "processor\t: 0\nvendor_id\t: User Mode Linux\nmodel name\t: UML\nmode\t\t: skas\nhost\t\t: Linux h 6.1", 0};
    s["proc_cmdline"] = {
        "mem=256M ubd0=/tmp/oyster-it-KJ/disk.cow,/var/cache/oyster/image/x/rootfs.ext4 root=/dev/ubda "
        "rw eth0=tuntap,oyg66e466,00:1b:21:f2:19:aa umid=66e466 con=null",
        0};
    s["proc_version"] = {"Linux version 6.12.117 (root@vm) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) #1 Fri Nov 27 2026",
                         0};
    s["uname_r"] = {"6.12.117", 0};
    s["dmesg"] = {
        "[    0.100000] mconsole (version 2) initialized on /tmp/oyster-it/uml/mconsole\n[    0.150000] module "
        "x_tables: .gnu.linkonce.this_module section size must match the kernel's built struct module size "
        "at run time",
        0};
    s["proc_partitions"] = {"major minor  #blocks  name\n\n  98        0    2097152 ubda", 0};
    s["proc_mounts"] = {"/dev/root / ext4 rw,relatime 0 0\nproc /proc proc rw 0 0", 0};
    s["proc_meminfo"] = {"MemTotal:         233216 kB", 0};
    s["proc_interrupts"] = {"  0:       1205   SIGALRM      hr timer\n  2:        871     SIGIO      ubd", 0};
    s["proc_iomem"] = {"", 0};
    s["proc_modules"] = {"cat: /proc/modules: No such file or directory", 1};
    s["proc_entries"] = {"cmdline\nexitcode\nversion", 0};
    s["sys_platform"] = {"power\numl-blkdev.0\numl-netdev.0", 0};
    s["sys_dmi"] = {"sys_vendor=\nproduct_name=\nproduct_version=\nboard_vendor=\nbios_vendor=", 0};
    s["dmidecode"] = {"# No SMBIOS nor DMI entry point found, sorry.", 0};
    s["sys_clocksource"] = {"timer", 0};
    s["grep_proc_sys"] = {"/proc/cmdline:ubd", 0};
    s["ps_aux"] = {"Error, do this: mount -t proc proc /proc\nUnable to get system boot time", 1};
    s["proc_stat_btime"] = {"", 1};
    s["uptime"] = {" 12:41:07 up 2 min,  1 user,  load average: 0.52, 0.18, 0.06", 0};
    s["sys_class_net"] = {"eth0 driver=uml-netdev address=fe:fd:c0:a8:00:02", 0};
    s["ethtool_i"] = {"driver: uml-netdev", 0};
    s["ip_link"] = {
        "2: eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1500 qdisc pfifo_fast state UNKNOWN mode "
        "DEFAULT group default qlen 1000\\    link/ether fe:fd:c0:a8:00:02 brd ff:ff:ff:ff:ff:ff",
        0};
    s["systemd_detect_virt"] = {"uml", 0};
    s["virt_what"] = {"uml", 0};
    s["imvirt"] = {"UML", 0};
    s["lscpu"] = {"Vendor ID: User Mode Linux", 0};
    s["hostname"] = {"svr04", 0};
    s["passwd"] = {"root\nphil\nrichard", 0};
    s["honeypot_files"] = {"/home/cowrie", 0};
    s["our_names"] = {"honeylog-relay\n/etc/rsyslog.d/10-relay.conf", 0};
    s["mem_free"] = {"MemFree: 167956 kB\nMemFree: 167956 kB\nMemFree: 167956 kB", 0};
    s["zhtrap"] = {"phil richard\nvendor_id : User Mode Linux", 0};
    s["clock"] = {clock_started_late(), 0};
    s["lived_in"] = {fresh_install(), 0};
    s["pam_packages"] = {"unowned /lib/x86_64-linux-gnu/security/pam_unix_auth.so", 0};
    s["journal"] = {
        "Dec 06 06:00:19 web-prod-02 systemd[1]: Failed to enable kbrequest handling: Inappropriate "
        "ioctl for device",
        0};
    s["proc_stat_cpu"] = {"cpu  0 0 218 3027 0 0 0 0 0 0", 0};
    s["no_execute"] = {"", 7};
    s["ip_addr"] = {"2: eth0    inet 192.0.2.6/30 brd 192.0.2.7 scope global eth0", 0};
    s["ip_route"] = {"default via 192.0.2.5 dev eth0", 0};
    // Oyster's image before it kept Debian's units (measured).
    s["systemd_delta_masked"] = {
        "[MASKED]     /etc/systemd/system/apt-daily.timer → /usr/lib/systemd/system/apt-daily.timer\n"
        "[MASKED]     /etc/systemd/system/modprobe@.service → /usr/lib/systemd/system/modprobe@.service\n\n"
        "2 overridden configuration files found.",
        0};
    s["journal"].first +=
        "\nDec 06 06:00:20 web-prod-02 sshd[97]: error: kex_exchange_identification: Connection closed by remote "
        "host\nDec 06 06:00:20 web-prod-02 sshd[97]: Connection closed by 192.0.2.1 port 51822\n"
        "Dec 06 06:01:02 web-prod-02 sshd[131]: Accepted password for root from 192.0.2.1 port 51830 ssh2";
    auto v = verdicts(probe_text(s));
    for (const auto& name : {"cpuinfo",
                             "cmdline",
                             "kernel_release",
                             "proc_version",
                             "dmesg",
                             "disks",
                             "partitions",
                             "root_device",
                             "interrupts",
                             "iomem_ioports",
                             "modules",
                             "proc_entries",
                             "platform_devices",
                             "dmi",
                             "dmidecode",
                             "clocksource",
                             "proc_sys_grep",
                             "ps_aux",
                             "btime",
                             "nic",
                             "ethtool",
                             "nic_link",
                             "nic_addressing",
                             "systemd_detect_virt",
                             "virt_what",
                             "imvirt",
                             "lscpu",
                             "hostname",
                             "users",
                             "honeypot_files",
                             "our_names",
                             "memory_moves",
                             "memory_size",
                             "zhtrap",
                             "cpuinfo_hypervisor",
                             "dmi_agrees_with_cpu",
                             "uptime_long",
                             "unit_masks",
                             "module_loader",
                             "pam_packages",
                             "boot_records",
                             "clock_sources",
                             "idle_time",
                             "systemd_analyze",
                             "lived_in_logins",
                             "lived_in_logs",
                             "lived_in_packages",
                             "lived_in_times",
                             "boot_log",
                             "readiness_probe",
                             "module_list",
                             "cpu_user_time",
                             "no_execute",
                             "log_stamps"}) {
        ASSERT_TRUE(v.contains(name)) << name;
        EXPECT_FALSE(v[name]) << name;
    }
}

// Each line only a UML boot leaves fails the boot log on its own, in the
// kernel log or the journal; so does a visit to sshd before the first login;
// user time is judged from the cpu line alone.
TEST(StealthChecks, NoTraceOfUmlOrTheLauncherInTheLogsOrTheCpuTimes) {
    for (auto line : kUmlBootLines) {
        auto s = disguised();
        s["journal"].first += "\nDec 06 06:00:20 web-prod-02 systemd-logind[84]: System has /dev/tty0 " +
                              std::string(line) + " which is broken";
        EXPECT_FALSE(verdicts(probe_text(s))["boot_log"]) << line;
        s = disguised();
        s["dmesg"].first += "\n[    0.110000] " + std::string(line);
        EXPECT_FALSE(verdicts(probe_text(s))["boot_log"]) << line;
    }
    auto s = disguised();
    s.erase("journal");
    EXPECT_FALSE(verdicts(probe_text(s))["boot_log"]);

    // A visit to sshd counts before the first login only (the internet's
    // come later, all day); a journal without a login cannot be judged.
    s = disguised();
    EXPECT_TRUE(verdicts(probe_text(s))["readiness_probe"]);
    auto& journal = s["journal"].first;
    journal.insert(journal.find("Dec 06 07:12:40"),
                   "Dec 06 06:00:20 web-prod-02 sshd[99]: Connection reset by 192.0.2.1 port 51824\n");
    EXPECT_FALSE(verdicts(probe_text(s))["readiness_probe"]);
    s = disguised();
    s["journal"].first.erase(s["journal"].first.find("Dec 06 07:12:40"));
    EXPECT_FALSE(verdicts(probe_text(s))["readiness_probe"]);

    EXPECT_FALSE(verdicts_with("proc_stat_cpu", "cpu  1190 0 842", "cpu  0 0 842")["cpu_user_time"]);
    EXPECT_FALSE(verdicts_with("proc_stat_cpu", "cpu  1190 0 842", "cpu  90 0 842")["cpu_user_time"])
        << "a tenth of user and system";
    EXPECT_TRUE(verdicts_with("proc_stat_cpu", "cpu  1190 0 842", "cpu  94 0 842")["cpu_user_time"]);
    EXPECT_FALSE(verdicts_with("proc_stat_cpu", "cpu  1190 0 842", "intr 1190 0 842")["cpu_user_time"]);
    EXPECT_FALSE(verdicts_with("proc_stat_cpu", "cpu  1190 0 842", "cpu  x 0 842")["cpu_user_time"]);
}

// Code on the stack must be killed, as NX kills it; only SIGSEGV passes, not
// a probe that could not run (exec refused, no status).
TEST(StealthChecks, CodeOnTheStackIsKilled) {
    auto s = disguised();
    EXPECT_TRUE(verdicts(probe_text(s))["no_execute"]);
    s["no_execute"] = {"", 7};
    EXPECT_FALSE(verdicts(probe_text(s))["no_execute"]) << "the code ran (every kernel before patch 0043)";
    s["no_execute"] = {"bash: line 8: /tmp/tmp.x: Permission denied", 126};
    EXPECT_FALSE(verdicts(probe_text(s))["no_execute"]) << "a noexec /tmp tells nothing";
    s["no_execute"] = {"", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["no_execute"]);
    s.erase("no_execute");
    EXPECT_FALSE(verdicts(probe_text(s))["no_execute"]);
    EXPECT_EQ(judge_no_execute(std::nullopt).detail, "the probe reported no status");
}

// Stamps in jiffies of 10 ms (every UML kernel before patch 0046) fail;
// one stamp to the microsecond among them passes; too few cannot tell.
TEST(StealthChecks, TheKernelLogIsStampedToTheMicrosecond) {
    EXPECT_TRUE(verdicts(probe_text(disguised()))["log_stamps"]);
    auto coarse = judge_log_stamps(
        "[    0.000000] Linux version 6.1.0\n[    0.040000] SMBIOS 2.8 present.\n[    1.190000] systemd[1]: Started",
        true);
    EXPECT_FALSE(coarse.pass);
    EXPECT_EQ(coarse.detail, "all 2 stamps are multiples of 10 ms, e.g. [    0.040000]");
    EXPECT_TRUE(judge_log_stamps("[    0.040000] a\n[    1.190000] b\n[    1.190412] c", true).pass);
    EXPECT_FALSE(judge_log_stamps("[    0.000000] a\n[    0.017144] b", true).pass) << "one stamp";
    EXPECT_FALSE(judge_log_stamps("[    0.017144] a\n[    1.308966] b", false).pass) << "no section";
    EXPECT_FALSE(judge_log_stamps("[ x.017144] a\n[    1.30896] b\nplain line\n[]", true).pass) << "no stamps";
}

// lsmod must name the drivers of what the guest shows, each a file of the
// kernel package.
TEST(StealthChecks, TheModuleListHasTheMachinesDrivers) {
    EXPECT_TRUE(verdicts(probe_text(disguised()))["module_list"]);
    EXPECT_FALSE(verdicts_with("proc_modules", "ext4 827392", "xfs 827392")["module_list"]) << "the root is ext4";
    EXPECT_FALSE(verdicts_with("proc_modules", "virtio_net 61440", "e1000 61440")["module_list"]) << "the NIC's driver";
    auto s = disguised();
    s["modules_on_disk"] = {"missing virtio_net", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["module_list"]);
    // /proc/modules alone, without /sys/module: lsmod's errors and sizes.
    s = disguised();
    s["lsmod"] = {
        "libkmod: ERROR ../libkmod/libkmod-module.c:1998 kmod_module_get_holders: could not open "
        "'/sys/module/ext4/holders': No such file or directory\nModule                  Size  Used by\n"
        "ext4                      -2  -2",
        0};
    EXPECT_FALSE(verdicts(probe_text(s))["module_list"]);
    s["lsmod"] = {"Module                  Size  Used by\next4                      -2  -2", 0};
    EXPECT_FALSE(verdicts(probe_text(s))["module_list"]);
    s = disguised();
    s["proc_modules"] = {"", 0};  // UML before patch 0036: present, empty
    EXPECT_FALSE(verdicts(probe_text(s))["module_list"]);
    s = disguised();
    s.erase("modules_on_disk");
    EXPECT_FALSE(verdicts(probe_text(s))["module_list"]) << "what cannot be checked fails";
}

// Each view of the boot moment is held against the others on its own.
TEST(StealthChecks, EveryViewOfTheBootMomentMustAgree) {
    auto with = [](const std::string& from, const std::string& to) { return verdicts_with("clock", from, to); };
    EXPECT_FALSE(with("journal_first 1792897930", "journal_first 1796467931")["boot_records"]);
    EXPECT_FALSE(with("wtmp_boot 1792897929", "wtmp_boot ")["boot_records"]);
    EXPECT_FALSE(with("pid1 1792897929", "pid1 1792897920")["boot_records"]);
    EXPECT_TRUE(with("run_sshd 1792897932", "run_sshd 1792898100")["boot_records"]);
    EXPECT_TRUE(with("utmp_boot 1792897929", "utmp_boot 1792897920")["boot_records"]);
    EXPECT_FALSE(with("utmp_boot 1792897929", "utmp_boot 1792897860")["boot_records"]);
    EXPECT_FALSE(with("kmsg_when 1796468218", "kmsg_when 1792898218")["clock_sources"]);
    EXPECT_FALSE(with("kmsg_when 1796468218", "kmsg_when ")["clock_sources"]);
    // Caught up as over a suspend (patch 0038): dmesg -T dates the line right,
    // its raw stamp is the monotonic clock's.
    auto suspended = with("kmsg 3570289.890000", "kmsg 289.890000");
    EXPECT_TRUE(suspended["clock_sources"]);
    EXPECT_FALSE(suspended["monotonic_clock"]);
    EXPECT_TRUE(with("kmsg 3570289.890000", "kmsg 3570290.120000")["monotonic_clock"]);
    EXPECT_FALSE(with("self_start 357028972", "self_start 28972")["clock_sources"]);
    EXPECT_FALSE(with("now 1796468218", "now 1796468418")["clock_sources"]);
    EXPECT_FALSE(with("idle 3570283.01", "idle 283.01")["idle_time"]);
    EXPECT_FALSE(with("98ms (kernel)", "1month 1w 4d (kernel)")["systemd_analyze"]);
    EXPECT_FALSE(with("98ms (kernel)", "3min 2.5s (kernel)")["systemd_analyze"]);
    EXPECT_TRUE(with("98ms (kernel)", "1.712s (kernel)")["systemd_analyze"]);
    // journald killed by PID 1 for a watchdog its walk over a clock jump missed.
    EXPECT_FALSE(with("service_restarts 0", "service_restarts 1")["daemons_steady"]);
    EXPECT_FALSE(with("watchdog_timeouts 0", "watchdog_timeouts 2")["daemons_steady"]);
    EXPECT_FALSE(with("watchdog_timeouts 0", "watchdog_timeouts ")["daemons_steady"]);
    auto s = disguised();
    s.erase("clock");
    auto v = verdicts(probe_text(s));
    for (const auto* name :
         {"boot_records", "clock_sources", "idle_time", "systemd_analyze", "daemons_steady", "monotonic_clock"}) {
        EXPECT_FALSE(v[name]) << name;
    }
}

// Each part of the past is held on its own; a section that is missing fails them all.
TEST(StealthChecks, APastInEveryRecord) {
    auto with = [](const std::string& from, const std::string& to) { return verdicts_with("lived_in", from, to); };
    EXPECT_FALSE(with("wtmp_begins 1746000000", "wtmp_begins 1790000000")["lived_in_logins"]);
    EXPECT_FALSE(with("btmp_failures 3180", "btmp_failures 0")["lived_in_logins"]);
    EXPECT_FALSE(with("lastlog_users 3", "lastlog_users 0")["lived_in_logins"]);
    EXPECT_FALSE(with("oldest_auth 1790400000", "oldest_auth 1792800000")["lived_in_logs"]);
    EXPECT_FALSE(with("rotated_logs 22", "rotated_logs 0")["lived_in_logs"]);
    EXPECT_FALSE(with("apt_build_installs 0", "apt_build_installs 1")["lived_in_packages"]);
    EXPECT_FALSE(with("apt_session 1770000000\napt_session 1792896000", "apt_session 1796460000")["lived_in_packages"]);
    EXPECT_FALSE(with("build_c 0", "build_c 1\nbuild_c_file /etc/passwd")["lived_in_times"]);
    EXPECT_FALSE(with("build_B 0\n", "")["lived_in_times"]);
    auto s = disguised();
    s.erase("lived_in");
    auto v = verdicts(probe_text(s));
    for (const auto* name : {"lived_in_logins", "lived_in_logs", "lived_in_packages", "lived_in_times"}) {
        EXPECT_FALSE(v[name]) << name;
    }
}

// A check that cannot look fails: missing tools, missing sections, a cut-off run.
TEST(StealthChecks, WhatCannotBeCheckedFails) {
    auto s = disguised();
    s["virt_what"] = {"bash: virt-what: command not found", 127};
    s.erase("dmesg");
    auto text = probe_text(s);
    text.resize(text.rfind("=== N0NCE end"));
    auto v = verdicts(text);
    EXPECT_FALSE(v["virt_what"]);
    EXPECT_FALSE(v["dmesg"]);
    EXPECT_FALSE(v["probe"]);
    EXPECT_FALSE(verdicts("")["cpuinfo"]);
}

TEST(StealthChecks, GiveawaysAreFoundAtWordStartsOnly) {
    EXPECT_EQ(find_giveaway("vendor_id : User Mode Linux"), "user mode linux");
    EXPECT_EQ(find_giveaway("EXT4-fs (ubda): mounted"), "ubd");
    EXPECT_EQ(find_giveaway("driver: uml-netdev"), "uml");
    EXPECT_EQ(find_giveaway("[mc-1] umid=abc"), "umid");
    EXPECT_EQ(find_giveaway("/tmp/oyster-it-x"), "oyster");
    EXPECT_EQ(find_giveaway("schumlaut dubdub tubda"), "");
    EXPECT_EQ(find_giveaway("IO-APIC timer virtio0-req.0"), "");
}

TEST(ProbeOutput, OnlyThisRunsMarkersCount) {
    std::string text =
        "=== N0NCE a\nline 1\n=== OTHER b\nstill a\n=== N0NCE status 0\n"
        "=== N0NCE a\nrepeated, dropped\n=== N0NCE status 3\n"
        "=== N0NCE Bad-Name\nx\n=== N0NCE status 0\n"
        "=== N0NCE c\nno status\n";
    auto p = parse_probe_output(text, "N0NCE");
    EXPECT_FALSE(p.complete);
    EXPECT_EQ(p.text("a"), "line 1\n=== OTHER b\nstill a");
    EXPECT_EQ(p.status("a"), 0);
    EXPECT_FALSE(p.sections.contains("Bad-Name"));
    EXPECT_EQ(p.text("c"), "no status\n");
    EXPECT_FALSE(p.status("c"));
    EXPECT_TRUE(parse_probe_output(text, "").sections.empty());
}

TEST(ProbeOutput, SizesAreBounded) {
    std::string text;
    for (int i = 0; i < 400; ++i) text += "=== N " + std::string("s") + std::to_string(i) + "\n";
    EXPECT_EQ(parse_probe_output(text, "N").sections.size(), kMaxProbeSections);
    std::string big = "=== N big\n" + std::string(3u << 20, 'x') + "\n";
    for (int i = 0; i < 10; ++i) big += std::string(200000, 'y') + "\n";
    EXPECT_LE(parse_probe_output(big, "N").text("big").size(), kMaxProbeSectionBytes);
}

TEST(TextLines, SplitsOnNewlinesOnly) {
    EXPECT_TRUE(split_lines("").empty());
    EXPECT_EQ(split_lines("a\n\nb c"), (std::vector<std::string_view>{"a", "", "b c"}));
    EXPECT_EQ(split_lines("a\n"), (std::vector<std::string_view>{"a"}));
    EXPECT_EQ(split_on("22/open, 80/closed,", ','), (std::vector<std::string_view>{"22/open", " 80/closed"}));
    EXPECT_EQ(without_trailing_space("ok \n\n"), "ok");
}

// The kernel's tables align their columns with runs of spaces.
TEST(TextLines, SplitsWordsOnRunsOfBlanks) {
    EXPECT_TRUE(split_words("").empty());
    EXPECT_TRUE(split_words("  \t ").empty());
    EXPECT_EQ(split_words("cpu  1190 0\t842 "), (std::vector<std::string_view>{"cpu", "1190", "0", "842"}));
    EXPECT_EQ(split_words("   0: 00000000:0016"), (std::vector<std::string_view>{"0:", "00000000:0016"}));
    EXPECT_EQ(parse_decimal<std::uint16_t>("0016", 16), 22);
    EXPECT_EQ(parse_decimal<std::uint16_t>("FFFF", 16), 65535);
    EXPECT_FALSE(parse_decimal<std::uint16_t>("10000", 16));
    EXPECT_FALSE(parse_decimal<std::uint16_t>("0x16", 16));
}

// The containment selftest's in-guest TCP probe: one verdict per target;
// a guest root's extra output is not a verdict.
TEST(ContainmentSelftest, ReadsOneVerdictPerTarget) {
    auto got = parse_tcp_probe(
        "10.0.0.1:22 timeout\n192.0.2.6:22 connected\nnoise\n169.254.169.254:80 refused\n1.2.3.4:80 maybe\n"
        "100.100.100.200:80 unreachable\n");
    std::vector<std::pair<std::string, std::string>> want = {{"10.0.0.1:22", "timeout"},
                                                             {"192.0.2.6:22", "connected"},
                                                             {"169.254.169.254:80", "refused"},
                                                             {"100.100.100.200:80", "unreachable"}};
    EXPECT_EQ(got, want);
    EXPECT_TRUE(parse_tcp_probe("").empty());
}

// The UML boundary probe: a check passes only when every attempt of its
// label was refused or killed, and at least one was made.
TEST(ContainmentSelftest, JudgesTheUmlBoundaryByEveryAttempt) {
    auto attempts = parse_boundary_probe(
        "host_files open:/etc/shadow denied ENOENT\n"
        "tun TUNSETPERSIST killed SIGSYS\n"
        "tun TUNSETIFF:new allowed\n"
        "sockets sendto:abstract denied EPERM\n"
        "capture ftruncate error fork:EAGAIN\n"
        "garbage\n"
        "proc open:/proc/1/environ maybe\n");
    ASSERT_EQ(attempts.size(), 5U);
    EXPECT_EQ(attempts[1].label, "tun");
    EXPECT_EQ(attempts[1].attempt, "TUNSETPERSIST");
    EXPECT_EQ(attempts[1].outcome, "killed SIGSYS");
    auto checks = judge_boundary(
        attempts, {{"host_files", "h"}, {"tun", "t"}, {"sockets", "s"}, {"capture", "c"}, {"proc", "p"}}, 0);
    ASSERT_EQ(checks.size(), 5U);
    EXPECT_EQ(checks[0].name, "uml_host_files");
    EXPECT_TRUE(checks[0].pass);
    EXPECT_FALSE(checks[1].pass);  // one tun attempt was allowed
    EXPECT_NE(checks[1].detail.find("TUNSETIFF:new allowed"), std::string::npos);
    EXPECT_TRUE(checks[2].pass);
    EXPECT_FALSE(checks[3].pass);  // an attempt not made is not a refusal
    EXPECT_FALSE(checks[4].pass);  // no attempt at all
    // A datagram that reached the host's socket fails "sockets" whatever the
    // probe printed.
    auto reached = judge_boundary(attempts, {{"sockets", "s"}}, 1);
    EXPECT_FALSE(reached[0].pass);
}

// The flood's own count, among whatever else a guest root prints.
TEST(ContainmentSelftest, ReadsWhatTheFloodSent) {
    auto sent = parse_flood_sent("noise\nsent tcp 43000 udp 42 icmp 7\n");
    ASSERT_TRUE(sent);
    EXPECT_EQ(sent->tcp, 43000U);
    EXPECT_EQ(sent->udp, 42U);
    EXPECT_EQ(sent->icmp, 7U);
    EXPECT_FALSE(parse_flood_sent("sent tcp 1 udp 2\n"));
    EXPECT_FALSE(parse_flood_sent("sent tcp 99999999999999999999 udp 1 icmp 1\n"));
}

// Another guest's banner: within twice the idle median, idle taken as at
// least 25 ms; a banner that never came fails.
TEST(ContainmentSelftest, JudgesTheNeighbourByItsMedianBanner) {
    using std::chrono::microseconds;
    std::vector<std::optional<microseconds>> idle = {microseconds(40000), microseconds(41000), microseconds(39000)};
    std::vector<std::optional<microseconds>> fine = {microseconds(60000), microseconds(200000), microseconds(70000)};
    std::vector<std::optional<microseconds>> slow = {microseconds(90000), microseconds(95000), microseconds(20000)};
    EXPECT_TRUE(judge_neighbour_latency("n", "load", idle, fine).pass);
    EXPECT_FALSE(judge_neighbour_latency("n", "load", idle, slow).pass);
    std::vector<std::optional<microseconds>> fast_idle = {microseconds(1000), microseconds(1000), microseconds(1000)};
    std::vector<std::optional<microseconds>> jitter = {microseconds(45000), microseconds(45000), microseconds(1000)};
    EXPECT_TRUE(judge_neighbour_latency("n", "load", fast_idle, jitter).pass);
    auto missing = fine;
    missing[0] = std::nullopt;
    auto c = judge_neighbour_latency("n", "load", idle, missing);
    EXPECT_FALSE(c.pass);
    EXPECT_NE(c.detail.find("1 banners did not come"), std::string::npos);
}

// apt's simulated install on an empty system: the packages it would
// install, alternatives resolved; "Conf" and other lines are not packages.
TEST(ToolPackages, ReadsASimulatedInstall) {
    auto got = parse_simulated_install(
        "NOTE: This is only a simulation!\n"
        "Inst libblas3 (3.11.0-2 Debian:12.12/stable [amd64])\n"
        "Inst nmap (7.93+dfsg1-1 Debian:12.12/stable [amd64])\n"
        "Conf nmap (7.93+dfsg1-1 Debian:12.12/stable [amd64])\n"
        "Inst libblas3 (3.11.0-2 Debian:12.12/stable [amd64])\n"
        "Inst  (empty)\n");
    EXPECT_EQ(got, (std::vector<std::string>{"libblas3", "nmap"}));
    EXPECT_TRUE(parse_simulated_install("").empty());
}

// Nmap's greppable output from a guest root's run: hosts, their status and
// each port's state; another line or a malformed port is not a result.
TEST(ContainmentSelftest, ReadsNmapGreppableOutput) {
    auto hosts = parse_nmap_grepable(
        "# Nmap 7.93 scan initiated\n"
        "Host: 192.0.2.1 ()\tStatus: Up\n"
        "Host: 192.0.2.1 ()\tPorts: 22/filtered/tcp//ssh///, 80/closed/tcp//http///, x/open/tcp//, "
        "70000/open/tcp//\tIgnored State: filtered (1)\n"
        "Host: not-an-ip ()\tStatus: Up\n"
        "Host: 10.9.0.1 ()\tPorts: 8080/open/tcp//http-proxy///\n"
        "# Nmap done\n");
    ASSERT_EQ(hosts.size(), 2U);
    EXPECT_EQ(hosts[0].ip, "192.0.2.1");
    EXPECT_TRUE(hosts[0].up);
    EXPECT_EQ(hosts[0].ports, (std::vector<std::pair<int, std::string>>{{22, "filtered"}, {80, "closed"}}));
    EXPECT_FALSE(hosts[1].up);
    EXPECT_EQ(hosts[1].ports, (std::vector<std::pair<int, std::string>>{{8080, "open"}}));
}

// The guest's SMTP client, as the mail probe reads it: codes per port and
// step, the greeting's text, how a port gave up; garbage is skipped.
TEST(ContainmentSelftest, ReadsTheMailDialogue) {
    auto d = parse_mail_dialogue(
        "25 greeting 220 mail.web01.localdomain ESMTP Postfix (Debian/GNU)\n25 ehlo 250\n25 sent 250\n"
        "465 greeting 220 mail.web01.localdomain ESMTP\n587 error connect: Connection timed out\n"
        "99999 greeting 220 x\nnoise\n25 quit abc\n");
    ASSERT_EQ(d.size(), 3U);
    EXPECT_EQ(d[0].banner, "mail.web01.localdomain ESMTP Postfix (Debian/GNU)");
    EXPECT_EQ(mail_reply(d, 25, "sent"), 250);
    EXPECT_EQ(mail_reply(d, 25, "quit"), 0);
    EXPECT_EQ(mail_reply(d, 465, "greeting"), 220);
    EXPECT_EQ(mail_reply(d, 587, "greeting"), 0);
    EXPECT_EQ(d[2].error, "connect: Connection timed out");
    EXPECT_TRUE(parse_mail_dialogue("").empty());
}

// dd's last words: what it copied and whether the disk was full.
TEST(ContainmentSelftest, ReadsHowTheFillEnded) {
    auto full = parse_dd_result(
        "dd: error writing '/var/tmp/fill': No space left on device\n1235+0 records in\n1234+0 records out\n"
        "1293942784 bytes (1.3 GB, 1.2 GiB) copied, 12.3 s, 105 MB/s\n");
    ASSERT_TRUE(full);
    EXPECT_EQ(full->bytes, 1293942784U);
    EXPECT_TRUE(full->disk_full);
    auto stopped = parse_dd_result("10+0 records in\n10+0 records out\n10485760 bytes (10 MB, 10 MiB) copied, 1 s\n");
    ASSERT_TRUE(stopped);
    EXPECT_FALSE(stopped->disk_full);
    EXPECT_FALSE(parse_dd_result("Terminated\n"));
    EXPECT_FALSE(parse_dd_result("99999999999999999999 bytes copied\n"));
}

// tcpdump's lines as the ARP probe reads them: IPv4 endpoints without
// ports, ARP replies with the MAC claimed, the rest counted.
TEST(ContainmentSelftest, ReadsWhatTheGuestSniffed) {
    auto t = parse_tcpdump(
        "IP 192.0.2.2.22 > 203.0.113.10.41862: Flags [P.], seq 1:93, length 92\n"
        "IP 203.0.113.1 > 192.0.2.1: ICMP echo request, id 7, seq 7, length 8\n"
        "ARP, Reply 192.0.2.6 is-at 00:1B:21:9B:15:52, length 28\n"
        "ARP, Request who-has 192.0.2.5 tell 192.0.2.2, length 28\n"
        "IP6 fe80::1 > ff02::2: ICMP6, router solicitation, length 16\n"
        "IP truncated\n\n");
    ASSERT_EQ(t.ipv4.size(), 2U);
    EXPECT_EQ(t.ipv4[0], std::make_pair(std::string("192.0.2.2"), std::string("203.0.113.10")));
    EXPECT_EQ(t.ipv4[1], std::make_pair(std::string("203.0.113.1"), std::string("192.0.2.1")));
    ASSERT_EQ(t.arp_replies.size(), 1U);
    EXPECT_EQ(t.arp_replies[0], std::make_pair(std::string("192.0.2.6"), std::string("00:1b:21:9b:15:52")));
    EXPECT_EQ(t.other, 2U);
}

// The host's neighbour table: complete entries only, MACs in lower case.
// hping3's statistics, one per run, summed; anything else (its per-packet
// lines, a number that is not one, a guest's long digit string) adds nothing.
TEST(ContainmentSelftest, ReadsWhatHping3Sent) {
    EXPECT_EQ(hping_transmitted("HPING 198.51.100.99 (eth0 198.51.100.99): S set, 40 headers + 0 data bytes\n"
                                "\n--- 198.51.100.99 hping statistic ---\n"
                                "300 packets transmitted, 0 packets received, 100% packet loss\n"
                                "round-trip min/avg/max = 0.0/0.0/0.0 ms\n"
                                "--- 198.51.100.99 hping statistic ---\n"
                                "299 packets transmitted, 0 packets received, 100% packet loss\n"),
              599U);
    EXPECT_EQ(hping_transmitted("x3 packets transmitted\n packets transmitted\n"
                                "12345678901 packets transmitted\nhping3: command not found\n"),
              0U);
    EXPECT_EQ(hping_transmitted(""), 0U);
}

TEST(ContainmentSelftest, ReadsTheNeighbourTable) {
    auto e = parse_proc_net_arp(
        "IP address       HW type     Flags       HW address            Mask     Device\n"
        "192.0.2.2        0x1         0x2         00:1B:21:95:CA:63     *        oyg1\n"
        "192.0.2.6        0x1         0x0         00:00:00:00:00:00     *        oyg2\n"
        "short line\n");
    ASSERT_EQ(e.size(), 1U);
    EXPECT_EQ(e[0].ip, "192.0.2.2");
    EXPECT_EQ(e[0].mac, "00:1b:21:95:ca:63");
    EXPECT_EQ(e[0].device, "oyg1");
}

}  // namespace
}  // namespace oyster
