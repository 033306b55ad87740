// The host system calls a jailed process may make, as seccomp filters. For
// the UML process (uml_seccomp_program): what
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

// The forensics worker's filter (forensics/analysis_worker.h): the calls it
// makes from its execve to its exit, and nothing that starts a process or
// thread, traces, mounts, enters namespaces or opens a socket but the one
// netlink socket of its confinement summary. The sanitizer build adds what
// its runtime needs (LeakSanitizer's clone and ptrace at exit).
std::vector<sock_filter> forensics_worker_seccomp_program(SeccompViolation on_violation);

// kill, or log when OYSTER_SECCOMP_LOG=1 is set (diagnostics only: to find
// a call a new kernel or library version makes).
SeccompViolation seccomp_violation_from_environment();

}  // namespace oyster
