#include "oyster/sandbox/host_checks.h"

#include <elf.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/statvfs.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <vector>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/meminfo.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"

namespace oyster {

std::optional<std::size_t> host_xstate_size() {
    pid_t child = ::fork();
    if (child < 0) return std::nullopt;
    if (child == 0) {
        ::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
        ::raise(SIGSTOP);
        _exit(0);
    }
    int status = 0;
    std::optional<std::size_t> size;
    if (::waitpid(child, &status, 0) == child && WIFSTOPPED(status)) {
        // The host trims iov_len to its own XSAVE size: ask with more room.
        std::vector<unsigned char> buf(std::size_t{64} * 1024);
        iovec iov{buf.data(), buf.size()};
        if (::ptrace(PTRACE_GETREGSET, child, reinterpret_cast<void*>(NT_X86_XSTATE), &iov) == 0) {
            size = iov.iov_len;
        }
    }
    ::kill(child, SIGKILL);
    ::waitpid(child, &status, 0);
    return size;
}

std::uint64_t host_memory_bytes() {
    try {
        return meminfo_kib(read_file("/proc/meminfo"), "MemTotal") * 1024;
    } catch (const Error&) {
        return 0;
    }
}

std::uint64_t free_bytes(const std::filesystem::path& path) {
    struct statvfs vfs {};
    if (::statvfs(path.c_str(), &vfs) != 0) throw_errno("statvfs " + path.string());
    return std::uint64_t{vfs.f_bavail} * vfs.f_frsize;
}

void require_free_space(const std::filesystem::path& path, std::uint32_t reserve_mib, const std::string& key) {
    std::uint64_t free = free_bytes(path);
    if (free >= std::uint64_t{reserve_mib} << 20) return;
    throw Error(fmt::format("{} MiB free at {}, less than the {} MiB reserve ({}): no guest starts until there is more",
                            free >> 20, path.string(), reserve_mib, key));
}

std::vector<HostCheck> run_host_checks(const std::filesystem::path& cache_dir, std::uint64_t min_free_bytes) {
    std::vector<HostCheck> checks;
    bool root = ::geteuid() == 0;
    checks.push_back({"root", root, root ? "running as root" : "run as root (taps, nftables, namespaces)"});

    bool tun = ::access("/dev/net/tun", R_OK | W_OK) == 0;
    checks.push_back({"tun", tun, tun ? "/dev/net/tun usable" : "/dev/net/tun missing or not writable (modprobe tun)"});

    auto nft = find_in_path("nft");
    checks.push_back({"nft", !nft.empty(), nft.empty() ? "nft not found (apt-get install nftables)" : nft.string()});

    std::error_code ec;
    std::filesystem::create_directories(cache_dir, ec);
    try {
        std::uint64_t free = free_bytes(cache_dir);
        checks.push_back(
            {"disk", free >= min_free_bytes,
             fmt::format("{:.1f} GiB free at {} (need {:.1f} GiB)", static_cast<double>(free) / 1073741824.0,
                         cache_dir.string(), static_cast<double>(min_free_bytes) / 1073741824.0)});
    } catch (const Error&) {
        checks.push_back({"disk", false, "cannot stat " + cache_dir.string()});
    }

    auto xs = host_xstate_size();
    if (!xs) {
        checks.push_back({"xstate", false, "PTRACE_GETREGSET NT_X86_XSTATE refused: UML cannot save FPU state"});
    } else {
        bool ok = *xs <= kGuestMaxXstateBytes;
        checks.push_back(
            {"xstate", ok,
             fmt::format("host XSAVE state {} bytes (guest kernel holds up to {})", *xs, kGuestMaxXstateBytes)});
    }
    return checks;
}

}  // namespace oyster
