// What run_capture() (common/process.h) and spawn_session()
// (jail/process_jail.h) share around fork and execve: the argument and
// environment vectors, built before fork, and the child's failure report,
// written after it with system calls only (a child may not allocate).
#pragma once

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace oyster::child_exec {

inline std::vector<char*> to_argv(const std::vector<std::string>& args) {
    std::vector<char*> out;
    out.reserve(args.size() + 1);
    for (const auto& a : args) out.push_back(const_cast<char*>(a.c_str()));
    out.push_back(nullptr);
    return out;
}

// Our environment plus "NAME=value" entries, built before fork (a child may
// only make async-signal-safe calls).
inline std::vector<std::string> environment_with(const std::vector<std::string>& extra) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) env.emplace_back(*e);
    env.insert(env.end(), extra.begin(), extra.end());
    return env;
}

// After fork, only async-signal-safe calls: "<what>: <step> (errno N)" to
// stderr (the caller's log, when it is set up yet), without allocating.
inline void write_child_failure(const char* what, const char* step, int err) {
    char num[16];
    char* p = num + sizeof num;
    unsigned n = err < 0 ? 0U : static_cast<unsigned>(err);
    do {
        *--p = static_cast<char>('0' + n % 10);
        n /= 10;
    } while (n != 0 && p > num);
    for (const char* part : {what, ": ", step, " (errno "}) {
        [[maybe_unused]] auto w = ::write(2, part, std::strlen(part));
    }
    [[maybe_unused]] auto w = ::write(2, p, static_cast<std::size_t>(num + sizeof num - p));
    [[maybe_unused]] auto e = ::write(2, ")\n", 2);
}

[[noreturn]] inline void child_fail(const char* step) {
    write_child_failure("oyster: cannot start the process", step, errno);
    _exit(127);
}

}  // namespace oyster::child_exec
