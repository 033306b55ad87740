#include "oyster/common/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

#include "oyster/common/child_exec.h"
#include "oyster/common/error.h"

namespace oyster {

using child_exec::child_fail;
using child_exec::environment_with;
using child_exec::to_argv;

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
        if (devnull < 0 || ::dup2(devnull, 0) < 0 || ::dup2(out[1], 1) < 0) child_fail("redirect stdio");
        if (child_stderr == ChildStderr::discard && ::dup2(devnull, 2) < 0) child_fail("redirect stderr");
        ::close_range(3, ~0U, 0);
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::execvpe(args[0], args.data(), envp.data());
        child_fail("execve");
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

std::vector<std::string> shared_libraries_of(const std::string& binary) {
    static std::mutex mutex;
    static std::map<std::string, std::vector<std::string>> cache;
    std::lock_guard lock(mutex);
    if (auto it = cache.find(binary); it != cache.end()) return it->second;
    auto result = run_capture({"ldd", binary}, {}, ChildStderr::discard);
    std::vector<std::string> libs;
    if (result.exit_code == 0) {
        std::istringstream lines(result.stdout_text);
        for (std::string line; std::getline(lines, line);) {
            // "libc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x...)" or
            // "/lib64/ld-linux-x86-64.so.2 (0x...)"; the vDSO has no path.
            std::istringstream words(line);
            for (std::string w; words >> w;) {
                if (w.starts_with('/')) {
                    libs.push_back(w);
                    break;
                }
            }
        }
    }
    cache[binary] = libs;
    return libs;
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
