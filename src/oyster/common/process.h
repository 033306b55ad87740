// Running host programs (build scripts whose output the operator watches,
// probes whose output is an answer) and finding out about processes. Long-
// lived processes that outlive the command that started them, jailed or
// not, are started by jail/process_jail.h.
#pragma once

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

// The process's start time in clock ticks since boot (field 22 of
// /proc/PID/stat): with the pid, it names a process even after pid reuse.
std::optional<std::uint64_t> process_start_time(pid_t pid);

// True if `pid` exists, is not a zombie, and (when given) started at `start_time`.
bool process_alive(pid_t pid, std::optional<std::uint64_t> start_time = std::nullopt);

// The shared libraries `binary` loads, its interpreter included, as ldd
// lists them (what a jail's root must hold to run it); empty for a static
// binary. Cached per path.
std::vector<std::string> shared_libraries_of(const std::string& binary);

// Path of the program `name` in PATH, or empty.
std::filesystem::path find_in_path(const std::string& name);

}  // namespace oyster
