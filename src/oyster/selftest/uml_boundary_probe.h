// The containment selftest's probe at the UML boundary: what an attacker
// who escaped a guest's kernel into its UML process (a host process) can
// reach. `oyster-boundary-probe` (selftest/boundary_probe_main.cpp) runs
// under that guest's own jail (jail/guest_jail.h: uid, namespaces, root,
// limits, Landlock scopes and the UML seccomp filter, descriptor 3 a pipe
// as the capture's is, descriptor 4 a tun descriptor as its tap's is) and
// tries the host's files and /proc, another guest's files, this guest's
// own evidence, the tun device and its tap descriptor, the host's abstract
// unix sockets and IP/netlink/packet sockets, the capture descriptor, and
// the host's processes and privileges. Every attempt must
// be refused (an errno) or kill the process (the seccomp filter).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

struct BoundaryAttempt {
    std::string label;    // files group or "proc", "tun", "sockets", "capture", "processes"
    std::string attempt;  // "open:/etc/shadow", "TUNSETPERSIST", ...
    std::string outcome;  // "allowed", "denied ENOENT", "killed SIGSYS", "error ..."
};

// The probe's lines; lines of another shape are ignored.
std::vector<BoundaryAttempt> parse_boundary_probe(const std::string& output);

// One check per label in `labels` (named "uml_<label>"): it passes when the
// probe made at least one attempt of that label and none was allowed. A
// datagram that reached the host's abstract socket fails "sockets".
std::vector<CheckResult> judge_boundary(const std::vector<BoundaryAttempt>& attempts,
                                        const std::vector<std::pair<std::string, std::string>>& labels,
                                        std::size_t datagrams_received);

// Runs the probe as `self`'s escaped UML process, with `other` as the guest
// it must not reach. Throws oyster::Error when the probe cannot be started.
std::vector<CheckResult> probe_uml_boundary(const Config& cfg, const GuestRecord& self, const GuestRecord& other,
                                            std::ostream& log);

}  // namespace oyster
