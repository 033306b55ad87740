#include "oyster/sensor/capacity.h"

#include <algorithm>

#include <fmt/format.h>

#include "oyster/common/ipv4.h"
#include "oyster/jail/guest_cgroup.h"
#include "oyster/sandbox/guest_placement.h"
#include "oyster/sandbox/host_checks.h"

namespace oyster::sensor {

HostResources host_resources(const Config& cfg) {
    HostResources r;
    r.memory_bytes = host_memory_bytes();
    // Guests run only on these (and a bad list stops the sensor here, at its start).
    r.cpus = static_cast<unsigned>(std::max<std::size_t>(1, guest_cpus(cfg).size()));
    return r;
}

std::uint32_t guest_planned_mib(std::uint32_t guest_memory_mib) {
    return guest_memory_mib / kMemoryOvercommit + kGuestOverheadMib;
}

Capacity auto_capacity(const HostResources& host, std::uint32_t guest_memory_mib, std::uint32_t address_slots,
                       std::uint32_t pool_size) {
    constexpr std::uint64_t kMib = std::uint64_t{1024} * 1024;
    std::uint64_t usable = all_guests_memory_budget(host.memory_bytes);
    std::uint64_t per_guest_mib = guest_planned_mib(guest_memory_mib);
    std::uint64_t per_guest = per_guest_mib * kMib;
    auto by_memory = static_cast<std::uint32_t>(std::min<std::uint64_t>(usable / per_guest, 100000));
    std::uint32_t by_cores = host.cpus * kGuestsPerCore;
    Capacity c;
    c.cpus = host.cpus;
    c.max_guests = std::max({std::min({by_memory, by_cores, address_slots}), pool_size + 1, 1U});
    c.why = fmt::format("{} (cores: {} x {}; memory allows {} of {} MiB; addresses {})", c.max_guests, host.cpus,
                        kGuestsPerCore, by_memory, per_guest_mib, address_slots);
    return c;
}

Capacity sensor_capacity(const Config& cfg) {
    auto host = host_resources(cfg);
    if (cfg.sensor.max_guests != 0) {
        return {cfg.sensor.max_guests, host.cpus, fmt::format("{} (sensor.max_guests)", cfg.sensor.max_guests)};
    }
    std::uint32_t slots = 1;
    if (auto pool = parse_ipv4_network(cfg.network.guest_pool); pool && pool->prefix_len <= 30) {
        slots = pool->prefix_len <= 2 ? (1U << 28) : (1U << (30 - pool->prefix_len));
    }
    return auto_capacity(host, cfg.guest.memory_mib, slots, cfg.sensor.pool_size);
}

}  // namespace oyster::sensor
