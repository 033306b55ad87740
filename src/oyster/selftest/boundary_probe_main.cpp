// oyster-boundary-probe: what an attacker who escaped a guest's kernel into
// its UML process would try first. `oyster selftest containment` runs it
// under that guest's own jail (jail/guest_jail.h: its uid, namespaces, root,
// limits, Landlock scopes and the UML seccomp filter, with descriptor 3 a
// pipe like the capture's and descriptor 4 a tun descriptor like its tap's)
// and judges what it prints.
//
// Each attempt runs in a child of its own, because the seccomp filter kills
// the process that makes a forbidden call; one line per attempt:
//   <label> <attempt> allowed | denied <ERRNO> | killed <SIGNAL>
// It uses only the C library: its view holds nothing else (and no
// sanitizer runtime, which the filter would kill).

#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

constexpr int kAllowed = 0;
constexpr int kFirstErrno = 1;

// The child's exit status: 0 when the call succeeded, else its errno.
int outcome(long rc) {
    if (rc >= 0) return kAllowed;
    return errno >= kFirstErrno && errno < 256 ? errno : 255;
}

template <class Attempt>
void attempt(const char* label, const char* what, Attempt run) {
    std::fflush(stdout);
    pid_t pid = ::fork();
    if (pid < 0) {
        std::printf("%s %s error fork:%s\n", label, what, strerrorname_np(errno));
        return;
    }
    if (pid == 0) _exit(run());
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFSIGNALED(status)) {
        std::printf("%s %s killed SIG%s\n", label, what, sigabbrev_np(WTERMSIG(status)));
    } else if (WEXITSTATUS(status) == kAllowed) {
        std::printf("%s %s allowed\n", label, what);
    } else {
        std::printf("%s %s denied %s\n", label, what, strerrorname_np(WEXITSTATUS(status)));
    }
}

void try_path(const char* label, const char* path) {
    char what[600];
    std::snprintf(what, sizeof what, "open:%s", path);
    attempt(label, what, [path] { return outcome(::open(path, O_RDONLY | O_CLOEXEC)); });
}

// TUNSETIFF on `fd`: attach it to tap `name` (made if missing).
int tunsetiff(int fd, const char* name, short flags) {
    ifreq req{};
    std::snprintf(req.ifr_name, sizeof req.ifr_name, "%s", name);
    req.ifr_flags = flags;
    return outcome(::ioctl(fd, TUNSETIFF, &req));
}

int tun_attach(const char* name, short flags) {
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return outcome(fd);
    return tunsetiff(fd, name, flags);
}

int tun_ioctl(unsigned long request, unsigned long value) {
    int fd = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return outcome(fd);
    return outcome(::ioctl(fd, request, value));
}

// The tap descriptor UML is handed (jail/guest_jail.h kTapFd).
constexpr int kTapFd = 4;

int abstract_socket(const char* name, int type) {
    int fd = ::socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) return outcome(fd);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::size_t len = std::strlen(name);
    if (len + 1 > sizeof addr.sun_path) len = sizeof addr.sun_path - 1;
    std::memcpy(addr.sun_path + 1, name, len);
    auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
    if (type == SOCK_DGRAM) {
        static const char kMessage[] = "oyster boundary probe";
        return outcome(::sendto(fd, kMessage, sizeof kMessage - 1, 0, reinterpret_cast<sockaddr*>(&addr), size));
    }
    return outcome(::connect(fd, reinterpret_cast<sockaddr*>(&addr), size));
}

constexpr const char* kUsage =
    "usage: oyster-boundary-probe OTHER_TAP HOST_PID ABSTRACT_NAME [LABEL=PATH...]\n"
    "Run by `oyster selftest containment` inside a guest's UML jail; prints one\n"
    "line per attempt: LABEL ATTEMPT allowed | denied ERRNO | killed SIGNAL.\n";

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || std::strcmp(argv[1], "--help") == 0) {
        std::fputs(kUsage, argc < 4 ? stderr : stdout);
        return argc < 4 ? 2 : 0;
    }
    const char* other_tap = argv[1];
    const pid_t host_pid = static_cast<pid_t>(std::strtol(argv[2], nullptr, 10));
    const char* abstract_name = argv[3];

    // Files: the host's, other guests', this guest's own evidence.
    for (int i = 4; i < argc; ++i) {
        char* eq = std::strchr(argv[i], '=');
        if (eq == nullptr) continue;
        *eq = '\0';
        try_path(argv[i], eq + 1);
    }
    for (const char* p : {"/proc/1/environ", "/proc/self/mountinfo", "/sys/class/net"}) try_path("proc", p);
    attempt("proc", "mount:proc", [] { return outcome(::mount("proc", "/dev/shm", "proc", 0, nullptr)); });

    // The tun device: another guest's tap, a new tap, and the ioctls that
    // would make or hand over one.
    char what[128];
    std::snprintf(what, sizeof what, "TUNSETIFF:%s", other_tap);
    attempt("tun", what, [other_tap] { return tun_attach(other_tap, IFF_TAP | IFF_NO_PI); });
    attempt("tun", "TUNSETIFF:new", [] { return tun_attach("oysterprobe0", IFF_TAP | IFF_NO_PI); });
    attempt("tun", "TUNSETIFF:multiqueue",
            [other_tap] { return tun_attach(other_tap, static_cast<short>(IFF_TAP | IFF_NO_PI | IFF_MULTI_QUEUE)); });
    attempt("tun", "TUNSETPERSIST", [] { return tun_ioctl(TUNSETPERSIST, 1); });
    attempt("tun", "TUNSETOWNER", [] { return tun_ioctl(TUNSETOWNER, 0); });
    // The tun descriptor it is handed: attached elsewhere, made
    // persistent, someone else's, or given offloads.
    std::snprintf(what, sizeof what, "fd4:TUNSETIFF:%s", other_tap);
    attempt("tun", what, [other_tap] { return tunsetiff(kTapFd, other_tap, IFF_TAP | IFF_NO_PI); });
    attempt("tun", "fd4:TUNSETPERSIST", [] { return outcome(::ioctl(kTapFd, TUNSETPERSIST, 0UL)); });
    attempt("tun", "fd4:TUNSETOWNER", [] { return outcome(::ioctl(kTapFd, TUNSETOWNER, 0UL)); });
    attempt("tun", "fd4:TUNSETOFFLOAD", [] { return outcome(::ioctl(kTapFd, TUNSETOFFLOAD, 0UL)); });

    // Sockets: the host's abstract unix sockets (datagram and stream), and
    // any socket that reaches past unix ones.
    attempt("sockets", "sendto:abstract", [abstract_name] { return abstract_socket(abstract_name, SOCK_DGRAM); });
    std::string stream_name = std::string(abstract_name) + "-stream";
    attempt("sockets", "connect:abstract",
            [&stream_name] { return abstract_socket(stream_name.c_str(), SOCK_STREAM); });
    attempt("sockets", "socket:inet", [] { return outcome(::socket(AF_INET, SOCK_STREAM, 0)); });
    attempt("sockets", "socket:inet6", [] { return outcome(::socket(AF_INET6, SOCK_DGRAM, 0)); });
    attempt("sockets", "socket:netlink", [] { return outcome(::socket(AF_NETLINK, SOCK_RAW, 0)); });
    attempt("sockets", "socket:packet", [] { return outcome(::socket(AF_PACKET, SOCK_RAW, 0)); });

    // The capture descriptor (3): append-only evidence.
    attempt("capture", "ftruncate", [] { return outcome(::ftruncate(3, 0)); });
    attempt("capture", "fallocate",
            [] { return outcome(::fallocate(3, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, 0, 1)); });
    attempt("capture", "dup2", [] { return outcome(::dup2(3, 20)); });
    attempt("capture", "fcntl:F_SETFL", [] { return outcome(::fcntl(3, F_SETFL, 0)); });
    attempt("capture", "fcntl:F_DUPFD", [] { return outcome(::fcntl(3, F_DUPFD, 20)); });
    attempt("capture", "ioctl:FIONREAD", [] {
        int n = 0;
        return outcome(::ioctl(3, FIONREAD, &n));
    });

    // Processes and privileges outside the jail.
    attempt("processes", "kill:host", [host_pid] { return outcome(::kill(host_pid, 0)); });
    attempt("processes", "ptrace:host",
            [host_pid] { return outcome(::ptrace(PTRACE_ATTACH, host_pid, nullptr, nullptr)); });
    attempt("processes", "unshare:user", [] { return outcome(::unshare(CLONE_NEWUSER)); });
    attempt("processes", "setuid:0", [] { return outcome(::setuid(0)); });
    attempt("processes", "chroot", [] { return outcome(::chroot("/dev/shm")); });
    return 0;
}
