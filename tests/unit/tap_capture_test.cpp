// TapCapture on a real interface: the loopback of a network namespace made
// for the test (in a child process, so the test runner's own namespace is
// never touched), with a burst of UDP far larger than the quota.
#include "oyster/net/tap_capture.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstring>
#include <thread>

#include "temp_dir.h"

namespace oyster {
namespace {

using TapCaptureTest = testing::TempDirTest;

constexpr std::uint64_t kQuota = 100 << 10;
constexpr std::uint64_t kRotate = 32 << 10;

bool bring_loopback_up() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    ifreq ifr{};
    std::strncpy(ifr.ifr_name, "lo", IFNAMSIZ - 1);
    bool ok = ::ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
    ok = ok && ::ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
    ::close(fd);
    return ok;
}

// 2 MiB of datagrams in one burst, so the capture thread finds many of them
// waiting in its ring at once, on both sides of the quota.
bool send_burst() {
    int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return false;
    sockaddr_in to{};
    to.sin_family = AF_INET;
    to.sin_port = htons(9);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::array<char, 1000> payload{};
    for (int i = 0; i < 2048; ++i)
        ::sendto(fd, payload.data(), payload.size(), 0, reinterpret_cast<const sockaddr*>(&to), sizeof to);
    ::close(fd);
    return true;
}

// Exit codes of the child say which step failed.
int capture_a_burst(const std::filesystem::path& dir) {
    if (::unshare(CLONE_NEWNET) != 0) return 10;
    if (!bring_loopback_up()) return 11;
    TapCapture capture("lo", dir, kRotate, kQuota);
    if (!send_burst()) return 12;
    for (int i = 0; i < 100 && capture.packets_not_written() == 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!capture.quota_reached()) return 13;
    if (capture.packets_not_written() == 0) return 14;
    return 0;
}

TEST_F(TapCaptureTest, TheFilesTogetherNeverPassTheQuota) {
    if (::geteuid() != 0) GTEST_SKIP() << "a network namespace needs root";
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        int rc = 20;
        try {
            rc = capture_a_burst(dir);
        } catch (...) {
            rc = 21;
        }
        ::_exit(rc);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0) << "the child's failing step (see capture_a_burst)";

    auto files = pcap_files_in(dir);
    ASSERT_GE(files.size(), 3U) << "rotation at " << kRotate << " bytes";
    std::uint64_t total = 0;
    for (const auto& f : files) total += std::filesystem::file_size(f);
    EXPECT_LE(total, kQuota);
    // Full packets of ~1 KiB fill it to within one of the quota.
    EXPECT_GT(total, kQuota - 2048);
}

}  // namespace
}  // namespace oyster
