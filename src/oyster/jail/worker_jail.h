// The forensics worker's jail (forensics/analysis_worker.h runs it): what
// the process that parses an intruder's disk with libext2fs, libmagic and
// libyara may reach, should a parser bug turn into code execution.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <vector>

#include "oyster/jail/process_jail.h"

namespace oyster {

// The host uid and gid the worker runs as: uid 0 of a user namespace of its
// own (jail/user_namespace.h) that maps no other id. It owns no host
// file: what it creates through its idmapped view is stored as root's.
inline constexpr uid_t kForensicsWorkerUid = 4056999;

struct WorkerJailSpec {
    std::filesystem::path program;                       // the worker's binary (its libraries are bound too)
    std::vector<std::filesystem::path> magic_databases;  // libmagic's database files
    std::filesystem::path yara_rules;                    // empty: none
    std::filesystem::path image;                         // the guest's base image
    std::filesystem::path guest_dir;                     // absolute
    std::filesystem::path cow;                           // bound on its own when outside guest_dir
    std::filesystem::path evidence_dir;                  // the blob store, written
    std::filesystem::path staging;                       // an empty host directory the root is assembled on
    // A user namespace whose uid 0 is kForensicsWorkerUid, or -1: host uid 0.
    int user_namespace_fd = -1;
};

// No capabilities and no_new_privs; its own user namespace (or host uid 0
// without capabilities); its own pid, mount, network (no network but a
// loopback), IPC and UTS namespaces; Landlock scopes when the host has
// them; the worker's seccomp filter (jail/seccomp_policy.h); a root holding
// only the program and its libraries, /dev/null and urandom, libmagic's
// database (read-only), the YARA rules, the base image and the guest
// directory (read-only, root's files shown as its own), and, writable, the
// guest's forensics/ directory and the blob store. No other host file, no
// /proc (but under AddressSanitizer, whose runtime reads it: a read-only
// one of its own), no /sys.
ProcessJail worker_jail(const WorkerJailSpec& spec);

}  // namespace oyster
