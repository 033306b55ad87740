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
//   - a seccomp allowlist (jail/seccomp_policy.h);
//   - cgroup limits when the host has them (jail/guest_cgroup.h);
//   - rlimits: address space (guest memory + headroom), open files,
//     processes per uid (a fork bomb in the guest stops there: each guest
//     process is a host process), no core dumps;
//   - an environment of its own (not the sensor's).
// Files: the guest directory stays root's (mode 0711); only the COW disk and
// UML's runtime directory (mconsole socket) are the uid's, and only they are
// in its view. When the guest stops they are given back to root, so a later
// guest on the same slot (same uid) cannot read them.
// The launcher fills a GuestJailSpec from the guest's record and the
// configuration (sandbox/guest_jail_spec.h); what the jail is, is all here.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "oyster/jail/process_jail.h"

namespace oyster {

inline constexpr uid_t kGuestUidBase = 4057000;

// The descriptor the guest kernel writes its capture stream to.
inline constexpr int kCaptureFd = 3;
// The guest's tap, attached by the launcher (net/tap.h attach_tap).
inline constexpr int kTapFd = 4;

// Where, in the jail, the guest kernel finds its firmware's SMBIOS table
// (disguise/smbios_table.h; the launcher adds the file).
inline constexpr const char* kBiosAreaFile = "/bios.rom";
// The modules the guest lists (disguise/shown_modules.h), in the jail too.
inline constexpr const char* kShownModulesFile = "/modules";

uid_t guest_uid(std::uint32_t slot);

// The files of a guest the jail hands to its uid and back.
struct GuestJailFiles {
    std::string guest_id;
    std::uint32_t slot = 0;
    std::filesystem::path guest_dir;  // root's, 0711
    std::filesystem::path cow;        // the uid's, 0600
    std::filesystem::path uml_dir;    // UML's runtime directory (mconsole), the uid's, 0700
    std::filesystem::path jail_dir;   // the staging directory the jail's root is assembled on
};

// What the UML process of one guest is jailed with.
struct GuestJailSpec {
    GuestJailFiles files;
    std::filesystem::path kernel;  // the UML binary (its libraries are bound too)
    std::filesystem::path image;   // the base image, read-only
    std::uint32_t memory_mib = 0;
    rlim_t file_size_limit = 0;  // guest_file_size_limit()
    std::vector<int> cpus;       // the CPUs it may run on; empty: any
    bool capture = false;        // the capture stream on kCaptureFd
    std::string cpuinfo;         // what UML reads as the host's /proc/cpuinfo (and shows)
    // What all guests together may take (jail/guest_cgroup.h), 0 to leave it.
    std::uint64_t all_guests_memory_bytes = 0;
};

// The largest file the UML process may write (RLIMIT_FSIZE): its COW file
// grows to the disk's size and its memory file to the guest's memory, plus
// 64 MiB; its console log, which the guest can flood, stops there too (the
// process then dies of SIGXFSZ: the guest stops). The capture is not its
// to write (capture/capture_writer.h).
rlim_t guest_file_size_limit(std::uint64_t disk_bytes, std::uint64_t memory_bytes);

// The restrictions for the UML process `spec` describes. `notes` gets what
// could not be applied on this host (missing cgroup controllers, no
// Landlock scoping). Throws oyster::Error.
ProcessJail guest_jail(const GuestJailSpec& spec, std::vector<std::string>& notes);

// Hands the COW file and the UML runtime directory to the guest's uid, makes
// the jail's staging directory and closes the guest directory to everyone
// else. Throws oyster::Error.
void prepare_guest_files(const GuestJailFiles& f);

// Gives them back to root after the guest has stopped, and removes its cgroups.
void release_guest_files(const GuestJailFiles& f);

}  // namespace oyster
