// Root's shell in a guest, over real OpenSSH from the host (ssh and scp,
// root's password as setup recorded it in platform.json, through sshpass): how
// `oyster selftest` works inside a guest the way an intruder would.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "oyster/common/process.h"

namespace oyster {

class GuestShell {
public:
    GuestShell(std::string ip, std::string root_password);

    // Runs `command` as root in the guest; its stdout. Throws oyster::Error
    // when ssh itself fails (exit 255); the command's own status is returned.
    CommandResult run(const std::string& command) const;

    // Copies host files into the guest's `dir` (created). Throws oyster::Error.
    void copy_in(const std::vector<std::filesystem::path>& files, const std::string& dir) const;

    // Tries `user` with this shell's password, running `true`: sshpass's
    // exit status (0 logged in, 5 the password refused, else no answer).
    int try_login(const std::string& user) const;

    // Root's password, for a shell in another guest of the same platform.
    const std::string& root_password() const { return password_; }

private:
    std::vector<std::string> ssh_options() const;
    std::string ip_;
    std::string password_;
};

}  // namespace oyster
