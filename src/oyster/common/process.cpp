#include "oyster/common/process.h"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "oyster/common/error.h"

extern char** environ;

namespace oyster {
namespace {

std::vector<char*> to_argv(const std::vector<std::string>& args) {
    std::vector<char*> out;
    out.reserve(args.size() + 1);
    for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

// Our environment plus "NAME=value" entries, built before fork (a child may
// only make async-signal-safe calls).
std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

// After fork, only async-signal-safe calls: report failure by exit code.
[[noreturn]] void child_fail() {
    _exit(127);
}

// After fork: only system calls. Order matters: limits and groups while
// still root, then gid, then uid (after which nothing can be taken back).
// Returns the step that failed, or nullptr.
const char* enter_jail(const ProcessJail& jail) {
    if (jail.private_tun) {
        // Slave: host mounts still appear inside, ours never leak out.
        if (::unshare(CLONE_NEWNS) != 0) return "unshare(CLONE_NEWNS)";
        if (::mount(nullptr, "/", nullptr, MS_REC | MS_SLAVE, nullptr) != 0) return "mount --make-rslave /";
        if (::mount("tmpfs", "/dev/net", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=16k") != 0) {
            return "mount tmpfs on /dev/net";
        }
        if (::mknod("/dev/net/tun", S_IFCHR | 0666, makedev(10, 200)) != 0) return "mknod /dev/net/tun";
        if (::chmod("/dev/net/tun", 0666) != 0) return "chmod /dev/net/tun";
    }
    for (const auto& [resource, value] : jail.limits) {
        rlimit rl{value, value};
        if (::setrlimit(resource, &rl) != 0) return "setrlimit";
    }
    if (jail.uid != 0) {
        if (::setgroups(0, nullptr) != 0) return "setgroups";
        if (::setresgid(jail.gid, jail.gid, jail.gid) != 0) return "setresgid";
        if (::setresuid(jail.uid, jail.uid, jail.uid) != 0) return "setresuid";
        if (::getuid() != jail.uid || ::geteuid() != jail.uid) return "uid check";
    }
    if (jail.no_new_privs && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return "no_new_privs";
    return nullptr;
}

}  // namespace

CommandResult run_capture(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
                          ChildStderr child_stderr) {
    if (argv.empty()) throw Error("run_capture: empty command");
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0) throw_errno("pipe");
    std::vector<std::string> env_store = environment_with(extra_env);
    auto envp = to_argv(env_store);
    auto args = to_argv(argv);

    pid_t pid = ::fork();
    if (pid < 0) throw_errno("fork");
    if (pid == 0) {
        int devnull = ::open("/dev/null", O_RDWR);
        if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(out[1], 1) < 0) child_fail();
        if (child_stderr == ChildStderr::discard && ::dup2(devnull, 2) < 0) child_fail();
        ::close_range(3, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execvpe(args[0], args.data(), envp.data());
        child_fail();
    }
    ::close(out[1]);
    CommandResult result;
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        result.stdout_text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw_errno("waitpid");
    }
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return result;
}

pid_t spawn_session(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const std::vector<std::string>& extra_env, int pass_fd, const ProcessJail* jail) {
    if (argv.empty()) throw Error("spawn_session: empty command");
    int log = ::open(log_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (log < 0) throw_errno("open " + log_file.string());
    auto args = to_argv(argv);
    std::vector<std::string> env_store = environment_with(extra_env);
    auto envp = to_argv(env_store);
    pid_t pid = ::fork();
    if (pid < 0) {
        int err = errno;
        ::close(log);
        throw_errno("fork", err);
    }
    if (pid == 0) {
        ::setsid();
        int devnull = ::open("/dev/null", O_RDONLY);
        if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(log, 1) < 0 || ::dup2(log, 2) < 0) child_fail();
        // The guest must not inherit the caller's signal dispositions or
        // mask (the sensor blocks SIGINT/SIGTERM to read them by signalfd).
        ::signal(SIGINT, SIG_DFL);
        ::signal(SIGTERM, SIG_DFL);
        ::signal(SIGPIPE, SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        if (pass_fd >= 0) {
            // dup2 onto itself keeps FD_CLOEXEC, so clear it explicitly.
            if (pass_fd != 3 && ::dup2(pass_fd, 3) < 0) child_fail();
            if (::fcntl(3, F_SETFD, 0) < 0) child_fail();
        }
        // Nothing else of ours may leak into the guest's process: libraries
        // (libpcap, libnftables) open descriptors without O_CLOEXEC.
        ::close_range(pass_fd >= 0 ? 4 : 3, ~0U, 0);
        if (jail != nullptr) {
            if (const char* failed = enter_jail(*jail)) {
                // Into the console log, where start_guest's error shows it.
                const char prefix[] = "oyster: cannot jail the guest process: ";
                [[maybe_unused]] auto a = ::write(2, prefix, sizeof prefix - 1);
                [[maybe_unused]] auto b = ::write(2, failed, std::strlen(failed));
                [[maybe_unused]] auto c = ::write(2, "\n", 1);
                _exit(126);
            }
        }
        ::execve(args[0], args.data(), envp.data());
        child_fail();
    }
    ::close(log);
    return pid;
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return std::nullopt;
    // comm (field 2) may hold spaces and parentheses: parse after the last ')'.
    auto close = line.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(line.substr(close + 2));
    std::string field;
    char state = 0;
    fields >> state;
    if (state == 'Z' || state == 'X') return std::nullopt;
    // We are at field 3; start time is field 22.
    for (int i = 4; i <= 22; ++i) {
        if (!(fields >> field)) return std::nullopt;
    }
    try {
        return std::stoull(field);
    } catch (...) {
        return std::nullopt;
    }
}

bool process_alive(pid_t pid, std::optional<std::uint64_t> start_time) {
    if (pid <= 0) return false;
    auto st = process_start_time(pid);
    if (!st) return false;
    return !start_time || *st == *start_time;
}

std::filesystem::path find_in_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::string dirs = path != nullptr ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
    std::istringstream ss(dirs);
    std::string dir;
    while (std::getline(ss, dir, ':')) {
        std::filesystem::path p = std::filesystem::path(dir.empty() ? "." : dir) / name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    for (const char* d : {"/usr/sbin", "/sbin"}) {
        std::filesystem::path p = std::filesystem::path(d) / name;
        if (::access(p.c_str(), X_OK) == 0) return p;
    }
    return {};
}

}  // namespace oyster
