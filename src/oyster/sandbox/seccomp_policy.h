// The host system calls a UML process may make, as a seccomp filter: what
// UML's kernel, its I/O helper threads and the stubs in each guest process
// need (measured, see docs/threat-model.md), and nothing that would let an
// attacker who took over the process reach further: no IP, netlink or packet
// sockets, no connect(), no new mounts or namespaces, no kernel keyrings,
// BPF, perf, io_uring, userfaultfd or module loading.
//
// The guest's own system calls never reach this filter: UML intercepts them
// with PTRACE_SYSEMU, which skips them on the host before seccomp runs.
//
// The capture descriptor (`protected_fd`) is append-only evidence: it may be
// written, never truncated, hole-punched, ioctl()ed, duplicated or have its flags
// changed, so a takeover cannot erase what was already recorded. Every
// argument rule compares what the kernel reads: a descriptor's low 32 bits,
// whatever the upper half of the register holds.
#pragma once

#include <linux/filter.h>

#include <vector>

namespace oyster {

enum class SeccompViolation {
    kill,  // the whole UML process is killed (the default)
    log,   // allowed and logged by the host kernel (audit type 1326): for
           // finding a missing call after a kernel upgrade
};

// `protected_fd` < 0: no descriptor is protected (capture is off, and UML's
// own first descriptor may be 3). Throws oyster::Error if libseccomp cannot
// build the program.
std::vector<sock_filter> uml_seccomp_program(int protected_fd, SeccompViolation on_violation);

}  // namespace oyster
