#include "oyster/jail/seccomp_policy.h"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"

namespace oyster {
namespace {

// Plain calls UML (kernel, helpers, stubs) and glibc make while it runs,
// measured by running guests under SeccompViolation::log through boot,
// logins, disk and network load and shutdown. Calls that are harmless
// (time, identity, memory of the process itself) are allowed even where
// not seen, so an unusual path in UML does not kill a guest.
constexpr const char* kAllowed[] = {
    // files and descriptors (only what the jail's root holds is reachable)
    "read",
    "write",
    "readv",
    "writev",
    "pread64",
    "pwrite64",
    "preadv",
    "pwritev",
    "preadv2",
    "lseek",
    "close",
    "open",
    "openat",
    "fstat",
    "stat",
    "lstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "access",
    "faccessat",
    "faccessat2",
    "readlink",
    "readlinkat",
    "getdents64",
    "mkdir",
    "mkdirat",
    "rmdir",
    "unlink",
    "unlinkat",
    "fchmod",
    "fsync",
    "fdatasync",
    "flock",
    "pipe",
    "pipe2",
    "poll",
    "ppoll",
    "select",
    "pselect6",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_wait",
    "epoll_pwait",
    "eventfd2",
    "umask",
    "getcwd",
    "chdir",
    // memory of the process itself
    "mmap",
    "munmap",
    "mprotect",
    "mremap",
    "madvise",
    "brk",
    "msync",
    "mincore",
    // signals and processes within the jail's pid namespace
    "rt_sigaction",
    "rt_sigprocmask",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigpending",
    "sigaltstack",
    "kill",
    "tgkill",
    "tkill",
    "pause",
    "ptrace",
    "wait4",
    "waitid",
    "exit",
    "exit_group",
    "execve",
    "vfork",
    "fork",
    "prctl",
    "arch_prctl",
    "set_tid_address",
    "set_robust_list",
    "get_robust_list",
    "rseq",
    "futex",
    "sched_yield",
    "sched_getaffinity",
    "restart_syscall",
    // identity and limits (read, or lowered)
    "getpid",
    "getppid",
    "gettid",
    "getuid",
    "geteuid",
    "getgid",
    "getegid",
    "getresuid",
    "getresgid",
    "getgroups",
    "getpgrp",
    "getpgid",
    "getsid",
    "setsid",
    "getrlimit",
    "prlimit64",
    "getrusage",
    "sysinfo",
    "uname",
    "times",
    "getrandom",
    // time
    "clock_gettime",
    "clock_getres",
    "clock_nanosleep",
    "nanosleep",
    "gettimeofday",
    "time",
    "timer_create",
    "timer_settime",
    "timer_gettime",
    "timer_getoverrun",
    "timer_delete",
    "setitimer",
    "getitimer",
    "alarm",
    // the mconsole's datagram socket (AF_UNIX only, below): no connect,
    // listen or accept
    "bind",
    "recvfrom",
    "recvmsg",
    "sendto",
    "sendmsg",
    "getsockname",
    "getsockopt",
    "setsockopt",
    "shutdown",
};

// What the forensics worker calls, from its execve to its exit: the
// dynamic loader, reading the guest's disk and the rules, writing its own
// output (blobs, analysis.json, its log), and its memory (measured with
// strace over the unit test's analysis and the sensor's). No process,
// thread, mount, namespace, key, BPF, ptrace or socket call but one
// netlink socket (see below): a crafted filesystem that takes over
// libext2fs, libmagic or libyara has little of the kernel left to try.
constexpr const char* kWorkerAllowed[] = {
    "read", "write", "pread64", "pwrite64", "readv", "writev", "lseek", "close", "openat", "open", "newfstatat",
    "fstat", "stat", "lstat", "statx", "access", "faccessat", "faccessat2", "readlink", "readlinkat", "getdents",
    "getdents64", "mkdir", "mkdirat", "rename", "renameat", "renameat2", "unlink", "unlinkat", "fchmod", "fchmodat",
    "ftruncate", "fsync", "fdatasync", "fadvise64", "fcntl", "dup", "dup2", "dup3", "getcwd",
    // memory
    "mmap", "munmap", "mprotect", "mremap", "madvise", "brk",
    // the process itself
    "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "futex", "exit", "exit_group", "execve",
    "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrlimit", "getrandom", "capget",
    "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid", "sysinfo", "uname", "sched_getaffinity",
    "sched_yield", "clock_gettime", "clock_getres", "clock_nanosleep", "nanosleep", "gettimeofday", "time",
    // the netlink socket of the confinement summary (created only as
    // AF_NETLINK, in its own empty network namespace)
    "bind", "sendto", "recvmsg", "recvfrom", "getsockname"};

#if defined(__SANITIZE_ADDRESS__)
constexpr const char* kSanitizerRuntime[] = {
    "clone",           "ptrace", "wait4", "prctl", "getppid", "kill", "tgkill", "mincore", "pipe2", "sched_setaffinity",
    "process_vm_readv"};
#endif

// The ioctl requests UML makes (read from arch/um of Linux 6.12; the
// guest_ssh, capture, stealth, sensor, containment and guest_crash tests
// run with violations logged, logged none): glibc's and the console
// channel's terminal queries (TCGETS for isatty(), TIOCGWINSZ), which fail
// with ENOTTY on the pipes and files UML holds. Its tap comes attached
// (kernel patch 0020), so every tun request (attaching, offloads, vnet
// headers, owner, persistence, filters) and every other device request is
// refused: an escaped UML cannot reconfigure or re-attach its tap.
constexpr unsigned long kUmlIoctls[] = {TCGETS, TIOCGWINSZ};

// Namespace flags clone() may not use: a user namespace would hand the
// attacker a root-in-namespace view of much more kernel code.
constexpr unsigned long kNamespaceFlags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID |
                                          CLONE_NEWNET | CLONE_NEWCGROUP | CLONE_NEWTIME;

constexpr scmp_datum_t kLow32 = 0xffffffff;
constexpr scmp_datum_t kRwfNoappend = 0x00000020;  // RWF_NOAPPEND, linux/fs.h

struct ContextDeleter {
    void operator()(void* ctx) const { seccomp_release(ctx); }
};

// libseccomp's SCMP_A* macros are C compound literals; this is the same in C++.
scmp_arg_cmp arg(unsigned index, scmp_compare op, scmp_datum_t a, scmp_datum_t b = 0) {
    scmp_arg_cmp c{};
    c.arg = index;
    c.op = op;
    c.datum_a = a;
    c.datum_b = b;
    return c;
}

void check(int rc, const char* what) {
    if (rc < 0) throw Error(std::string("seccomp: ") + what + ": " + std::strerror(-rc));
}

// A filter being built: deny-by-default (kill, or log), allow() per call.
class FilterBuilder {
public:
    explicit FilterBuilder(SeccompViolation on_violation)
        : holder_(seccomp_init(on_violation == SeccompViolation::log ? SCMP_ACT_LOG : SCMP_ACT_KILL_PROCESS)) {
        if (!holder_) throw Error("seccomp: cannot create a filter context");
    }
    void allow(const char* name, unsigned count = 0, const scmp_arg_cmp* args = nullptr) {
        int nr = seccomp_syscall_resolve_name(name);
        if (nr == __NR_SCMP_ERROR) throw Error(std::string("seccomp: unknown system call ") + name);
        check(seccomp_rule_add_array(ctx(), SCMP_ACT_ALLOW, nr, count, args), name);
    }
    scmp_filter_ctx ctx() const { return holder_.get(); }

private:
    std::unique_ptr<void, ContextDeleter> holder_;
};

// Allows `name` when its descriptor (argument 0) is not `protected_fd`
// (always, when that is < 0), and `also` holds if given. The kernel reads a
// descriptor as 32 bits and ignores the upper half of the register; a
// 64-bit "!= 3" would let 0x100000003 through. libseccomp compares 64 bits
// (its *_32 macros only narrow the datum), and rules of one system call are
// alternatives, so "the low 32 bits differ from the descriptor" is 32
// rules, one per bit: bit k is not what the descriptor's bit k is.
void allow_off_descriptor(FilterBuilder& filter, const char* name, int protected_fd,
                          const scmp_arg_cmp* also = nullptr) {
    if (protected_fd < 0) {
        filter.allow(name, also != nullptr ? 1 : 0, also);
        return;
    }
    for (unsigned bit = 0; bit < 32; ++bit) {
        scmp_datum_t mask = scmp_datum_t{1} << bit;
        scmp_datum_t differs = (static_cast<scmp_datum_t>(protected_fd) & mask) != 0 ? 0 : mask;
        const scmp_arg_cmp rule[] = {arg(0, SCMP_CMP_MASKED_EQ, mask, differs),
                                     also != nullptr ? *also : scmp_arg_cmp{}};
        filter.allow(name, also != nullptr ? 2 : 1, rule);
    }
}

// The filter as a BPF program in memory: the child installs it with one
// prctl and may not allocate after fork.
std::vector<sock_filter> exported(scmp_filter_ctx ctx) {
    int memfd = ::memfd_create("oyster-seccomp", MFD_CLOEXEC);
    if (memfd < 0) throw_errno("memfd_create");
    FdGuard guard(memfd);
    check(seccomp_export_bpf(ctx, memfd), "export");
    off_t size = ::lseek(memfd, 0, SEEK_END);
    if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0) throw Error("seccomp: bad program size");
    std::vector<sock_filter> program(static_cast<std::size_t>(size) / sizeof(sock_filter));
    if (::pread(memfd, program.data(), static_cast<std::size_t>(size), 0) != size) throw_errno("read seccomp program");
    return program;
}

}  // namespace

std::vector<sock_filter> uml_seccomp_program(int protected_fd, SeccompViolation on_violation) {
    FilterBuilder filter(on_violation);
    scmp_filter_ctx ctx = filter.ctx();
    for (const char* name : kAllowed) filter.allow(name);

    // Calls that could erase or reopen what a descriptor wrote: on any
    // descriptor but the evidence one.
    for (const char* name : {"ftruncate", "fallocate", "dup", "dup2", "dup3", "fcntl"}) {
        allow_off_descriptor(filter, name, protected_fd);
    }
    // ioctl only with the requests UML makes (kUmlIoctls), each compared as
    // the 32 bits the kernel reads, and never on the evidence descriptor.
    for (unsigned long request : kUmlIoctls) {
        const scmp_arg_cmp is_request = arg(1, SCMP_CMP_MASKED_EQ, kLow32, request);
        allow_off_descriptor(filter, "ioctl", protected_fd, &is_request);
    }
    if (protected_fd >= 0) {
        auto fd = static_cast<scmp_datum_t>(protected_fd);
        // On the evidence descriptor, only reading its flags or setting
        // close-on-exec (both arguments 32 bits, as the kernel reads them).
        for (int cmd : {F_GETFL, F_GETFD, F_SETFD}) {
            const scmp_arg_cmp on_protected[] = {arg(0, SCMP_CMP_MASKED_EQ, kLow32, fd),
                                                 arg(1, SCMP_CMP_MASKED_EQ, kLow32, static_cast<scmp_datum_t>(cmd))};
            filter.allow("fcntl", 2, on_protected);
        }
    }
    // RWF_NOAPPEND (host kernels 6.9 and later) writes at an offset of an
    // O_APPEND file, the evidence included and under any descriptor number;
    // UML never asks for it.
    const scmp_arg_cmp appending[] = {arg(5, SCMP_CMP_MASKED_EQ, kRwfNoappend, 0)};
    filter.allow("pwritev2", 1, appending);
    const scmp_arg_cmp unix_only[] = {arg(0, SCMP_CMP_MASKED_EQ, kLow32, AF_UNIX)};
    filter.allow("socket", 1, unix_only);
    filter.allow("socketpair", 1, unix_only);
    const scmp_arg_cmp no_namespaces[] = {arg(0, SCMP_CMP_MASKED_EQ, kNamespaceFlags, 0)};
    filter.allow("clone", 1, no_namespaces);
    // clone3 passes its flags in memory, which a filter cannot read: ENOSYS
    // makes glibc fall back to clone().
    check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0), "clone3");
    // A guest process that calls the host's vsyscall page has the host
    // kernel run the call for it, past ptrace but through this filter.
    // UML itself never calls getcpu(); killing the process for it would
    // crash the guest's program and put UML's complaint in the guest's log,
    // where a real machine answers. ENOSYS comes back as a plain error.
    check(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(getcpu), 0), "getcpu");

    return exported(ctx);
}

SeccompViolation seccomp_violation_from_environment() {
    const char* v = std::getenv("OYSTER_SECCOMP_LOG");
    return v != nullptr && std::string(v) == "1" ? SeccompViolation::log : SeccompViolation::kill;
}

std::vector<sock_filter> forensics_worker_seccomp_program(SeccompViolation on_violation) {
    FilterBuilder filter(on_violation);
    for (const char* name : kWorkerAllowed) filter.allow(name);
    // Its confinement summary lists the interfaces of its own, empty,
    // network namespace over netlink; no other socket.
    const scmp_arg_cmp netlink_only[] = {arg(0, SCMP_CMP_MASKED_EQ, kLow32, AF_NETLINK)};
    filter.allow("socket", 1, netlink_only);
    // isatty() on its log: the only terminal query; no device request.
    const scmp_arg_cmp tcgets[] = {arg(1, SCMP_CMP_MASKED_EQ, kLow32, TCGETS)};
    filter.allow("ioctl", 1, tcgets);
    // libcap, loaded with it, reads the bounding set's size at start.
    const scmp_arg_cmp capbset_read[] = {arg(0, SCMP_CMP_MASKED_EQ, kLow32, PR_CAPBSET_READ)};
    filter.allow("prctl", 1, capbset_read);
#if defined(__SANITIZE_ADDRESS__)
    // The sanitizer build's runtime: LeakSanitizer stops the process's
    // threads at exit from a helper it clones and ptrace()s them from.
    for (const char* name : kSanitizerRuntime) filter.allow(name);
#endif
    return exported(filter.ctx());
}

}  // namespace oyster
