// `oyster selftest containment`: boots two guests and proves, from inside
// one of them as its root, that the containment holds (the paper's test
// phase). Each probe is a real attempt, judged by what happened on the
// wire, not by reading the rules:
//   - TCP connections to the host's own addresses, to the other guest, to
//     LAN hosts (--lan, else the host's default gateway) and to cloud
//     metadata and control addresses must time out: dropped, not refused
//     or answered unreachable (either means the packet reached something);
//   - datagrams sent from a forged source address (outside the guest's
//     /30, and inside it) must never leave the host: a capture on the
//     interface they would leave by sees none, and the spoofed-drop
//     counter took them;
//   - at the UML boundary, a process under the first guest's own jail (as
//     an attacker who escaped its kernel would be) is refused the host's
//     files, /proc, the other guest's files, its own evidence, other taps,
//     the host's abstract sockets, the capture descriptor and the host's
//     processes (selftest/uml_boundary_probe.h), and the host processes its
//     guest processes run in map nothing but the guest's memory
//     (selftest/guest_process_maps.h);
//   - mail to anywhere lands in the host's sink (selftest/mail_probe.h);
//   - with real tools brought into the first guest and purged after
//     (Nmap, Ettercap, tcpdump: selftest/guest_tools.h): Nmap finds nothing
//     (selftest/guest_nmap_probe.h), ARP poisoning diverts nothing
//     (selftest/guest_arp_probe.h), and nothing of them is left;
//   - under load (selftest/load_probes.h): floods held at the caps, a disk
//     fill bounded by the guest's own disk, and the other guest still
//     answering while the first floods, fills and hogs.
// The guests and their disks are removed afterwards.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/platform.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

struct ContainmentRunOptions {
    // LAN hosts to try to reach (IPv4); empty: the host's default gateway,
    // if it has one.
    std::vector<std::string> lan;
    bool keep_guests = false;
};

struct ContainmentReport {
    std::string guest_id, other_guest_id;
    std::vector<CheckResult> probes;
    std::size_t failed() const;
};

// Throws oyster::Error when the guests cannot be booted or reached; a probe
// that cannot be made is a failed probe.
ContainmentReport run_containment_selftest(const Config& cfg, const Platform& platform,
                                           const ContainmentRunOptions& opts, std::ostream& log);

// What the in-guest TCP probe printed for each target ("<ip>:<port>
// connected|refused|unreachable|timeout"), by target; lines of another
// shape are ignored.
std::vector<std::pair<std::string, std::string>> parse_tcp_probe(const std::string& output);

}  // namespace oyster
