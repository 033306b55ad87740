// Host cgroup limits for one guest's UML process and everything it starts:
// memory (the guest's RAM plus what UML and its per-guest-process host
// processes need), number of processes, and at most one CPU, so one guest
// can neither exhaust the host nor starve the sensor and the other guests;
// and its CPU time, by which guest placement balances the CPUs.
//
// Where: /sys/fs/cgroup/<controller>/oyster/<guest id> on a cgroup v1 host,
// /sys/fs/cgroup/oyster/<guest id> on a cgroup v2 host (the `oyster` group
// has no processes of its own, so it may delegate controllers). A controller
// the host does not offer, or a hierarchy we may not write (a read-only
// /sys/fs/cgroup), is skipped and named in the returned notes; with none at
// all, the guest runs with rlimits only (see jail/guest_jail.h).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace oyster {

struct GuestCgroupLimits {
    std::uint64_t memory_bytes = 0;
    std::uint64_t max_processes = 0;
    std::uint32_t cpu_percent = 100;  // of one CPU
    // cgroup weight of all guests together (the `oyster` group) against the
    // host's other processes, 100 being theirs: below it, a miner in every
    // guest still leaves the portal and the capture readers their share.
    // 0 leaves it as it is.
    std::uint32_t all_guests_cpu_weight = 50;
    // Memory all guests together may take (the `oyster` group's limit):
    // guests are planned at less than the memory they are shown (kernel
    // patch 0030 gives the host back what a guest frees, see
    // sensor/capacity.h), and this is what keeps guests that all fill their
    // memory at once out of the host's reserve: the kernel's OOM killer
    // then stops one of them, not a host process. 0 leaves it as it is.
    std::uint64_t all_guests_memory_bytes = 0;
};

// What all guests may take of a host with `host_memory_bytes`: everything
// but the host's reserve, a tenth of its memory and at least 1 GiB (the
// sensor, the analyses, the page cache of the capture files).
std::uint64_t all_guests_memory_budget(std::uint64_t host_memory_bytes);

struct GuestCgroup {
    std::vector<std::string> procs_files;  // the cgroup.procs to join, one per hierarchy
    std::vector<std::string> notes;        // controllers that were not available
};

// Creates (or resets) the guest's cgroups with `limits`. `cgroup_root` is
// /sys/fs/cgroup except in tests. Throws oyster::Error naming the file when
// an available controller refuses a limit.
GuestCgroup create_guest_cgroup(const std::string& guest_id, const GuestCgroupLimits& limits,
                                const std::string& cgroup_root = "/sys/fs/cgroup");

// Removes them once their processes are gone; best effort (a cgroup that
// still holds a process stays, and is reused by the next start).
void remove_guest_cgroup(const std::string& guest_id, const std::string& cgroup_root = "/sys/fs/cgroup");

// CPU time the guest's processes have used (ns): cpuacct.usage on cgroup v1,
// cpu.stat's usage_usec on v2; nullopt without either.
std::optional<std::uint64_t> guest_cpu_time_ns(const std::string& guest_id,
                                               const std::string& cgroup_root = "/sys/fs/cgroup");

// Every thread of the guest's processes (host thread ids), from its cgroup;
// empty without one.
std::vector<pid_t> guest_threads(const std::string& guest_id, const std::string& cgroup_root = "/sys/fs/cgroup");

}  // namespace oyster
