// What a host must offer before it can run guests: root, /dev/net/tun, nft,
// free disk for images and COW files, and an XSAVE size the guest kernel can
// hold. Each check says what it found, so `oyster setup` can print it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace oyster {

struct HostCheck {
    std::string name;
    bool ok = false;
    std::string detail;
};

// The largest XSAVE image the guest kernel holds (HOST_FP_SIZE in
// kernel/patches/0001-*.patch).
inline constexpr std::size_t kGuestMaxXstateBytes = 16384;

// Bytes of XSAVE state the host transfers for PTRACE_GETREGSET NT_X86_XSTATE,
// measured on a traced child; nullopt if the host refuses.
std::optional<std::size_t> host_xstate_size();

// The host's memory (MemTotal of /proc/meminfo); 0 when it cannot be read.
std::uint64_t host_memory_bytes();

// Bytes free for an unprivileged writer on the filesystem holding `path`.
// Throws oyster::Error when it cannot be read.
std::uint64_t free_bytes(const std::filesystem::path& path);

// Throws oyster::Error, naming `key` (e.g. "FILE: guest.reserve_free_mib"),
// when the filesystem holding `path` has less than `reserve_mib` free.
void require_free_space(const std::filesystem::path& path, std::uint32_t reserve_mib, const std::string& key);

std::vector<HostCheck> run_host_checks(const std::filesystem::path& cache_dir, std::uint64_t min_free_bytes);

}  // namespace oyster
