#include "oyster/selftest/reference_sshd.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/jail/process_jail.h"
#include "oyster/selftest/ssh_kexinit.h"
#include "oyster/selftest/tool_packages.h"

namespace oyster {

namespace {

// A port nothing listens on now: the kernel's choice for a bound socket.
std::uint16_t free_loopback_port() {
    FdGuard fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw_errno("socket");
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof sin;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sin), len) != 0 ||
        ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sin), &len) != 0) {
        throw_errno("bind a loopback port");
    }
    return ntohs(sin.sin_port);
}

void must_run(const std::vector<std::string>& argv, const std::string& what) {
    auto r = run_capture(argv, {}, ChildStderr::inherit);
    if (r.exit_code != 0) throw Error(fmt::format("{} failed (exit {})", what, r.exit_code));
}

}  // namespace

ReferenceSshd::ReferenceSshd(const std::filesystem::path& cache_dir, const std::filesystem::path& work_dir) {
    auto cached = cached_selftest_packages(cache_dir);
    auto deb = cached.find(kStockSshPackage);
    if (deb == cached.end()) {
        throw Error(fmt::format("no {} package in {}: `oyster setup` fetches it", kStockSshPackage,
                                selftest_debs_dir(cache_dir).string()));
    }
    std::filesystem::remove_all(work_dir);
    std::filesystem::create_directories(work_dir);
    must_run({"dpkg-deb", "-x", deb->second.string(), (work_dir / "root").string()}, "unpacking openssh-server");
    for (const char* type : {"rsa", "ecdsa", "ed25519"}) {
        must_run({"ssh-keygen", "-q", "-t", type, "-N", "", "-f",
                  (work_dir / fmt::format("ssh_host_{}_key", type)).string()},
                 fmt::format("ssh-keygen -t {}", type));
    }
    port_ = free_loopback_port();
    pid_ = spawn_session(
        {(data_dir() / "selftest" / "reference-sshd.sh").string(), work_dir.string(), std::to_string(port_)},
        work_dir / "sshd.log");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (true) {
        try {
            (void)fetch_ssh_hello("127.0.0.1", port_, 2000);
            return;
        } catch (const Error& e) {
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;
                throw Error(fmt::format("the stock sshd exited at once; see {}", (work_dir / "sshd.log").string()));
            }
            if (std::chrono::steady_clock::now() > deadline) {
                ::kill(-pid_, SIGKILL);
                ::waitpid(pid_, nullptr, 0);
                pid_ = -1;
                throw Error(fmt::format("the stock sshd does not answer: {}", e.what()));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    }
}

ReferenceSshd::~ReferenceSshd() {
    if (pid_ > 0) {
        ::kill(-pid_, SIGKILL);
        ::waitpid(pid_, nullptr, 0);
    }
}

}  // namespace oyster
