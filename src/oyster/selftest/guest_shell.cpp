#include "oyster/selftest/guest_shell.h"

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster {

GuestShell::GuestShell(std::string ip, std::string root_password)
    : ip_(std::move(ip)), password_(std::move(root_password)) {}

std::vector<std::string> GuestShell::ssh_options() const {
    // The guest's host key is new each image; nothing is kept.
    return {"-q",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "ConnectTimeout=20",
            "-o",
            "PreferredAuthentications=password",
            "-o",
            "PubkeyAuthentication=no"};
}

CommandResult GuestShell::run(const std::string& command) const {
    // The password goes in sshpass's environment, not on a command line.
    std::vector<std::string> argv = {"sshpass", "-e", "ssh"};
    auto opts = ssh_options();
    argv.insert(argv.end(), opts.begin(), opts.end());
    argv.push_back("root@" + ip_);
    argv.push_back(command);
    auto r = run_capture(argv, {"SSHPASS=" + password_}, ChildStderr::discard);
    if (r.exit_code == 255) throw Error(fmt::format("ssh root@{} failed (exit 255)", ip_));
    return r;
}

int GuestShell::try_login(const std::string& user) const {
    std::vector<std::string> argv = {"sshpass", "-e", "ssh"};
    auto opts = ssh_options();
    argv.insert(argv.end(), opts.begin(), opts.end());
    argv.push_back(user + "@" + ip_);
    argv.push_back("true");
    return run_capture(argv, {"SSHPASS=" + password_}, ChildStderr::discard).exit_code;
}

void GuestShell::copy_in(const std::vector<std::filesystem::path>& files, const std::string& dir) const {
    run("mkdir -p " + dir);
    if (files.empty()) return;
    std::vector<std::string> argv = {"sshpass", "-e", "scp"};
    auto opts = ssh_options();
    argv.insert(argv.end(), opts.begin(), opts.end());
    for (const auto& f : files) argv.push_back(f.string());
    argv.push_back(fmt::format("root@{}:{}/", ip_, dir));
    auto r = run_capture(argv, {"SSHPASS=" + password_}, ChildStderr::inherit);
    if (r.exit_code != 0) throw Error(fmt::format("scp to root@{}:{} failed (exit {})", ip_, dir, r.exit_code));
}

}  // namespace oyster
