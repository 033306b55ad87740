// A stock Debian sshd to hold a guest's against: the openssh-server
// package of the host's apt sources (Debian bookworm, as the guest),
// unpacked (never installed) into a work directory, with the three host key
// types Debian's package makes, run on 127.0.0.1 by
// selftest/reference-sshd.sh. What it offers before authentication is the
// stock offer; its configuration is sshd's compiled-in defaults, as Debian's
// sshd_config changes none of what the key exchange offers.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>

namespace oyster {

class ReferenceSshd {
public:
    // Unpacks the package cached by `oyster setup` (tool_packages.h) into
    // `work_dir`, makes keys and starts it; waits until it answers. Throws
    // oyster::Error.
    ReferenceSshd(const std::filesystem::path& cache_dir, const std::filesystem::path& work_dir);
    ~ReferenceSshd();
    ReferenceSshd(const ReferenceSshd&) = delete;
    ReferenceSshd& operator=(const ReferenceSshd&) = delete;

    std::uint16_t port() const { return port_; }

private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
};

}  // namespace oyster
