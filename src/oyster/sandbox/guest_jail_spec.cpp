#include "oyster/sandbox/guest_jail_spec.h"

#include <filesystem>

#include "oyster/common/paths.h"
#include "oyster/disguise/guest_cpuinfo.h"
#include "oyster/jail/guest_cgroup.h"
#include "oyster/sandbox/guest_placement.h"
#include "oyster/sandbox/host_checks.h"

namespace oyster {

GuestJailFiles guest_jail_files(const GuestRecord& g) {
    return {.guest_id = g.id,
            .slot = g.slot,
            .guest_dir = g.dir,
            .cow = g.cow,
            .uml_dir = g.uml_dir(),
            .jail_dir = g.jail_dir()};
}

rlim_t guest_file_size_limit(const Config& cfg, const GuestRecord& g) {
    std::error_code ec;
    std::uint64_t disk = std::filesystem::file_size(g.image, ec);
    if (ec) disk = std::uint64_t{cfg.guest.image_size_mib} << 20;
    return guest_file_size_limit(disk, std::uint64_t{cfg.guest.memory_mib} << 20);
}

GuestJailSpec guest_jail_spec(const Config& cfg, const GuestRecord& g) {
    GuestJailSpec spec;
    spec.files = guest_jail_files(g);
    spec.kernel = g.kernel;
    spec.image = g.image;
    spec.memory_mib = cfg.guest.memory_mib;
    spec.file_size_limit = guest_file_size_limit(cfg, g);
    spec.cpus = g.cpu >= 0 ? std::vector<int>{g.cpu} : guest_cpus(cfg);
    spec.capture = cfg.capture.enabled;
    spec.cpuinfo = guest_cpuinfo(read_file("/proc/cpuinfo"));
    spec.all_guests_memory_bytes = all_guests_memory_budget(host_memory_bytes());
    return spec;
}

}  // namespace oyster
