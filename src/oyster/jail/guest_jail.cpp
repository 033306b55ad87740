#include "oyster/jail/guest_jail.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/process.h"
#include "oyster/jail/guest_cgroup.h"
#include "oyster/jail/landlock_scope.h"
#include "oyster/jail/seccomp_policy.h"

namespace oyster {
namespace {

// Host processes one guest may have (its kernel, helpers and one per guest
// process): an idle Debian guest has about 45.
constexpr rlim_t kMaxProcesses = 2048;
constexpr rlim_t kMaxOpenFiles = 1024;
// Host memory a guest needs beyond its RAM: UML's own text and data, page
// tables and stub pages of each guest process (measured: docs/threat-model.md).
constexpr std::uint64_t kMemoryHeadroomMib = 256;
// Beyond the disk's (or memory's) size, what the COW file's header and
// bitmap take, with room to spare.
constexpr std::uint64_t kFileSizeHeadroomMib = 64;

void chown_path(const std::filesystem::path& p, uid_t uid, gid_t gid) {
    if (::lchown(p.c_str(), uid, gid) != 0) throw_errno("chown " + p.string());
}

}  // namespace

rlim_t guest_file_size_limit(std::uint64_t disk_bytes, std::uint64_t memory_bytes) {
    return static_cast<rlim_t>(std::max(disk_bytes, memory_bytes) + (kFileSizeHeadroomMib << 20));
}

uid_t guest_uid(std::uint32_t slot) {
    return kGuestUidBase + slot;
}

ProcessJail guest_jail(const GuestJailSpec& spec, std::vector<std::string>& notes) {
    const GuestJailFiles& g = spec.files;
    ProcessJail j;
    j.uid = guest_uid(g.slot);
    j.gid = guest_uid(g.slot);
    j.no_new_privs = true;
    j.new_pid_namespace = true;
    j.new_net_namespace = true;
    j.new_ipc_uts_namespaces = true;
    j.clean_environment = true;
    // UML's kernel process maps the guest's memory and a few MiB of its own;
    // its children map parts of that memory. Twice the memory plus 1 GiB
    // leaves room without letting one guest reserve the host's.
    rlim_t as = (rlim_t{spec.memory_mib} * 2 + 1024) << 20;
    j.limits = {{RLIMIT_AS, as},
                {RLIMIT_NOFILE, kMaxOpenFiles},
                {RLIMIT_NPROC, kMaxProcesses},
                {RLIMIT_CORE, 0},
                {RLIMIT_FSIZE, spec.file_size_limit}};

    using Kind = JailEntry::Kind;
    j.root_staging = g.jail_dir.string();
    j.root.push_back({Kind::bind_read_only, spec.kernel.string(), spec.kernel.string(), true});
    for (const auto& lib : shared_libraries_of(spec.kernel.string()))
        j.root.push_back({Kind::bind_read_only, lib, lib, true});
    j.root.push_back({Kind::bind_read_only, spec.image.string(), spec.image.string()});
    j.root.push_back({Kind::bind_writable, g.cow.string(), g.cow.string()});
    j.root.push_back({Kind::bind_writable, g.uml_dir.string(), g.uml_dir.string()});
    for (const char* dev : {"/dev/null", "/dev/random", "/dev/urandom"})
        j.root.push_back({Kind::bind_device, dev, dev});
    // UML's memory file: the guest's RAM, mapped executable. /dev/shm is
    // UML's own first choice, and not a place a state directory is bound.
    j.root.push_back({Kind::tmpfs, "/dev/shm",
                      fmt::format("mode=0700,uid={},gid={},size={}m", j.uid, j.gid, spec.memory_mib + 64), true});
    // What the guest kernel reads for host CPU features, and shows as the
    // guest's /proc/cpuinfo (kernel patch 0005).
    j.root.push_back({Kind::text_file, "/proc/cpuinfo", spec.cpuinfo});

    GuestCgroupLimits limits;
    limits.memory_bytes = (std::uint64_t{spec.memory_mib} + kMemoryHeadroomMib) << 20;
    limits.max_processes = kMaxProcesses;
    limits.cpu_percent = 100;
    limits.all_guests_memory_bytes = spec.all_guests_memory_bytes;
    GuestCgroup cgroup = create_guest_cgroup(g.guest_id, limits);
    j.cgroup_procs = cgroup.procs_files;
    notes = cgroup.notes;
    // UML's kernel thread and the guest's processes hand the CPU to each
    // other at every system call; on one CPU that hand-off wakes no other.
    j.cpus = spec.cpus;

    // Abstract unix sockets belong to a network namespace: the jail's own
    // holds none of the host's; scoping is a second wall
    // (jail/landlock_scope.h).
    if (landlock_can_scope()) {
        j.landlock_scopes = kLandlockScopeAbstractUnix | kLandlockScopeSignal;
    } else {
        notes.push_back(
            "Landlock scoping is unavailable (host kernel before 6.12, or landlock not in lsm=): only the jail's "
            "network and pid namespaces keep the UML process from the host's abstract unix sockets and processes");
    }
    j.seccomp_program = uml_seccomp_program(spec.capture ? kCaptureFd : -1, seccomp_violation_from_environment());
    return j;
}

void prepare_guest_files(const GuestJailFiles& g) {
    uid_t uid = guest_uid(g.slot);
    std::filesystem::create_directories(g.uml_dir);
    // A runtime directory left by an earlier run of this guest holds a pid
    // file UML would take for a live instance.
    std::error_code ec;
    std::filesystem::remove_all(g.uml_dir / g.guest_id, ec);
    chown_path(g.uml_dir, uid, uid);
    ::chmod(g.uml_dir.c_str(), 0700);
    chown_path(g.cow, uid, uid);
    ::chmod(g.cow.c_str(), 0600);
    std::filesystem::create_directories(g.jail_dir);
    ::chmod(g.jail_dir.c_str(), 0700);
    // Not listable or writable by anyone else (UML itself reaches its COW
    // file and runtime directory through the jail's bind mounts).
    chown_path(g.guest_dir, 0, 0);
    if (::chmod(g.guest_dir.c_str(), 0711) != 0) throw_errno("chmod " + g.guest_dir.string());
}

void release_guest_files(const GuestJailFiles& g) {
    std::error_code ec;
    if (std::filesystem::exists(g.cow, ec)) ::lchown(g.cow.c_str(), 0, 0);
    if (std::filesystem::exists(g.uml_dir, ec)) {
        for (auto it = std::filesystem::recursive_directory_iterator(g.uml_dir, ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            ::lchown(it->path().c_str(), 0, 0);
        }
        ::lchown(g.uml_dir.c_str(), 0, 0);
    }
    remove_guest_cgroup(g.guest_id);
    ::rmdir(g.jail_dir.c_str());
    // The directory stays traversable (0711): its files are root's again, and
    // a later guest may boot from this COW file (`guest start --cow`).
}

}  // namespace oyster
