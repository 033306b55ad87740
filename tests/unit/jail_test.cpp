// The jail's parts on their own: the seccomp policy kills what it must and
// lets through what UML needs; a jailed process sees only its own root and
// pid namespace; cgroup limits land in the files each cgroup version reads.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <string>
#include <thread>

#include "oyster/common/cpu_list.h"
#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/jail/guest_cgroup.h"
#include "oyster/jail/process_jail.h"
#include "oyster/jail/seccomp_policy.h"
#include "oyster/jail/user_namespace.h"
#include "temp_dir.h"

namespace oyster {
namespace {

using testing::TempDirTest;

constexpr int kProtectedFd = 3;

// Runs `body` in a child under `program` and returns its wait status.
// The child makes raw system calls only (no sanitizer interceptors).
int run_under(std::vector<sock_filter> program, const std::function<int()>& body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int fd = static_cast<int>(::syscall(SYS_memfd_create, "evidence", 0));
        if (fd < 0 || ::syscall(SYS_dup2, fd, kProtectedFd) < 0) ::_exit(90);
        if (::syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(91);
        sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
        if (::syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) ::_exit(92);
        ::syscall(SYS_exit_group, body());
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

// The same under the UML filter.
int run_filtered(const std::function<int()>& body, int protected_fd = kProtectedFd) {
    return run_under(uml_seccomp_program(protected_fd, SeccompViolation::kill), body);
}

bool killed_by_seccomp(int status) {
    return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
}

bool exited_ok(int status) {
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

bool vsyscall_page_offered() {
    std::ifstream maps("/proc/self/maps");
    std::string line;
    while (std::getline(maps, line)) {
        if (line.find("[vsyscall]") != std::string::npos) return true;
    }
    return false;
}

TEST(SeccompPolicy, AllowsWhatUmlNeeds) {
    int status = run_filtered([] {
        long s = ::syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0);
        if (s < 0) return 1;
        if (::syscall(SYS_write, kProtectedFd, "x", 1) != 1) return 2;
        // Another descriptor may be truncated (stdin is not a file: EINVAL,
        // but not killed).
        ::syscall(SYS_ftruncate, 0, 4096);
        if (::syscall(SYS_fcntl, kProtectedFd, F_GETFL) < 0) return 4;
        if (::syscall(SYS_getpid) <= 0) return 5;
        return 0;
    });
    EXPECT_TRUE(exited_ok(status)) << "wait status " << status;
}

TEST(SeccompPolicy, KillsInternetSockets) {
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0)); })));
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0)); })));
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_socket, AF_PACKET, SOCK_RAW, 0)); })));
}

TEST(SeccompPolicy, KillsConnect) {
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] {
        long s = ::syscall(SYS_socket, AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        return static_cast<int>(::syscall(SYS_connect, s, &addr, sizeof(sa_family_t) + 1));
    })));
}

TEST(SeccompPolicy, EvidenceDescriptorCannotBeTruncatedOrCopied) {
    EXPECT_TRUE(
        killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_ftruncate, kProtectedFd, 0)); })));
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_dup, kProtectedFd)); })));
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_dup2, kProtectedFd, 9)); })));
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_fcntl, kProtectedFd, F_DUPFD, 10)); })));
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_fcntl, kProtectedFd, F_SETFL, 0)); })));
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_fallocate, kProtectedFd, 0x02 | 0x01, 0, 4096)); })));
    EXPECT_TRUE(
        killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_ioctl, kProtectedFd, 0, 0)); })));
}

// The kernel reads a descriptor as 32 bits: 0x100000003 is descriptor 3,
// and the filter must see it so (it once compared 64 bits, and let these
// through).
TEST(SeccompPolicy, EvidenceDescriptorWithUpperBitsSetIsStillIt) {
    constexpr long kWide = (1L << 32) | kProtectedFd;
    constexpr long kWider = static_cast<long>(0xffffffff00000000UL) | kProtectedFd;
    for (long fd : {kWide, kWider}) {
        EXPECT_TRUE(killed_by_seccomp(run_filtered([fd] { return static_cast<int>(::syscall(SYS_ftruncate, fd, 0)); })))
            << std::hex << fd;
        EXPECT_TRUE(killed_by_seccomp(run_filtered([fd] {
            return static_cast<int>(::syscall(SYS_fcntl, fd, F_SETFL, 0));
        }))) << std::hex
             << fd;
        EXPECT_TRUE(killed_by_seccomp(run_filtered([fd] { return static_cast<int>(::syscall(SYS_dup, fd)); })))
            << std::hex << fd;
        EXPECT_TRUE(killed_by_seccomp(run_filtered([fd] {
            return static_cast<int>(::syscall(SYS_ioctl, fd, TCGETS, 0));
        }))) << std::hex
             << fd;
        EXPECT_TRUE(killed_by_seccomp(run_filtered([fd] {
            return static_cast<int>(::syscall(SYS_fallocate, fd, 0x02 | 0x01, 0, 4096));
        }))) << std::hex
             << fd;
    }
    // ...and the evidence is as it was written: a wide ftruncate in a
    // filtered child leaves the file whole.
    int evidence = static_cast<int>(::syscall(SYS_memfd_create, "evidence", 0));
    ASSERT_GE(evidence, 0);
    ASSERT_EQ(::write(evidence, "recorded", 8), 8);
    auto program = uml_seccomp_program(kProtectedFd, SeccompViolation::kill);
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::syscall(SYS_dup2, evidence, kProtectedFd) < 0) ::_exit(90);
        if (::syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(91);
        sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
        if (::syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) ::_exit(92);
        ::syscall(SYS_ftruncate, kWide, 0);
        ::syscall(SYS_exit_group, 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(killed_by_seccomp(status)) << status;
    struct stat st {};
    ASSERT_EQ(::fstat(evidence, &st), 0);
    EXPECT_EQ(st.st_size, 8);
    ::close(evidence);
}

// pwritev2 with RWF_NOAPPEND writes at an offset of an O_APPEND file (host
// kernels 6.9 and later): killed on any descriptor, since a copy of the
// evidence one may have another number. Without the flag it appends.
TEST(SeccompPolicy, NoWritingAtAnOffsetOfTheEvidence) {
    constexpr long kNoappend = 0x20;
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] {
        char c = 'x';
        iovec v{&c, 1};
        return static_cast<int>(::syscall(SYS_pwritev2, kProtectedFd, &v, 1, 0, 0, kNoappend));
    })));
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] {
        long copy = ::syscall(SYS_memfd_create, "other", 0);
        char c = 'x';
        iovec v{&c, 1};
        return static_cast<int>(::syscall(SYS_pwritev2, copy, &v, 1, 0, 0, kNoappend));
    })));
    EXPECT_TRUE(exited_ok(run_filtered([] {
        char c = 'x';
        iovec v{&c, 1};
        return ::syscall(SYS_pwritev2, kProtectedFd, &v, 1, -1, 0, 0) == 1 ? 0 : 1;
    })));
}

// Ordinary descriptors, and reading the evidence descriptor's flags, stay
// allowed however the upper half of the register is set.
TEST(SeccompPolicy, OtherDescriptorsStayUsable) {
    int status = run_filtered([] {
        for (long fd : {0L, 1L, 2L, 4L, 7L, 11L, 1023L, (1L << 32) | 4L, 0x7fffffffL}) {
            ::syscall(SYS_ftruncate, fd, 0);  // EBADF or EINVAL, not killed
            ::syscall(SYS_ioctl, fd, TCGETS, 0);
        }
        if (::syscall(SYS_fcntl, (1L << 32) | kProtectedFd, F_GETFL) < 0) return 1;
        if (::syscall(SYS_socket, (1L << 32) | AF_UNIX, SOCK_DGRAM, 0) < 0) return 2;
        return 0;
    });
    EXPECT_TRUE(exited_ok(status)) << "wait status " << status;
}

// With capture off, descriptor 3 is UML's own (its tun device, say).
TEST(SeccompPolicy, WithoutCaptureDescriptorThreeIsOrdinary) {
    int status = run_filtered(
        [] {
            ::syscall(SYS_ioctl, kProtectedFd, TCGETS, 0);
            ::syscall(SYS_ftruncate, kProtectedFd, 0);
            return ::syscall(SYS_fcntl, kProtectedFd, F_SETFL, 0) == 0 ? 0 : 1;
        },
        -1);
    EXPECT_TRUE(exited_ok(status)) << "wait status " << status;
}

// ioctl takes only the requests UML makes: an escaped UML cannot attach
// its tap descriptor elsewhere, set the tap's offloads, owner or
// persistence, or query devices, whatever the upper half of the request's
// register holds.
TEST(SeccompPolicy, OnlyTheIoctlsUmlMakes) {
    int status = run_filtered([] {
        winsize ws{};
        if (::syscall(SYS_ioctl, 0, TCGETS, &ws) == 0) return 1;  // not a terminal here: ENOTTY
        ::syscall(SYS_ioctl, 0, TIOCGWINSZ, &ws);
        ::syscall(SYS_ioctl, 0, (1L << 32) | TCGETS, 0);
        return 0;
    });
    EXPECT_TRUE(exited_ok(status)) << "wait status " << status;
    for (unsigned long request :
         {static_cast<unsigned long>(TUNSETIFF), static_cast<unsigned long>(TUNSETOFFLOAD),
          static_cast<unsigned long>(TUNSETPERSIST), static_cast<unsigned long>(TUNSETOWNER),
          static_cast<unsigned long>(TUNSETVNETHDRSZ), static_cast<unsigned long>(FIONREAD),
          static_cast<unsigned long>(SIOCGIFFLAGS), static_cast<unsigned long>(TIOCSTI), (1UL << 32) | TUNSETOFFLOAD}) {
        EXPECT_TRUE(killed_by_seccomp(run_filtered([request] {
            return static_cast<int>(::syscall(SYS_ioctl, 0, request, 0));
        }))) << std::hex
             << request;
    }
}

// The forensics worker, taken over by a crafted filesystem, can read and
// write what its jail holds and little else: no process, no IP socket, no
// mount, namespace, key or BPF call, no device request.
TEST(SeccompPolicy, TheForensicsWorkerStartsNothingAndOpensNoIpSocket) {
    auto program = forensics_worker_seccomp_program(SeccompViolation::kill);
    int status = run_under(program, [] {
        if (::syscall(SYS_socket, AF_NETLINK, SOCK_RAW, 0) < 0) return 1;
        if (::syscall(SYS_prctl, PR_CAPBSET_READ, 0, 0, 0, 0) < 0) return 2;
        winsize ws{};
        ::syscall(SYS_ioctl, 2, TCGETS, &ws);
        char buf[16];
        if (::syscall(SYS_getrandom, buf, sizeof buf, 0) < 0) return 3;
        return 0;
    });
    EXPECT_TRUE(exited_ok(status)) << "wait status " << status;
    std::vector<std::pair<const char*, std::function<int()>>> killed = {
        {"socket(AF_INET)", [] { return static_cast<int>(::syscall(SYS_socket, AF_INET, SOCK_STREAM, 0)); }},
        {"socket(AF_UNIX)", [] { return static_cast<int>(::syscall(SYS_socket, AF_UNIX, SOCK_DGRAM, 0)); }},
        {"connect", [] { return static_cast<int>(::syscall(SYS_connect, 0, nullptr, 0)); }},
        {"mount", [] { return static_cast<int>(::syscall(SYS_mount, "none", "/", "tmpfs", 0, nullptr)); }},
        {"unshare", [] { return static_cast<int>(::syscall(SYS_unshare, CLONE_NEWUSER)); }},
        {"keyctl", [] { return static_cast<int>(::syscall(SYS_keyctl, 0, 0, 0, 0, 0)); }},
        {"bpf", [] { return static_cast<int>(::syscall(SYS_bpf, 0, nullptr, 0)); }},
        {"ioctl(FIONREAD)", [] { return static_cast<int>(::syscall(SYS_ioctl, 0, FIONREAD, 0)); }},
#if !defined(__SANITIZE_ADDRESS__)
        // The sanitizer build's runtime needs these (LeakSanitizer at exit).
        {"prctl(PR_SET_NAME)", [] { return static_cast<int>(::syscall(SYS_prctl, PR_SET_NAME, "x", 0, 0, 0)); }},
        {"fork", [] { return static_cast<int>(::syscall(SYS_fork)); }},
        {"ptrace", [] { return static_cast<int>(::syscall(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0)); }},
#endif
    };
    for (const auto& [name, call] : killed) EXPECT_TRUE(killed_by_seccomp(run_under(program, call))) << name;
}

TEST(SeccompPolicy, KillsNamespacesMountsAndKernelInterfaces) {
    EXPECT_TRUE(
        killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_unshare, CLONE_NEWUSER)); })));
    EXPECT_TRUE(killed_by_seccomp(run_filtered(
        [] { return static_cast<int>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0)); })));
    EXPECT_TRUE(killed_by_seccomp(
        run_filtered([] { return static_cast<int>(::syscall(SYS_mount, "none", "/tmp", "tmpfs", 0, nullptr)); })));
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_bpf, 0, nullptr, 0)); })));
    EXPECT_TRUE(
        killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_io_uring_setup, 1, nullptr)); })));
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] { return static_cast<int>(::syscall(SYS_userfaultfd, 0)); })));
}

// A guest pinned to its CPU (sandbox/guest_placement.h) stays there.
TEST(SeccompPolicy, KillsLeavingTheCpu) {
    EXPECT_TRUE(killed_by_seccomp(run_filtered([] {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(0, &set);
        return static_cast<int>(::syscall(SYS_sched_setaffinity, 0, sizeof set, &set));
    })));
}

TEST(SeccompPolicy, Clone3FallsBackToClone) {
    EXPECT_TRUE(exited_ok(run_filtered([] {
        long r = ::syscall(SYS_clone3, nullptr, 0);
        return r == -1 && errno == ENOSYS ? 0 : 1;
    })));
}

TEST(SeccompPolicy, VsyscallGetcpuIsAnErrorNotAKill) {
    EXPECT_TRUE(exited_ok(run_filtered([] {
        long r = ::syscall(SYS_getcpu, nullptr, nullptr, nullptr);
        return r == -1 && errno == ENOSYS ? 0 : 1;
    })));
    // Through the host's vsyscall page (emulated where the host offers it,
    // as Debian's kernels do by default): the host kernel runs the call
    // past ptrace but still through the filter.
    if (vsyscall_page_offered()) {
        EXPECT_TRUE(exited_ok(run_filtered([] {
            using Getcpu = long (*)(unsigned*, unsigned*, void*);
            unsigned cpu = 0;
            long r = reinterpret_cast<Getcpu>(0xffffffffff600800UL)(&cpu, nullptr, nullptr);
            return r == -ENOSYS ? 0 : 1;
        })));
    }
}

class JailedProcessTest : public TempDirTest {
protected:
    // A root on the staging directory holding /bin/sh, what it loads and
    // /dev/null: enough for the test's script.
    void give_shell(ProcessJail& jail) {
        std::filesystem::create_directories(dir / "staging");
        jail.root_staging = (dir / "staging").string();
        using Kind = JailEntry::Kind;
        jail.root.push_back({Kind::bind_read_only, "/bin/sh", "/bin/sh", true});
        for (const auto& lib : shared_libraries_of("/bin/sh")) {
            jail.root.push_back({Kind::bind_read_only, lib, lib, true});
        }
        jail.root.push_back({Kind::bind_device, "/dev/null", "/dev/null"});
    }
};

// A jailed shell sees its own root (the files it was given and nothing else),
// is pid 1 of its own pid namespace, cannot write its root, and runs as the
// given uid with the caller's environment gone.
TEST_F(JailedProcessTest, SeesOnlyItsRootAndPidNamespace) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mount and pid namespaces)";
    ::setenv("OYSTER_TEST_SECRET", "leaked", 1);
    ProcessJail jail;
    jail.uid = 4057999;
    jail.gid = 4057999;
    jail.no_new_privs = true;
    jail.new_pid_namespace = true;
    jail.clean_environment = true;
    give_shell(jail);
    using Kind = JailEntry::Kind;
    jail.root.push_back({Kind::text_file, "/proc/cpuinfo", "model name : test\n"});
    jail.root.push_back({Kind::tmpfs, "/dev/shm", "mode=0777,size=1m"});
    auto log = dir / "out.log";
    const char* script =
        "echo pid=$$; read line < /proc/cpuinfo; echo cpu=$line; "
        "test -e /etc/passwd && echo etc=visible || echo etc=hidden; "
        "test -e /proc/self && echo proc=visible || echo proc=hidden; "
        "(: > /written) 2>/dev/null && echo root=writable || echo root=read-only; "
        "(: > /dev/shm/x) 2>/dev/null && echo shm=writable || echo shm=read-only; "
        "echo secret=${OYSTER_TEST_SECRET:-none}; echo env=$OYSTER_GIVEN; echo done > /dev/null; echo end";
    pid_t pid = spawn_session({"/bin/sh", "-c", script}, log, {"OYSTER_GIVEN=yes"}, -1, &jail);
    ::unsetenv("OYSTER_TEST_SECRET");
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::string out = read_file(log);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    EXPECT_NE(out.find("pid=1\n"), std::string::npos) << out;
    EXPECT_NE(out.find("cpu=model name : test\n"), std::string::npos) << out;
    EXPECT_NE(out.find("etc=hidden\n"), std::string::npos) << out;
    EXPECT_NE(out.find("proc=hidden\n"), std::string::npos) << out;
    EXPECT_NE(out.find("root=read-only\n"), std::string::npos) << out;
    EXPECT_NE(out.find("shm=writable\n"), std::string::npos) << out;
    EXPECT_NE(out.find("secret=none\n"), std::string::npos) << out;
    EXPECT_NE(out.find("env=yes\n"), std::string::npos) << out;
    EXPECT_NE(out.find("end\n"), std::string::npos) << out;
    // Nothing of the jail's mounts shows on the host.
    EXPECT_TRUE(std::filesystem::is_empty(dir / "staging"));
}

// The forensics worker keeps uid 0 (root's files in its view) but no
// capability: permission bits bind it, it cannot mount or make device nodes,
// and it has no network but a loopback of its own, and IPC and UTS
// namespaces of its own.
TEST_F(JailedProcessTest, RootWithoutCapabilitiesAndNetwork) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, capabilities)";
    auto other = dir / "someone-elses";
    write_file_atomic(other, "secret\n", 0600);
    ASSERT_EQ(::chown(other.c_str(), 4057998, 4057998), 0);
    std::filesystem::create_directories(dir / "m");
    ProcessJail jail;
    jail.no_new_privs = true;
    jail.new_pid_namespace = true;
    jail.new_net_namespace = true;
    jail.new_ipc_uts_namespaces = true;
    jail.drop_capabilities = true;
    auto ns_of = [](const char* kind) { return std::filesystem::read_symlink(std::string("/proc/self/ns/") + kind); };
    std::string script =
        "grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb)' /proc/self/status; "
        "echo ipc=$(readlink /proc/self/ns/ipc); echo uts=$(readlink /proc/self/ns/uts); "
        "echo uid=$(id -u); "
        "echo nets=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' '); "
        "cat " +
        other.string() +
        " >/dev/null 2>&1 && echo dac=bypassed || echo dac=kept; "
        "mknod " +
        (dir / "null").string() +
        " c 1 3 2>/dev/null && echo mknod=yes || echo mknod=no; "
        "mount -t tmpfs none " +
        (dir / "m").string() +
        " 2>/dev/null && echo mount=yes || echo mount=no; "
        "echo end";
    auto log = dir / "out.log";
    pid_t pid = spawn_session({"/bin/sh", "-c", script}, log, {}, -1, &jail);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::string out = read_file(log);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    for (const char* set : {"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"}) {
        EXPECT_NE(out.find(std::string(set) + ":\t0000000000000000\n"), std::string::npos) << set << "\n" << out;
    }
    EXPECT_NE(out.find("uid=0\n"), std::string::npos) << out;
    EXPECT_NE(out.find("nets=lo\n"), std::string::npos) << out;
    // IPC and UTS namespaces of its own: no host message queue or shared
    // memory segment to reach.
    EXPECT_NE(out.find("ipc=ipc:["), std::string::npos) << out;
    EXPECT_EQ(out.find("ipc=" + ns_of("ipc").string() + "\n"), std::string::npos) << out;
    EXPECT_EQ(out.find("uts=" + ns_of("uts").string() + "\n"), std::string::npos) << out;
    EXPECT_NE(out.find("dac=kept\n"), std::string::npos) << out;
    EXPECT_NE(out.find("mknod=no\n"), std::string::npos) << out;
    EXPECT_NE(out.find("mount=no\n"), std::string::npos) << out;
    EXPECT_NE(out.find("end\n"), std::string::npos) << out;
    EXPECT_FALSE(std::filesystem::exists(dir / "null"));
}

// The forensics worker's way: an unprivileged host uid as the root of a
// user namespace of its own. Host root's files are nobody's to it, but those
// bound through its idmapped view are its own (read-only, or writable where
// the entry says); what it creates there is root's on the host disk.
TEST_F(JailedProcessTest, UserNamespaceOfItsOwnAndAnIdmappedView) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (namespaces, idmapped mounts)";
    constexpr uid_t kHostUid = 4057997;
    auto priv = dir / "private";
    auto out = dir / "out";
    std::filesystem::create_directories(priv);
    std::filesystem::create_directories(out);
    ASSERT_EQ(::chmod(priv.c_str(), 0700), 0);
    ASSERT_EQ(::chmod(out.c_str(), 0700), 0);
    write_file_atomic(priv / "secret", "root-only\n", 0600);
    write_file_atomic(priv / "someone-elses", "theirs\n", 0600);
    ASSERT_EQ(::chown((priv / "someone-elses").c_str(), 4057998, 4057998), 0);
    write_file_atomic(dir / "plain", "not-idmapped\n", 0600);
    FdGuard ns = make_user_namespace(kHostUid, kHostUid);
    ASSERT_EQ(idmapped_mount_refusal(priv, ns.get()), "");

    ProcessJail jail;
    jail.user_namespace_fd = ns.get();
    jail.no_new_privs = true;
    jail.new_pid_namespace = true;
    jail.drop_capabilities = true;
    jail.clean_environment = true;
    give_shell(jail);
    using Kind = JailEntry::Kind;
    jail.root.push_back({Kind::proc, "/proc", ""});
    jail.root.push_back({Kind::bind_read_only, "/private", priv.string(), false, true});
    jail.root.push_back({Kind::bind_writable, "/out", out.string(), false, true});
    jail.root.push_back({Kind::bind_read_only, "/plain", (dir / "plain").string()});
    const char* script =
        "while read k a rest; do case $k in Uid:) echo uid=$a;; CapEff:) echo capeff=$a;; esac; "
        "done < /proc/self/status; "
        "read a b c < /proc/self/uid_map; echo map=$a,$b,$c; "
        "read s < /private/secret && echo private=$s; "
        "(read s < /private/someone-elses) 2>/dev/null && echo other=read || echo other=denied; "
        "(read s < /plain) 2>/dev/null && echo plain=read || echo plain=denied; "
        "(: > /private/new) 2>/dev/null && echo private=writable || echo private=read-only; "
        "echo made > /out/made && echo out=written; echo end";
    auto log = dir / "out.log";
    pid_t pid = spawn_session({"/bin/sh", "-c", script}, log, {}, -1, &jail);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::string text = read_file(log);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << text;
    EXPECT_NE(text.find("uid=0\n"), std::string::npos) << text;
    EXPECT_NE(text.find("capeff=0000000000000000\n"), std::string::npos) << text;
    EXPECT_NE(text.find("map=0," + std::to_string(kHostUid) + ",1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("private=root-only\n"), std::string::npos) << text;
    EXPECT_NE(text.find("other=denied\n"), std::string::npos) << text;
    EXPECT_NE(text.find("plain=denied\n"), std::string::npos) << text;
    EXPECT_NE(text.find("private=read-only\n"), std::string::npos) << text;
    EXPECT_NE(text.find("out=written\n"), std::string::npos) << text;
    EXPECT_NE(text.find("end\n"), std::string::npos) << text;
    struct stat made {};
    ASSERT_EQ(::stat((out / "made").c_str(), &made), 0);
    EXPECT_EQ(made.st_uid, 0U);
    EXPECT_EQ(made.st_gid, 0U);
    EXPECT_FALSE(std::filesystem::exists(priv / "new"));
    EXPECT_TRUE(std::filesystem::is_empty(dir / "staging"));
}

// A jail that asks for an idmapped view without a user namespace, or a
// user namespace with ids of its own, is refused before anything runs.
TEST_F(JailedProcessTest, IdmappedViewNeedsAUserNamespace) {
    ProcessJail jail;
    jail.root_staging = (dir / "staging").string();
    std::filesystem::create_directories(dir / "staging");
    jail.root.push_back({JailEntry::Kind::bind_read_only, "/d", dir.string(), false, true});
    EXPECT_THROW(spawn_session({"/bin/true"}, dir / "out.log", {}, -1, &jail), Error);
    jail.root.clear();
    jail.user_namespace_fd = 0;
    jail.uid = 4057999;
    EXPECT_THROW(spawn_session({"/bin/true"}, dir / "out.log", {}, -1, &jail), Error);
}

// The CPUs a jail names hold for the process and for all it starts.
TEST_F(JailedProcessTest, PinnedWithEverythingItStarts) {
    auto cpus = allowed_cpus();
    ProcessJail jail;
    jail.cpus = {cpus.back()};
    auto log = dir / "out.log";
    pid_t pid = spawn_session(
        {"/bin/sh", "-c", "grep Cpus_allowed_list /proc/self/status; sh -c 'grep Cpus_allowed_list /proc/$$/status'"},
        log, {}, -1, &jail);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    std::string out = read_file(log);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    std::string line = "Cpus_allowed_list:\t" + std::to_string(cpus.back()) + "\n";
    EXPECT_EQ(out, line + line);
}

TEST_F(JailedProcessTest, UnjailableProcessDoesNotRun) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root";
    ProcessJail jail;
    jail.uid = 4057999;
    jail.gid = 4057999;
    jail.root_staging = (dir / "does-not-exist").string();
    jail.root.push_back({JailEntry::Kind::text_file, "/x", "x"});
    auto log = dir / "out.log";
    pid_t pid = spawn_session({"/bin/true"}, log, {}, -1, &jail);
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 126);
    EXPECT_NE(read_file(log).find("cannot jail"), std::string::npos);
}

// The sensor spawns guests from a worker thread while its other threads come
// and go. The raw clone copies the parent's thread list as it was; a thread
// created but not yet running there once made the child's uid change wait
// for it forever (glibc's setxid broadcast), and the guest hung before exec.
TEST_F(JailedProcessTest, SpawnsWhileOtherThreadsAreCreated) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (pid namespace)";
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        while (!stop) std::thread([] {}).join();
    });
    ProcessJail jail;
    jail.uid = 4057999;
    jail.gid = 4057999;
    jail.no_new_privs = true;
    jail.new_pid_namespace = true;
    int hung = 0;
    for (int i = 0; i < 200 && hung == 0; ++i) {
        pid_t pid = spawn_session({"/bin/true"}, dir / "out.log", {}, -1, &jail);
        int status = 0;
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
        while (::waitpid(pid, &status, WNOHANG) == 0) {
            if (std::chrono::steady_clock::now() > deadline) {
                ++hung;
                ::kill(pid, SIGKILL);
                ::waitpid(pid, &status, 0);
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (hung == 0) {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "run " << i << ": " << status;
        }
    }
    stop = true;
    churn.join();
    EXPECT_EQ(hung, 0) << read_file(dir / "out.log");
}

class GuestCgroupTest : public TempDirTest {
protected:
    std::string contents(const std::filesystem::path& p) {
        std::ifstream in(p);
        std::string s;
        std::getline(in, s);
        return s;
    }
    // A cgroup v1 layout: one hierarchy per controller, each with its tasks file.
    void mount_v1(std::initializer_list<const char*> controllers) {
        for (const char* c : controllers) {
            std::filesystem::create_directories(dir / c);
            std::ofstream(dir / c / "tasks").put('\n');
        }
    }
    GuestCgroupLimits limits{512ull << 20, 2048, 100};
};

TEST_F(GuestCgroupTest, Version1OneHierarchyPerController) {
    mount_v1({"memory", "pids", "cpu", "cpuacct"});
    std::ofstream(dir / "memory" / "oyster-probe");  // unrelated file: ignored
    auto cg = create_guest_cgroup("abc123", limits, dir.string());
    EXPECT_TRUE(cg.notes.empty());
    ASSERT_EQ(cg.procs_files.size(), 4u);
    EXPECT_EQ(cg.procs_files[3], (dir / "cpuacct/oyster/abc123/cgroup.procs").string()) << "joined, for CPU time";
    EXPECT_EQ(contents(dir / "memory/oyster/abc123/memory.limit_in_bytes"), std::to_string(512ull << 20));
    EXPECT_EQ(contents(dir / "pids/oyster/abc123/pids.max"), "2048");
    EXPECT_EQ(contents(dir / "cpu/oyster/abc123/cpu.cfs_quota_us"), "100000");
    EXPECT_EQ(contents(dir / "cpu/oyster/cpu.shares"), "512") << "all guests weigh half the host's processes";
    EXPECT_EQ(cg.procs_files[0], (dir / "memory/oyster/abc123/cgroup.procs").string());
}

TEST_F(GuestCgroupTest, Version2OneGroupAndDelegation) {
    std::ofstream(dir / "cgroup.controllers") << "cpuset cpu io memory pids\n";
    auto cg = create_guest_cgroup("abc123", limits, dir.string());
    EXPECT_TRUE(cg.notes.empty());
    ASSERT_EQ(cg.procs_files.size(), 1u);
    EXPECT_EQ(contents(dir / "oyster/abc123/memory.max"), std::to_string(512ull << 20));
    EXPECT_EQ(contents(dir / "oyster/abc123/pids.max"), "2048");
    EXPECT_EQ(contents(dir / "oyster/abc123/cpu.max"), "100000 100000");
    EXPECT_EQ(contents(dir / "oyster/cpu.weight"), "50") << "all guests weigh half the host's processes";
    EXPECT_EQ(contents(dir / "oyster/cgroup.subtree_control"), "+memory +pids +cpu");
}

TEST_F(GuestCgroupTest, UnwritableHierarchyIsNotAvailableNotAnError) {
    mount_v1({"memory", "pids", "cpu", "cpuacct"});
    // "oyster" as a file: the group cannot be made (as on a read-only tree).
    std::ofstream(dir / "memory" / "oyster").put('\n');
    auto cg = create_guest_cgroup("abc123", limits, dir.string());
    EXPECT_EQ(cg.procs_files.size(), 3u);
    ASSERT_EQ(cg.notes.size(), 1u);
    EXPECT_NE(cg.notes[0].find("memory/oyster/abc123"), std::string::npos) << cg.notes[0];
}

TEST_F(GuestCgroupTest, MissingControllersAreNamed) {
    mount_v1({"pids"});
    auto cg = create_guest_cgroup("abc123", limits, dir.string());
    ASSERT_EQ(cg.procs_files.size(), 1u);
    ASSERT_EQ(cg.notes.size(), 3u);
    EXPECT_NE(cg.notes[0].find("memory"), std::string::npos);
    EXPECT_NE(cg.notes[1].find("'cpu'"), std::string::npos);
    EXPECT_NE(cg.notes[2].find("'cpuacct'"), std::string::npos);
}

TEST_F(GuestCgroupTest, CpuTimeAndThreadsOfAGuest) {
    mount_v1({"memory", "pids", "cpu", "cpuacct"});
    create_guest_cgroup("abc123", limits, dir.string());
    EXPECT_FALSE(guest_cpu_time_ns("abc123", dir.string())) << "nothing written yet";
    std::ofstream(dir / "cpuacct/oyster/abc123/cpuacct.usage") << "123456789\n";
    std::ofstream(dir / "pids/oyster/abc123/tasks") << "41\n42\n";
    EXPECT_EQ(guest_cpu_time_ns("abc123", dir.string()), 123456789u);
    EXPECT_EQ(guest_threads("abc123", dir.string()), (std::vector<pid_t>{41, 42}));
    EXPECT_FALSE(guest_cpu_time_ns("other", dir.string()));
    EXPECT_TRUE(guest_threads("other", dir.string()).empty());
}

TEST_F(GuestCgroupTest, CpuTimeAndThreadsOnVersion2) {
    std::ofstream(dir / "cgroup.controllers") << "cpu memory pids\n";
    create_guest_cgroup("abc123", limits, dir.string());
    std::ofstream(dir / "oyster/abc123/cpu.stat") << "usage_usec 2500\nuser_usec 2000\nsystem_usec 500\n";
    std::ofstream(dir / "oyster/abc123/cgroup.threads") << "7\n";
    EXPECT_EQ(guest_cpu_time_ns("abc123", dir.string()), 2500000u);
    EXPECT_EQ(guest_threads("abc123", dir.string()), (std::vector<pid_t>{7}));
}

}  // namespace
}  // namespace oyster
