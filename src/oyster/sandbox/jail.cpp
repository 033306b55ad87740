#include "oyster/sandbox/jail.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "oyster/common/error.h"

namespace oyster {
namespace {

// Host processes one guest may have (its kernel, helpers and one per guest
// process): an idle Debian guest has about 45.
constexpr rlim_t kMaxProcesses = 2048;
constexpr rlim_t kMaxOpenFiles = 1024;

void chown_path(const std::filesystem::path& p, uid_t uid, gid_t gid) {
    if (::lchown(p.c_str(), uid, gid) != 0) throw_errno("chown " + p.string());
}

}  // namespace

uid_t guest_uid(std::uint32_t slot) {
    return kGuestUidBase + slot;
}

ProcessJail guest_jail(const Config& cfg, const GuestRecord& g) {
    ProcessJail j;
    j.uid = guest_uid(g.slot);
    j.gid = guest_uid(g.slot);
    j.no_new_privs = true;
    j.private_tun = true;
    // UML's kernel process maps the guest's memory and a few MiB of its own;
    // its children map parts of that memory. Twice the memory plus 1 GiB
    // leaves room without letting one guest reserve the host's.
    rlim_t as = (rlim_t{cfg.guest.memory_mib} * 2 + 1024) << 20;
    j.limits = {{RLIMIT_AS, as}, {RLIMIT_NOFILE, kMaxOpenFiles}, {RLIMIT_NPROC, kMaxProcesses}, {RLIMIT_CORE, 0}};
    return j;
}

void prepare_guest_files(const GuestRecord& g) {
    uid_t uid = guest_uid(g.slot);
    std::filesystem::create_directories(g.uml_dir());
    chown_path(g.uml_dir(), uid, uid);
    ::chmod(g.uml_dir().c_str(), 0700);
    chown_path(g.cow, uid, uid);
    ::chmod(g.cow.c_str(), 0600);
    // Traversable (UML opens its COW file and runtime directory by path),
    // not listable or writable.
    chown_path(g.dir, 0, 0);
    if (::chmod(g.dir.c_str(), 0711) != 0) throw_errno("chmod " + g.dir.string());
}

void release_guest_files(const GuestRecord& g) {
    std::error_code ec;
    if (std::filesystem::exists(g.cow, ec)) ::lchown(g.cow.c_str(), 0, 0);
    if (std::filesystem::exists(g.uml_dir(), ec)) {
        for (auto it = std::filesystem::recursive_directory_iterator(g.uml_dir(), ec);
             !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
            ::lchown(it->path().c_str(), 0, 0);
        }
        ::lchown(g.uml_dir().c_str(), 0, 0);
    }
    // The directory stays traversable (0711): its files are root's again, and
    // a later guest may boot from this COW file (`guest start --cow`).
}

}  // namespace oyster
