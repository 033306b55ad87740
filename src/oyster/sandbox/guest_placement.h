// Which host CPU a guest's processes run on (`[guest] placement`, `cpus`).
//
// Every guest system call is a ptrace stop: the guest process's host process
// stops, UML's kernel thread runs, then the guest process again. When the
// two may run on different CPUs, the host scheduler wakes the other one, and
// on a virtual machine whose idle CPUs halt, each wake is an exit to the
// hypervisor. bench/placement, on an idle 2-vCPU host: a guest's getppid()
// 61 µs with its processes free, 18 µs on one CPU; fork+exec 12.1 ms against
// 5.8 ms; a boot 7.1 s against 4.4 s. A guest uses at most one CPU anyway
// (UML has one virtual CPU, and the guest's cgroup caps it at one), so the
// pinning costs it nothing; and two busy guests on CPUs of their own ran
// fork+exec at 5.2 ms each, on one shared CPU at 20.5 ms.
//
//   spread (the default): each guest on one CPU, the one of `cpus` that the
//           fewest live guests are on;
//   single: every guest on one CPU, the last of `cpus` (the others stay for
//           the sensor and the host);
//   free:   the host scheduler decides (each hand-off may cross CPUs).
// docs/performance.md has the whole measurement.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "oyster/common/config.h"

namespace oyster {

// The CPUs guests may use: `configured` (a CPU list; empty means all) among
// those this process may run on. Throws oyster::Error naming `key` when a
// configured CPU is not one of them.
std::vector<int> guest_cpus(const std::string& configured, const std::string& key);
// The same for `cfg`'s guest.cpus, named with its file in errors.
std::vector<int> guest_cpus(const Config& cfg);

// The CPU for a new guest, given the CPUs the live guests are pinned to;
// -1 for `free` (no pinning). `cpus` must not be empty.
int choose_guest_cpu(GuestPlacement placement, const std::vector<int>& cpus, const std::vector<int>& live_guest_cpus);

// Pinning by count alone can leave two busy guests (miners, say) sharing a
// CPU while another idles, each then at half speed, a timing tell. So the
// sensor measures each guest's CPU use every few seconds and moves one guest
// at a time: the move that most lowers the busiest CPU's load, when it
// lowers it by at least kRebalanceGain CPUs (guests mostly idle do not move).
inline constexpr double kRebalanceGain = 0.25;

struct GuestLoad {
    std::string id;
    int cpu = -1;            // pinned to; -1 (not pinned) is never moved
    double cpus_used = 0.0;  // over the last interval: 1.0 is a whole CPU
};

struct PlacementMove {
    std::string id;
    int from = -1, to = -1;
    double from_load = 0.0, to_load = 0.0;  // the two CPUs' loads before it
};

std::optional<PlacementMove> rebalance_move(const std::vector<int>& cpus, const std::vector<GuestLoad>& guests);

// Pins every thread of the guest's cgroup (jail/guest_cgroup.h) to `cpu`,
// pass after pass until a pass finds none left elsewhere (a thread forked
// meanwhile inherits the old CPU). Returns how many threads it moved; a
// thread that exits meanwhile is no error. Throws oyster::Error.
std::size_t pin_guest(const std::string& guest_id, int cpu, const std::string& cgroup_root = "/sys/fs/cgroup");

}  // namespace oyster
