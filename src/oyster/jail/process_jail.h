// Starting long-lived processes (a guest's UML process, the forensics
// worker, the selftest's helpers) in a session of their own, and the jail
// each gives up its rights in before it runs: namespaces, a root of its own,
// ids, rlimits, cgroups, capabilities, Landlock scopes and a seccomp filter,
// applied in that order after fork, or the process does not run at all.
// The jails' specifications are beside it: guest_jail.h (UML's) and
// worker_jail.h (the forensics worker's).
#pragma once

#include <linux/filter.h>
#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace oyster {

// One thing the jailed process's filesystem holds (see ProcessJail::root).
// `target` is the absolute path inside the jail; its parent directories are
// made as needed (root-owned, 0755).
struct JailEntry {
    enum class Kind {
        bind_read_only,  // `source` (a host file or directory), read-only, nosuid, nodev, noexec unless exec
        bind_writable,   // `source`, writable, nosuid, nodev
        bind_device,     // `source` (a host device node such as /dev/null), read-only mount
        tmpfs,           // a fresh tmpfs; `source` holds its mount options ("size=...,mode=...")
        text_file,       // a read-only file whose contents are `source`
        proc,            // a read-only procfs of the process's own pid namespace
    };
    Kind kind = Kind::bind_read_only;
    std::string target;
    std::string source;
    bool exec = false;  // bind_read_only/tmpfs: programs may be run or mapped executable from it
    // bind_read_only/bind_writable in a jail with a user namespace: an
    // idmapped mount through it (jail/user_namespace.h), so host root's
    // files there are the process's own (its uid 0) and what it creates is
    // root's on the host disk.
    bool idmapped = false;
};

// What a spawned process gives up before it runs (see jail/guest_jail.h). Each
// part is optional; all that are given are applied, or the process does not
// run at all.
struct ProcessJail {
    uid_t uid = 0;  // 0 keeps root
    gid_t gid = 0;
    // When >= 0: a user namespace (jail/user_namespace.h) the process
    // enters once its root is assembled, as that namespace's uid and gid 0
    // (an unprivileged host id) with no supplementary group: it owns no host
    // file but what idmapped entries show it. Stays the caller's to close.
    // Not with `uid` (the namespace decides the ids) nor `cgroup_procs`.
    int user_namespace_fd = -1;
    std::vector<std::pair<int, rlim_t>> limits;  // RLIMIT_*, soft = hard
    bool no_new_privs = false;
    // Its own pid namespace: it is pid 1 there, sees and signals only its
    // own descendants, and all of them die with it.
    bool new_pid_namespace = false;
    // Its own network namespace: only a loopback interface, which is down.
    bool new_net_namespace = false;
    // Its own IPC and UTS namespaces: no System V IPC object or POSIX
    // message queue shared with the host's processes, and a host name of
    // its own to set.
    bool new_ipc_uts_namespaces = false;
    // For a process that keeps uid 0 (host root, to read and write root's
    // files in its view, or its user namespace's root): no capabilities before or after execve (bounding, ambient,
    // effective, permitted and inheritable sets emptied; securebits locked so
    // uid 0 gains none back), so it cannot mount, make device nodes, trace
    // or signal others, or pass a file's permission bits.
    bool drop_capabilities = false;
    // Landlock scopes (jail/landlock_scope.h) it restricts itself to after
    // no_new_privs: no abstract unix socket or signal outside its domain.
    // 0: none (the caller checks landlock_can_scope() first).
    std::uint64_t landlock_scopes = 0;
    // When not empty: a private mount namespace whose root is a fresh
    // read-only tmpfs holding only `root` (entered with pivot_root; the
    // host's filesystem is not reachable from it). `root_staging` is an empty
    // host directory the new root is assembled on.
    std::string root_staging;
    std::vector<JailEntry> root;
    // cgroup.procs files the process joins before anything else.
    std::vector<std::string> cgroup_procs;
    // The CPUs it and everything it starts may run on; empty: any. (The
    // seccomp filter should then deny sched_setaffinity, or it may move.)
    std::vector<int> cpus;
    // A seccomp filter installed just before execve (see jail/seccomp_policy.h).
    std::vector<sock_filter> seccomp_program;
    // The environment is `extra_env` only, not the caller's (which may hold
    // secrets).
    bool clean_environment = false;
};
// Empty when every idmapped entry of `jail` can be bound through its user
// namespace on this host; otherwise why the first one cannot (its
// filesystem has no idmapped mounts: tmpfs before Linux 6.3, NFS, ramfs).
std::string idmapped_refusal(const ProcessJail& jail);

// Starts argv in a new session (its own process group) with stdin from
// /dev/null, stdout+stderr appended to `log_file`, the environment plus
// `extra_env` ("NAME=value"), `pass_fd` (when >= 0) as descriptor 3 and no
// other descriptor of ours, and `jail` (when given) applied before exec; a
// jail that cannot be applied makes the child write the failed step to
// `log_file` and exit 126 rather than run unjailed. Returns the pid (as the
// caller's pid namespace sees it).
pid_t spawn_session(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const std::vector<std::string>& extra_env = {}, int pass_fd = -1,
                    const ProcessJail* jail = nullptr);
// The same with stdout+stderr on `output_fd` (a pipe to a writer), which
// stays the caller's to close.
pid_t spawn_session(const std::vector<std::string>& argv, int output_fd, const std::vector<std::string>& extra_env = {},
                    int pass_fd = -1, const ProcessJail* jail = nullptr);
// The same passing several descriptors: `pass_fds[i]` becomes descriptor
// 3 + i (-1 leaves that number closed); at most kMaxPassedFds.
inline constexpr std::size_t kMaxPassedFds = 8;
pid_t spawn_session(const std::vector<std::string>& argv, int output_fd, const std::vector<std::string>& extra_env,
                    const std::vector<int>& pass_fds, const ProcessJail* jail);

}  // namespace oyster
