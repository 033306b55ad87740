// The jail each UML process runs in, so that an attacker who escapes the
// guest kernel into the UML process (a host process) holds as little as
// possible (docs/threat-model.md):
//   - its own unprivileged uid and gid, kGuestUidBase + the guest's slot:
//     no two live guests share one, and none is root;
//   - no supplementary groups, no_new_privs (setuid programs give nothing);
//   - its own pid namespace: it sees and can signal only its own processes,
//     and they all die with it;
//   - its own network namespace, empty (a loopback, down): its tap comes in
//     as descriptor kTapFd, attached by the launcher, so it reaches no
//     host interface, address or abstract unix socket, and needs no
//     /dev/net/tun;
//   - its own mount namespace whose root is a read-only tmpfs holding only
//     the kernel binary and the libraries it loads, the base image
//     (read-only), its COW file and runtime directory, /dev/null, random,
//     a private /dev/shm for UML's memory file, and a copy of the host's
//     /proc/cpuinfo (UML reads the host CPU's features from it). No other
//     host file, no /proc, no /sys;
//   - a seccomp allowlist (sandbox/seccomp_policy.h);
//   - cgroup limits when the host has them (sandbox/guest_cgroup.h);
//   - rlimits: address space (guest memory + headroom), open files,
//     processes per uid (a fork bomb in the guest stops there: each guest
//     process is a host process), no core dumps;
//   - an environment of its own (not the sensor's).
// Files: the guest directory stays root's (mode 0711); only the COW disk and
// UML's runtime directory (mconsole socket) are the uid's, and only they are
// in its view. When the guest stops they are given back to root, so a later
// guest on the same slot (same uid) cannot read them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/common/process.h"
#include "oyster/sandbox/guest_record.h"

namespace oyster {

inline constexpr uid_t kGuestUidBase = 4057000;

// The descriptor the guest kernel writes its capture stream to.
inline constexpr int kCaptureFd = 3;
// The guest's tap, attached by the launcher (net/tap.h attach_tap).
inline constexpr int kTapFd = 4;

// Where, in the jail, the guest kernel finds its firmware's SMBIOS table
// (sandbox/smbios_table.h; the launcher adds the file).
inline constexpr const char* kBiosAreaFile = "/bios.rom";
// The modules the guest lists (sandbox/shown_modules.h), in the jail too.
inline constexpr const char* kShownModulesFile = "/modules";

uid_t guest_uid(std::uint32_t slot);

// The largest file the UML process may write (RLIMIT_FSIZE): its COW file
// grows to the disk's size and its memory file to the guest's memory, plus
// 64 MiB; its console log, which the guest can flood, stops there too (the
// process then dies of SIGXFSZ: the guest stops). The capture is not its
// to write (capture/capture_writer.h).
rlim_t guest_file_size_limit(const Config& cfg, const GuestRecord& g);

// The restrictions for the UML process of guest `g`, and the environment
// it runs with (`extra_env` plus what UML needs). `notes` gets what could
// not be applied on this host (missing cgroup controllers). Throws
// oyster::Error.
ProcessJail guest_jail(const Config& cfg, const GuestRecord& g, std::vector<std::string>& notes);

// Hands the COW file and the UML runtime directory to the guest's uid, makes
// the jail's staging directory and closes the guest directory to everyone
// else. Throws oyster::Error.
void prepare_guest_files(const GuestRecord& g);

// Gives them back to root after the guest has stopped, and removes its cgroups.
void release_guest_files(const GuestRecord& g);

}  // namespace oyster
