// How many guests a sensor runs at once when sensor.max_guests = "auto":
// derived from the host's memory and cores and a guest's measured cost
// (docs/performance.md), with headroom for the host, the sensor and the
// analyses.
//
//   memory: a guest is planned at a quarter of guest.memory_mib plus
//           kGuestOverheadMib of UML's own. It costs the host what it
//           uses, not what it is shown (kernel patch 0030 returns what it
//           frees; bench/guest_memory: an idle 1 GiB guest is charged
//           about a tenth of it), and guests that all fill their memory at
//           once are held to all_guests_memory_budget() by the `oyster`
//           cgroup (jail/guest_cgroup.h), whose OOM killer then stops
//           a guest, never the host. UML's own: a filled guest with 400
//           processes is charged memory_mib + 43 MiB; its cgroup caps it
//           at memory_mib + 256 MiB.
//   cores:  kGuestsPerCore live guests per core. Most live guests are idle
//           (pooled, held by a scanner, engaged by an attacker who left);
//           an idle guest costs almost nothing (bench/sensor: 88 idle
//           guests on 2 cores before a boot took twice as long), a boot
//           ~7 s of one core, and each guest is capped at one core and
//           weighted below the sensor (jail/guest_cgroup.h), so a busy
//           one slows the others rather than the portal.
//   addresses: one /30 of network.guest_pool per guest.
//
// The smallest of the three, and never less than the pool plus one.
#pragma once

#include <cstdint>
#include <string>

#include "oyster/common/config.h"

namespace oyster::sensor {

constexpr std::uint32_t kGuestOverheadMib = 48;
// Shown memory per planned memory: a planning choice, not a measure. An
// idle 1 GiB guest is charged 96 MiB (bench/guest_memory), under the
// 304 MiB it is planned at; the `oyster` cgroup's limit stands behind it.
constexpr std::uint32_t kMemoryOvercommit = 4;
constexpr std::uint32_t kGuestsPerCore = 16;

struct HostResources {
    std::uint64_t memory_bytes = 0;
    unsigned cpus = 1;
};

// MemTotal of /proc/meminfo, and how many CPUs guests may run on
// (guest.cpus among those this process may run on).
HostResources host_resources(const Config& cfg);

struct Capacity {
    std::uint32_t max_guests = 1;
    unsigned cpus = 1;  // guests may run on (guest.cpus), read once: boots run one per core
    std::string why;    // "16 (cores: 2 x 8; memory allows 77; addresses 16384)"
};

// What auto_capacity() counts a guest of `guest_memory_mib` at (MiB).
std::uint32_t guest_planned_mib(std::uint32_t guest_memory_mib);

Capacity auto_capacity(const HostResources& host, std::uint32_t guest_memory_mib, std::uint32_t address_slots,
                       std::uint32_t pool_size);

// sensor.max_guests, or the auto capacity when it is 0.
Capacity sensor_capacity(const Config& cfg);

}  // namespace oyster::sensor
