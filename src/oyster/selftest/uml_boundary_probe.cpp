#include "oyster/selftest/uml_boundary_probe.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"
#include "oyster/jail/process_jail.h"
#include "oyster/sandbox/guest_jail_spec.h"

namespace oyster {
namespace {

constexpr auto kProbeDeadline = std::chrono::seconds(30);

// A socket of `type` bound to the abstract address `name`; streams listen.
FdGuard abstract_listener(const std::string& name, int type) {
    FdGuard fd(::socket(AF_UNIX, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (fd.get() < 0) throw_errno("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path + 1, name.data(), std::min(name.size(), sizeof addr.sun_path - 1));
    auto size = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + name.size());
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), size) != 0) throw_errno("bind @" + name);
    if (type == SOCK_STREAM && ::listen(fd.get(), 4) != 0) throw_errno("listen @" + name);
    return fd;
}

std::size_t datagrams_waiting(int fd) {
    std::size_t n = 0;
    char buf[256];
    while (::recv(fd, buf, sizeof buf, MSG_DONTWAIT) >= 0) ++n;
    return n;
}

std::size_t connections_waiting(int fd) {
    std::size_t n = 0;
    for (int c; (c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC)) >= 0; ++n) ::close(c);
    return n;
}

// Reads `fd` to its end or the deadline.
std::string read_until_end(int fd, std::chrono::steady_clock::time_point deadline) {
    std::string out;
    char buf[4096];
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

// LABEL=PATH for each path that exists on the host: a refusal to open a path
// that does not exist would prove nothing.
std::vector<std::string> existing(const std::string& label, std::initializer_list<std::filesystem::path> paths) {
    std::vector<std::string> out;
    for (const auto& p : paths) {
        std::error_code ec;
        if (std::filesystem::exists(p, ec)) out.push_back(label + "=" + p.string());
    }
    return out;
}

}  // namespace

std::vector<BoundaryAttempt> parse_boundary_probe(const std::string& output) {
    std::vector<BoundaryAttempt> out;
    for (auto line : split_lines(output)) {
        auto first = line.find(' ');
        if (first == std::string_view::npos) continue;
        auto second = line.find(' ', first + 1);
        if (second == std::string_view::npos) continue;
        BoundaryAttempt a{std::string(line.substr(0, first)), std::string(line.substr(first + 1, second - first - 1)),
                          std::string(line.substr(second + 1))};
        if (a.label.empty() || a.attempt.empty()) continue;
        if (a.outcome != "allowed" && !a.outcome.starts_with("denied ") && !a.outcome.starts_with("killed ") &&
            !a.outcome.starts_with("error ")) {
            continue;
        }
        out.push_back(std::move(a));
    }
    return out;
}

std::vector<CheckResult> judge_boundary(const std::vector<BoundaryAttempt>& attempts,
                                        const std::vector<std::pair<std::string, std::string>>& labels,
                                        std::size_t datagrams_received) {
    std::vector<CheckResult> out;
    for (const auto& [label, what] : labels) {
        CheckResult c{"uml_" + label, what, true, ""};
        std::vector<std::string> allowed, refused;
        for (const auto& a : attempts) {
            if (a.label != label) continue;
            // Only a refusal or the filter's kill is containment; "error"
            // means the attempt was not made.
            bool held = a.outcome.starts_with("denied ") || a.outcome.starts_with("killed ");
            (held ? refused : allowed).push_back(fmt::format("{} {}", a.attempt, a.outcome));
        }
        if (label == "sockets" && datagrams_received > 0) {
            allowed.push_back(fmt::format("{} datagrams reached the host's abstract socket", datagrams_received));
        }
        c.pass = allowed.empty() && !refused.empty();
        if (refused.empty() && allowed.empty()) {
            c.detail = "the probe made no attempt";
        } else if (!allowed.empty()) {
            c.detail = fmt::format("NOT held: {}", fmt::join(allowed, ", "));
        } else {
            c.detail = fmt::format("{}", fmt::join(refused, ", "));
        }
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<CheckResult> probe_uml_boundary(const Config& cfg, const GuestRecord& self, const GuestRecord& other,
                                            std::ostream& log) {
    const std::vector<std::pair<std::string, std::string>> labels = {
        {"host_files", "an escaped UML process cannot open the host's files (shadow, passwd, root's, the sensor's)"},
        {"other_guest", "nor another guest's disk, console log, capture or runtime directory"},
        {"own_record", "nor its own guest's capture, console log or record"},
        {"proc", "nor /proc or /sys, nor mount a procfs"},
        {"tun",
         "nor attach to another guest's tap, make a tap, or make one persistent or someone else's, by "
         "/dev/net/tun or the tap descriptor it holds"},
        {"sockets", "nor reach the host's abstract unix sockets, nor open an IP, netlink or packet socket"},
        {"capture", "nor truncate, punch, duplicate, re-flag or ioctl the capture descriptor"},
        {"processes", "nor signal or trace the host's processes, make a user namespace, become root or chroot"},
    };
    std::mt19937_64 rng{std::random_device{}()};
    std::string name = fmt::format("oyster-selftest-{}-{:x}", ::getpid(), rng());
    FdGuard datagrams = abstract_listener(name, SOCK_DGRAM);
    FdGuard streams = abstract_listener(name + "-stream", SOCK_STREAM);

    std::vector<std::string> argv = {program_beside_self("oyster-boundary-probe").string(), other.tap,
                                     std::to_string(::getpid()), name};
    auto add = [&argv](std::vector<std::string> more) { argv.insert(argv.end(), more.begin(), more.end()); };
    add(existing("host_files", {"/etc/shadow", "/etc/passwd", "/root/.ssh", "/root/.bash_history",
                                cfg.paths.state_dir / "sensor" / "events.jsonl", "/var/log/syslog", "/run/systemd"}));
    add(existing("other_guest", {other.cow, other.console_log(), other.capture_file(), other.record_path(),
                                 other.uml_dir(), other.mconsole_socket()}));
    add(existing("own_record", {self.capture_file(), self.capture_dir(), self.console_log(), self.record_path(),
                                self.capture_progress_file()}));

    std::vector<std::string> notes;
    ProcessJail jail = guest_jail(guest_jail_spec(cfg, self), notes);
    std::string staging = (self.dir / ".probe-jail-XXXXXX").string();
    if (::mkdtemp(staging.data()) == nullptr) throw_errno("mkdtemp " + staging);
    struct RemoveStaging {
        std::string dir;
        ~RemoveStaging() { ::rmdir(dir.c_str()); }
    } remove_staging{staging};
    jail.root_staging = staging;
    using Kind = JailEntry::Kind;
    jail.root.push_back({Kind::bind_read_only, argv[0], argv[0], true});
    for (const auto& lib : shared_libraries_of(argv[0])) {
        bool present =
            std::any_of(jail.root.begin(), jail.root.end(), [&](const JailEntry& e) { return e.target == lib; });
        if (!present) jail.root.push_back({Kind::bind_read_only, lib, lib, true});
    }

    int out[2], capture[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe");
    FdGuard out_read(out[0]), out_write(out[1]);
    if (::pipe2(capture, O_CLOEXEC) != 0) throw_errno("pipe");
    FdGuard capture_read(capture[0]), capture_write(capture[1]);
    log << fmt::format("selftest: probing the UML boundary as guest {}'s escaped UML process (uid {})\n", self.id,
                       jail.uid);
    for (const auto& n : notes) log << fmt::format("selftest: {}\n", n);
    // A tun descriptor as UML's tap is (its own tap is attached by the guest;
    // the seccomp filter judges requests, not the device behind them).
    FdGuard tun(::open("/dev/net/tun", O_RDWR | O_CLOEXEC));
    if (tun.get() < 0) throw_errno("open /dev/net/tun");
    pid_t pid = spawn_session(argv, out_write.get(), {}, {capture_write.get(), tun.get()}, &jail);
    out_write.reset();
    capture_write.reset();
    std::string text = read_until_end(out_read.get(), std::chrono::steady_clock::now() + kProbeDeadline);
    // Its output's end is its exit on the way: a moment to be reaped. Killed
    // only if it is still there after that, or hung before its end.
    int status = 0;
    auto reap_by = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    pid_t reaped = 0;
    while ((reaped = ::waitpid(pid, &status, WNOHANG)) == 0 && std::chrono::steady_clock::now() < reap_by) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    if (reaped == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
    }
    std::size_t received = datagrams_waiting(datagrams.get()) + connections_waiting(streams.get());
    auto results = judge_boundary(parse_boundary_probe(text), labels, received);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
        std::string why = WIFEXITED(status) ? fmt::format("exited {}", WEXITSTATUS(status))
                                            : fmt::format("killed by signal {}", WTERMSIG(status));
        for (auto& r : results) {
            r.pass = false;
            r.detail = fmt::format("the probe {} ({}); {}", why, text.substr(0, 300), r.detail);
        }
    }
    return results;
}

}  // namespace oyster
