#include "oyster/jail/process_jail.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "oyster/common/child_exec.h"
#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/jail/landlock_scope.h"
#include "oyster/jail/user_namespace.h"

namespace oyster {
namespace {

using child_exec::child_fail;
using child_exec::environment_with;
using child_exec::to_argv;
using child_exec::write_child_failure;

// A jail's root, resolved before fork (the child may not allocate): every
// path as the host sees it while the new root is assembled on the staging
// directory, parents first.
struct PreparedRoot {
    struct Step {
        const JailEntry* entry;
        std::string host_target;  // staging + target
        bool source_is_directory = false;
    };
    std::vector<std::string> directories;  // staging + each parent directory, in order
    std::vector<Step> steps;
};

PreparedRoot prepare_root(const ProcessJail& jail) {
    PreparedRoot out;
    auto add_parents = [&](const std::filesystem::path& target) {
        std::filesystem::path walk;
        for (const auto& part : target.parent_path().relative_path()) {
            walk /= part;
            std::string host = jail.root_staging + "/" + walk.string();
            auto& dirs = out.directories;
            if (std::find(dirs.begin(), dirs.end(), host) == dirs.end()) dirs.push_back(host);
        }
    };
    for (const auto& e : jail.root) {
        std::filesystem::path target(e.target);
        if (!target.is_absolute() || target.lexically_normal() != target || target == "/") {
            throw Error("jail: target must be a normalized absolute path: " + e.target);
        }
        add_parents(target);
        PreparedRoot::Step step{&e, jail.root_staging + e.target};
        if (e.kind == JailEntry::Kind::bind_read_only || e.kind == JailEntry::Kind::bind_writable ||
            e.kind == JailEntry::Kind::bind_device) {
            std::error_code ec;
            step.source_is_directory = std::filesystem::is_directory(e.source, ec);
            if (!std::filesystem::exists(e.source, ec)) throw Error("jail: no such file to bind: " + e.source);
        }
        out.steps.push_back(std::move(step));
    }
    return out;
}

// After fork, as host root: binds `e.source` at `target` through an idmapped
// mount of `user_namespace_fd` (only a detached copy of a mount can take an
// idmap: made, then attached). Returns the failed step or nullptr.
const char* bind_idmapped(const JailEntry& e, const char* target, int user_namespace_fd) {
    if (user_namespace_fd < 0) return "idmapped bind without a user namespace";
    std::uint64_t attrs = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
    if (e.kind != JailEntry::Kind::bind_writable) attrs |= MOUNT_ATTR_RDONLY;
    if (!e.exec) attrs |= MOUNT_ATTR_NOEXEC;
    const char* failed = nullptr;
    int tree = open_idmapped_tree(e.source.c_str(), attrs, user_namespace_fd, &failed);
    if (tree < 0) return failed;
    if (::move_mount(tree, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0) failed = "move_mount (idmapped bind)";
    int err = errno;
    ::close(tree);
    errno = err;
    return failed;
}

// After fork, as root, in a fresh mount namespace: assembles the new root on
// the staging directory and pivots into it. Returns the failed step or nullptr.
const char* enter_root(const ProcessJail& jail, const PreparedRoot& root, int user_namespace_fd) {
    // Private: nothing mounted here shows on the host, nor the other way.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) return "mount --make-rprivate /";
    const char* staging = jail.root_staging.c_str();
    if (::mount("tmpfs", staging, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755,size=4m") != 0) {
        return "mount the jail's root tmpfs";
    }
    for (const auto& dir : root.directories) {
        if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return "mkdir in the jail's root";
    }
    for (const auto& step : root.steps) {
        const JailEntry& e = *step.entry;
        const char* target = step.host_target.c_str();
        switch (e.kind) {
            case JailEntry::Kind::bind_read_only:
            case JailEntry::Kind::bind_writable:
            case JailEntry::Kind::bind_device: {
                if (step.source_is_directory) {
                    if (::mkdir(target, 0755) != 0 && errno != EEXIST) return "mkdir a bind target";
                } else {
                    int fd = ::open(target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
                    if (fd < 0) return "create a bind target";
                    ::close(fd);
                }
                if (e.idmapped) {
                    if (const char* failed = bind_idmapped(e, target, user_namespace_fd)) return failed;
                    break;
                }
                if (::mount(e.source.c_str(), target, nullptr, MS_BIND, nullptr) != 0) return "bind mount";
                unsigned long flags = MS_BIND | MS_REMOUNT | MS_NOSUID;
                if (e.kind != JailEntry::Kind::bind_device) flags |= MS_NODEV;
                if (e.kind != JailEntry::Kind::bind_writable) flags |= MS_RDONLY;
                if (!e.exec) flags |= MS_NOEXEC;
                if (::mount(nullptr, target, nullptr, flags, nullptr) != 0) return "remount a bind mount";
                break;
            }
            case JailEntry::Kind::tmpfs: {
                if (::mkdir(target, 0755) != 0 && errno != EEXIST) return "mkdir a tmpfs mount point";
                unsigned long flags = MS_NOSUID | MS_NODEV | (e.exec ? 0 : MS_NOEXEC);
                if (::mount("tmpfs", target, "tmpfs", flags, e.source.c_str()) != 0) return "mount tmpfs";
                break;
            }
            case JailEntry::Kind::proc: {
                // Read-only: root's writes to /proc/sys would reach the host's
                // kernel even without capabilities.
                if (::mkdir(target, 0555) != 0 && errno != EEXIST) return "mkdir /proc";
                unsigned long flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC;
                if (::mount("proc", target, "proc", flags, nullptr) != 0) return "mount proc";
                break;
            }
            case JailEntry::Kind::text_file: {
                int fd = ::open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444);
                if (fd < 0) return "create a file in the jail";
                std::size_t done = 0;
                while (done < e.source.size()) {
                    ssize_t n = ::write(fd, e.source.data() + done, e.source.size() - done);
                    if (n < 0 && errno == EINTR) continue;
                    if (n <= 0) {
                        ::close(fd);
                        return "write a file in the jail";
                    }
                    done += static_cast<std::size_t>(n);
                }
                ::close(fd);
                break;
            }
        }
    }
    // pivot_root(".", ".") stacks the old root on top of the new one; the
    // detach below then drops every host mount from this namespace.
    if (::chdir(staging) != 0) return "chdir to the jail's root";
    if (::syscall(SYS_pivot_root, ".", ".") != 0) return "pivot_root";
    if (::umount2(".", MNT_DETACH) != 0) return "detach the host's root";
    if (::chdir("/") != 0) return "chdir /";
    if (::mount(nullptr, "/", nullptr, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
        return "remount the jail's root read-only";
    }
    return nullptr;
}

// Empties every capability set for good (see ProcessJail::drop_capabilities).
// Securebits first and the bounding set next: both need CAP_SETPCAP, which
// the last step gives up.
const char* drop_all_capabilities() {
    unsigned long bits = SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP | SECBIT_NO_SETUID_FIXUP_LOCKED |
                         SECBIT_KEEP_CAPS_LOCKED;
    if (::prctl(PR_SET_SECUREBITS, bits, 0, 0, 0) != 0) return "securebits";
    // Up to the first number this kernel does not know (there is no /proc
    // to read cap_last_cap from in a jail).
    for (unsigned long cap = 0;; ++cap) {
        if (::prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0) continue;
        if (errno == EINVAL && cap > CAP_SETPCAP) break;
        return "drop the capability bounding set";
    }
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) return "clear ambient capabilities";
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    if (::syscall(SYS_capset, &header, data) != 0) return "capset";
    return nullptr;
}

// After fork, with the root assembled: enters the user namespace of
// `user_namespace_fd` as its uid and gid 0, with no supplementary group (the
// host root's would still count on the host's files). Entering gives every
// capability over that namespace, which owns no other namespace of ours.
const char* enter_user_namespace(int user_namespace_fd) {
    if (::setns(user_namespace_fd, CLONE_NEWUSER) != 0) return "setns (user namespace)";
    ::close(user_namespace_fd);
    if (::syscall(SYS_setgroups, 0, nullptr) != 0) return "setgroups (user namespace)";
    if (::syscall(SYS_setresgid, 0, 0, 0) != 0) return "setresgid (user namespace)";
    if (::syscall(SYS_setresuid, 0, 0, 0) != 0) return "setresuid (user namespace)";
    if (::getuid() != 0 || ::geteuid() != 0) return "uid check (user namespace)";
    return nullptr;
}

// After fork: only system calls. Order matters: cgroups and mounts while
// still root, then limits, the user namespace or groups, gid, uid (after
// which nothing can be taken back), then the seccomp filter, which must come
// last because it forbids what came before. `user_namespace_fd` is the
// child's copy of the jail's (or -1).
// Returns the step that failed, or nullptr.
const char* enter_jail(const ProcessJail& jail, const PreparedRoot& root, int user_namespace_fd) {
    for (const auto& procs : jail.cgroup_procs) {
        // "0" is the writer itself, whatever pid namespace it is in.
        int fd = ::open(procs.c_str(), O_WRONLY | O_CLOEXEC);
        if (fd < 0) return "open cgroup.procs";
        bool ok = ::write(fd, "0", 1) == 1;
        ::close(fd);
        if (!ok) return "join cgroup";
    }
    if (!jail.cpus.empty()) {
        cpu_set_t set;
        CPU_ZERO(&set);
        for (int cpu : jail.cpus) {
            if (cpu < 0 || cpu >= CPU_SETSIZE) return "sched_setaffinity (no such CPU)";
            CPU_SET(cpu, &set);
        }
        if (::sched_setaffinity(0, sizeof set, &set) != 0) return "sched_setaffinity";
    }
    if (!jail.root_staging.empty()) {
        if (!jail.new_pid_namespace && ::unshare(CLONE_NEWNS) != 0) return "unshare(CLONE_NEWNS)";
        if (const char* failed = enter_root(jail, root, user_namespace_fd)) return failed;
    }
    if (jail.new_net_namespace && !jail.new_pid_namespace && ::unshare(CLONE_NEWNET) != 0) {
        return "unshare(CLONE_NEWNET)";
    }
    if (jail.new_ipc_uts_namespaces && !jail.new_pid_namespace && ::unshare(CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
        return "unshare(CLONE_NEWIPC | CLONE_NEWUTS)";
    }
    for (const auto& [resource, value] : jail.limits) {
        rlimit rl{value, value};
        if (::setrlimit(resource, &rl) != 0) return "setrlimit";
    }
    if (user_namespace_fd >= 0) {
        if (const char* failed = enter_user_namespace(user_namespace_fd)) return failed;
    }
    if (jail.uid != 0) {
        // Raw system calls, not glibc's wrappers: those ask every thread of
        // the parent to change ids too, and after a raw clone the child still
        // has the parent's thread list; one created but not yet running is
        // waited for forever.
        if (::syscall(SYS_setgroups, 0, nullptr) != 0) return "setgroups";
        if (::syscall(SYS_setresgid, jail.gid, jail.gid, jail.gid) != 0) return "setresgid";
        if (::syscall(SYS_setresuid, jail.uid, jail.uid, jail.uid) != 0) return "setresuid";
        if (::getuid() != jail.uid || ::geteuid() != jail.uid) return "uid check";
    }
    if (jail.drop_capabilities) {
        if (const char* failed = drop_all_capabilities()) return failed;
    }
    if ((jail.no_new_privs || !jail.seccomp_program.empty() || jail.landlock_scopes != 0) &&
        ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        return "no_new_privs";
    }
    if (jail.landlock_scopes != 0) {
        if (const char* failed = landlock_restrict_scopes(jail.landlock_scopes)) return failed;
    }
    if (!jail.seccomp_program.empty()) {
        sock_fprog prog{static_cast<unsigned short>(jail.seccomp_program.size()),
                        const_cast<sock_filter*>(jail.seccomp_program.data())};
        if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return "seccomp";
    }
    return nullptr;
}

// Where a child keeps its copy of the jail's user namespace descriptor,
// and moves the descriptors it passes on before they take their places
// (the lowest free numbers from here).
constexpr int kChildNamespaceFdMin = 64;
constexpr int kChildMovedFdMin = 80;

void check_user_namespace_use(const ProcessJail& jail) {
    bool idmapped = std::any_of(jail.root.begin(), jail.root.end(), [](const JailEntry& e) { return e.idmapped; });
    if (jail.user_namespace_fd < 0) {
        if (idmapped) throw Error("jail: an idmapped bind needs a user namespace");
        return;
    }
    if (jail.uid != 0 || jail.gid != 0) throw Error("jail: a user namespace decides the ids; no uid with it");
    if (!jail.cgroup_procs.empty()) throw Error("jail: cgroups are joined as host root; not with a user namespace");
}

// fork(), or a clone into new pid and mount namespaces, and network, IPC
// and UTS ones when asked (the child is pid 1 there). Raw clone: the child
// only makes system calls before execve.
pid_t fork_for(const ProcessJail* jail) {
    if (jail == nullptr || !jail->new_pid_namespace) return ::fork();
    unsigned long flags = CLONE_NEWPID | CLONE_NEWNS | SIGCHLD;
    if (jail->new_net_namespace) flags |= CLONE_NEWNET;
    if (jail->new_ipc_uts_namespaces) flags |= CLONE_NEWIPC | CLONE_NEWUTS;
    return static_cast<pid_t>(::syscall(SYS_clone, flags, nullptr, nullptr, nullptr, 0UL));
}

}  // namespace

std::string idmapped_refusal(const ProcessJail& jail) {
    for (const auto& e : jail.root) {
        if (!e.idmapped) continue;
        if (auto why = idmapped_mount_refusal(e.source, jail.user_namespace_fd); !why.empty()) return why;
    }
    return {};
}

pid_t spawn_session(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const std::vector<std::string>& extra_env, int pass_fd, const ProcessJail* jail) {
    if (argv.empty()) throw Error("spawn_session: empty command");
    // Not through a symlink: the forensics worker's log is in a directory
    // the worker itself writes.
    FdGuard log(::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640));
    if (log.get() < 0) throw_errno("open " + log_file.string());
    return spawn_session(argv, log.get(), extra_env, pass_fd, jail);
}

pid_t spawn_session(const std::vector<std::string>& argv, int output_fd, const std::vector<std::string>& extra_env,
                    int pass_fd, const ProcessJail* jail) {
    return spawn_session(argv, output_fd, extra_env, pass_fd >= 0 ? std::vector<int>{pass_fd} : std::vector<int>{},
                         jail);
}

pid_t spawn_session(const std::vector<std::string>& argv, int output_fd, const std::vector<std::string>& extra_env,
                    const std::vector<int>& pass_fds, const ProcessJail* jail) {
    if (argv.empty()) throw Error("spawn_session: empty command");
    if (pass_fds.size() > kMaxPassedFds) throw Error("spawn_session: too many descriptors to pass");
    const int passed_count = static_cast<int>(pass_fds.size());
    int log = output_fd;
    auto args = to_argv(argv);
    std::vector<std::string> env_store =
        (jail != nullptr && jail->clean_environment) ? extra_env : environment_with(extra_env);
    auto envp = to_argv(env_store);
    PreparedRoot root;
    if (jail != nullptr && !jail->root_staging.empty()) root = prepare_root(*jail);
    if (jail != nullptr && jail->seccomp_program.size() > 0xffff) throw Error("jail: seccomp program too long");
    if (jail != nullptr) check_user_namespace_use(*jail);
    pid_t pid = fork_for(jail);
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        ::setsid();
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0) {
            child_fail("redirect stdio");
        }
        // The guest must not inherit the caller's signal dispositions or
        // mask (the sensor blocks SIGINT/SIGTERM to read them by signalfd).
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        // The user namespace's descriptor, out of the way of descriptor 3 and
        // kept open (close-on-exec) until it is entered.
        int user_namespace_fd = -1;
        if (jail != nullptr && jail->user_namespace_fd >= 0) {
            user_namespace_fd = ::fcntl(jail->user_namespace_fd, F_DUPFD_CLOEXEC, kChildNamespaceFdMin);
            if (user_namespace_fd < 0) child_fail("keep the user namespace's descriptor");
        }
        // Each passed descriptor first out of the way (one may hold the
        // number another goes to), then into its place without FD_CLOEXEC.
        int moved[kMaxPassedFds];
        for (int i = 0; i < passed_count; ++i) {
            int given = pass_fds[static_cast<std::size_t>(i)];
            moved[i] = given < 0 ? -1 : ::fcntl(given, F_DUPFD_CLOEXEC, kChildMovedFdMin);
            if (given >= 0 && moved[i] < 0) child_fail("pass a descriptor");
        }
        for (int i = 0; i < passed_count; ++i) {
            if (moved[i] < 0) {
                ::close(3 + i);
            } else if (::dup2(moved[i], 3 + i) < 0) {
                child_fail("pass a descriptor");
            }
        }
        // Nothing else of ours may leak into the guest's process: libraries
        // (libpcap, libnftables) open descriptors without O_CLOEXEC. (The
        // moved copies are closed here too.)
        auto first_closed = static_cast<unsigned>(3 + passed_count);
        if (user_namespace_fd >= 0) {
            ::close_range(first_closed, static_cast<unsigned>(user_namespace_fd) - 1, 0);
            first_closed = static_cast<unsigned>(user_namespace_fd) + 1;
        }
        ::close_range(first_closed, ~0U, 0);
        if (jail != nullptr) {
            if (const char* failed = enter_jail(*jail, root, user_namespace_fd)) {
                // Into the console log, where start_guest's error shows it.
                write_child_failure("oyster: cannot jail the guest process", failed, errno);
                _exit(126);
            }
        }
        ::execve(args[0], args.data(), envp.data());
        child_fail("execve");
    }
    return pid;
}

}  // namespace oyster
