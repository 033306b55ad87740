// Running host programs: build scripts whose output the operator watches, and
// long-lived guest processes that outlive the command that started them.
#pragma once

#include <sys/resource.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace oyster {

struct CommandResult {
    int exit_code = -1;       // -1 when killed by a signal
    std::string stdout_text;  // captured standard output
};

enum class ChildStderr { inherit, discard };

// Runs argv[0] (searched in PATH) with stdin from /dev/null, stderr inherited
// (so progress shows) or discarded (probes whose failure is an answer), and
// stdout captured. Extra environment entries are added as "NAME=value".
// Throws oyster::Error if it cannot be started.
CommandResult run_capture(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env = {},
                          ChildStderr child_stderr = ChildStderr::inherit);

// What a spawned process gives up before it runs (see sandbox/jail.h): its
// uid and gid (no supplementary groups), resource limits, and the ability to
// gain privileges again (no_new_privs). A uid of 0 keeps root.
struct ProcessJail {
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<std::pair<int, rlim_t>> limits;  // RLIMIT_*, soft = hard
    bool no_new_privs = false;
    // A mount namespace of its own in which /dev/net/tun is a fresh node
    // usable by the jailed uid (the host's may be root-only); the kernel
    // still lets that uid attach only to taps it owns.
    bool private_tun = false;
};

// Starts argv in a new session (its own process group) with stdin from
// /dev/null, stdout+stderr appended to `log_file`, the environment plus
// `extra_env` ("NAME=value"), `pass_fd` (when >= 0) as descriptor 3 and no
// other descriptor of ours, and `jail` (when given) applied before exec; a
// jail that cannot be applied makes the child exit 126 rather than run
// unjailed. Returns the pid.
pid_t spawn_session(const std::vector<std::string>& argv, const std::filesystem::path& log_file,
                    const std::vector<std::string>& extra_env = {}, int pass_fd = -1,
                    const ProcessJail* jail = nullptr);

// The process's start time in clock ticks since boot (field 22 of
// /proc/PID/stat): with the pid, it names a process even after pid reuse.
std::optional<std::uint64_t> process_start_time(pid_t pid);

// True if `pid` exists, is not a zombie, and (when given) started at `start_time`.
bool process_alive(pid_t pid, std::optional<std::uint64_t> start_time = std::nullopt);

// Path of the program `name` in PATH, or empty.
std::filesystem::path find_in_path(const std::string& name);

}  // namespace oyster
