#include "oyster/sensor/capacity.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "oyster/net/ipv4.h"
#include "oyster/sandbox/guest_placement.h"

namespace oyster::sensor {

HostResources host_resources(const Config& cfg) {
    HostResources r;
    std::ifstream in("/proc/meminfo");
    std::string key;
    std::uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib) {
        std::getline(in, unit);
        if (key == "MemTotal:") {
            r.memory_bytes = kib * 1024;
            break;
        }
    }
    // Guests run only on these (and a bad list stops the sensor here, at its start).
    r.cpus = static_cast<unsigned>(std::max<std::size_t>(1, guest_cpus(cfg).size()));
    return r;
}

Capacity auto_capacity(const HostResources& host, std::uint32_t guest_memory_mib, std::uint32_t address_slots,
                       std::uint32_t pool_size) {
    constexpr std::uint64_t kMib = std::uint64_t{1024} * 1024;
    std::uint64_t reserve = std::max<std::uint64_t>(1024 * kMib, host.memory_bytes / 10);
    std::uint64_t usable = host.memory_bytes > reserve ? host.memory_bytes - reserve : 0;
    std::uint64_t per_guest = (std::uint64_t{guest_memory_mib} + kGuestOverheadMib) * kMib;
    auto by_memory = static_cast<std::uint32_t>(std::min<std::uint64_t>(usable / per_guest, 100000));
    std::uint32_t by_cores = host.cpus * kGuestsPerCore;
    Capacity c;
    c.cpus = host.cpus;
    c.max_guests = std::max({std::min({by_memory, by_cores, address_slots}), pool_size + 1, 1U});
    c.why = fmt::format("{} (cores: {} x {}; memory allows {} of {} MiB; addresses {})", c.max_guests, host.cpus,
                        kGuestsPerCore, by_memory, guest_memory_mib + kGuestOverheadMib, address_slots);
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
