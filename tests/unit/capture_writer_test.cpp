// The capture writer and the receive times: what reached the writer cannot
// be changed from the guest's side, not even through a copy of the
// descriptor an escaped UML process holds, and every part of the stream is
// stamped with the host's clock.
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <thread>

#include <nlohmann/json.hpp>

#include "capture_stream_builder.h"
#include "oyster/capture/capture_decoder.h"
#include "oyster/capture/capture_writer.h"
#include "oyster/capture/console_writer.h"
#include "oyster/capture/receive_times.h"
#include "oyster/jail/process_jail.h"
#include "oyster/jail/seccomp_policy.h"
#include "temp_dir.h"

namespace oyster::capture {
namespace {

using oyster::testing::TempDirTest;

std::vector<std::uint8_t> stamps_bytes(std::initializer_list<ReceiveStamp> stamps) {
    std::vector<std::uint8_t> out;
    for (const auto& s : stamps) {
        auto b = encode_receive_stamp(s);
        out.insert(out.end(), b.begin(), b.end());
    }
    return out;
}

std::string read_all(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(ReceiveTimes, FirstStampAtOrPastTheRecordsEnd) {
    auto t = ReceiveTimes::parse(stamps_bytes({{100, 5000}, {250, 7000}, {400, 9000}}));
    ASSERT_EQ(t.size(), 3u);
    EXPECT_EQ(t.received_ns(1), 5000u);
    EXPECT_EQ(t.received_ns(100), 5000u);
    EXPECT_EQ(t.received_ns(101), 7000u);
    EXPECT_EQ(t.received_ns(400), 9000u);
    EXPECT_FALSE(t.received_ns(401)) << "not stamped yet";
}

TEST(ReceiveTimes, TornEntryAndBackwardsStampsAreIgnored) {
    auto bytes = stamps_bytes({{100, 5000}, {90, 6000}, {200, 4000}, {300, 8000}});
    bytes.resize(bytes.size() + 7, 0xff);  // a writer killed mid-stamp
    auto t = ReceiveTimes::parse(bytes);
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t.received_ns(150), 8000u);
    EXPECT_TRUE(ReceiveTimes::parse({}).empty());
}

// A live decode lets go of the stamps behind it, and still answers for
// the records ahead.
TEST(ReceiveTimes, ForgetsStampsBehindTheReader) {
    ReceiveTimes t;
    for (std::uint64_t i = 1; i <= 10000; ++i) t.add({i * 100, i * 1000});
    t.forget_before(250);
    EXPECT_EQ(t.received_ns(250), 3000u);
    EXPECT_EQ(t.size(), 9998u);
    t.forget_before(900001);
    EXPECT_LE(t.size(), 1000u);
    EXPECT_EQ(t.received_ns(900001), 9001000u);
    EXPECT_EQ(t.received_ns(1000000), 10000000u);
    EXPECT_FALSE(t.received_ns(1000001));
}

class CaptureWriterTest : public TempDirTest {
protected:
    std::filesystem::path capture() const { return dir / "capture.bin"; }
    std::filesystem::path times() const { return dir / "capture.times"; }

    // Starts the real writer program on a new pipe; returns the write end.
    int start_writer(const std::string& max_bytes = "") {
        int fds[2];
        EXPECT_EQ(::pipe2(fds, O_CLOEXEC), 0);
        std::vector<std::string> argv = {OYSTER_CAPTURE_WRITER, capture().string(), times().string()};
        if (!max_bytes.empty()) argv.push_back(max_bytes);
        writer_ = spawn_session(argv, dir / "writer.log", {}, fds[0]);
        ::close(fds[0]);
        return fds[1];
    }

    // The writer's exit status once the stream has ended.
    int wait_writer() {
        int status = 0;
        EXPECT_EQ(::waitpid(writer_, &status, 0), writer_);
        return status;
    }

    pid_t writer_ = 0;
};

TEST_F(CaptureWriterTest, StampsEachBurstWithTheHostClock) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    auto now = [] {
        return static_cast<std::uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::system_clock::now().time_since_epoch())
                .count());
    };
    std::uint64_t before_a = now(), before_b = 0;
    std::thread guest([&] {
        ASSERT_EQ(::write(fds[1], "burst-a", 7), 7);
        std::this_thread::sleep_for(std::chrono::milliseconds(30));
        before_b = now();
        ASSERT_EQ(::write(fds[1], "burst-bb", 8), 8);
        ::close(fds[1]);
    });
    int out = ::open(capture().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int st = ::open(times().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    auto result = copy_capture_stream(fds[0], out, st, 1000);
    guest.join();
    ::close(fds[0]);
    ::close(out);
    ::close(st);
    EXPECT_EQ(result.error, "");
    EXPECT_EQ(result.bytes, 15u);
    EXPECT_EQ(read_all(capture()), "burst-aburst-bb");
    auto t = ReceiveTimes::load(times());
    ASSERT_EQ(t.size(), 2u) << "one stamp per burst: the pause between them is longer than the interval";
    EXPECT_GE(*t.received_ns(1007), before_a);
    EXPECT_LE(*t.received_ns(1007), before_b);
    EXPECT_GE(*t.received_ns(1015), before_b);
    EXPECT_FALSE(t.received_ns(1016));
}

TEST_F(CaptureWriterTest, ManySmallWritesMakeFewStamps) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::thread guest([&] {
        // 20,000 one-byte records as fast as they go: a stamp per byte would
        // make the times file 16 times the capture.
        for (int i = 0; i < 20000; ++i) ASSERT_EQ(::write(fds[1], "x", 1), 1);
        ::close(fds[1]);
    });
    int out = ::open(capture().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    int st = ::open(times().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    auto started = std::chrono::steady_clock::now();
    auto result = copy_capture_stream(fds[0], out, st, 0);
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
    guest.join();
    ::close(fds[0]);
    ::close(out);
    ::close(st);
    EXPECT_EQ(result.bytes, 20000u);
    EXPECT_LE(result.stamps, static_cast<std::uint64_t>(ms) + 2) << "at most one stamp a millisecond";
    auto t = ReceiveTimes::load(times());
    EXPECT_TRUE(t.received_ns(20000)) << "the last byte is stamped too";
}

TEST_F(CaptureWriterTest, AppendsAfterAnEarlierBootAndRepairsATornStamp) {
    std::ofstream(capture(), std::ios::binary) << "boot1";
    auto old = stamps_bytes({{5, 1000}});
    old.resize(old.size() + 4, 0);  // torn
    std::ofstream(times(), std::ios::binary).write(reinterpret_cast<const char*>(old.data()), 20);
    int w = start_writer();
    ASSERT_EQ(::write(w, "boot2!", 6), 6);
    ::close(w);
    int status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << ": " << read_all(dir / "writer.log");
    EXPECT_EQ(read_all(capture()), "boot1boot2!");
    EXPECT_EQ(std::filesystem::file_size(times()) % kReceiveStampSize, 0u);
    auto t = ReceiveTimes::load(times());
    ASSERT_EQ(t.size(), 2u);
    EXPECT_EQ(t.received_ns(5), 1000u);
    EXPECT_GT(*t.received_ns(11), 1000u);
    EXPECT_NE(read_all(dir / "writer.log").find("6 bytes from offset 5"), std::string::npos);
}

TEST_F(CaptureWriterTest, UnwritableCaptureIsAnErrorThatBreaksThePipe) {
    std::filesystem::create_directory(capture());  // cannot be opened for writing
    int w = start_writer();
    int status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << status;
    EXPECT_NE(read_all(dir / "writer.log").find("capture.bin"), std::string::npos);
    // The guest kernel's next write fails: it panics rather than run unrecorded.
    ::signal(SIGPIPE, SIG_IGN);
    EXPECT_EQ(::write(w, "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
    ::close(w);
}

// At its quota the writer stops, says why and exits: the guest's next record
// finds the pipe broken and the guest stops.
TEST_F(CaptureWriterTest, StopsAtItsQuota) {
    std::ofstream(capture(), std::ios::binary) << std::string(40, 'o');  // an earlier boot's
    int w = start_writer("64");
    ::signal(SIGPIPE, SIG_IGN);
    ASSERT_EQ(::write(w, std::string(30, 'n').data(), 30), 30);
    int status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kQuotaExitStatus) << status;
    EXPECT_NE(read_all(dir / "writer.log").find(kQuotaMessage), std::string::npos) << read_all(dir / "writer.log");
    EXPECT_EQ(std::filesystem::file_size(capture()), 70u) << "the read that crossed the quota is kept whole";
    EXPECT_TRUE(ReceiveTimes::load(times()).received_ns(70)) << "and stamped";
    EXPECT_EQ(::write(w, "x", 1), -1);
    EXPECT_EQ(errno, EPIPE);
    ::close(w);
    // A guest woken with its capture at the quota records nothing more.
    w = start_writer("64");
    status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == kQuotaExitStatus) << status;
    EXPECT_EQ(std::filesystem::file_size(capture()), 70u);
    ::close(w);
}

// The console's writer (--console): a guest writing to its console past
// the quota fills nothing; the file says where it stopped, and the guest
// is never blocked or stopped: the pipe keeps being drained.
TEST_F(CaptureWriterTest, TheConsoleStopsGrowingAtItsQuotaAndTheGuestGoesOn) {
    auto console = dir / "console.log";
    std::ofstream(console, std::ios::binary) << "boot 1\n";
    int fds[2];
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    writer_ =
        spawn_session({OYSTER_CAPTURE_WRITER, "--console", console.string(), "4096"}, dir / "writer.log", {}, fds[0]);
    ::close(fds[0]);
    ::signal(SIGPIPE, SIG_IGN);
    // 8 MiB: far more than the pipe holds, so the writer must read it all.
    std::string chunk(64 << 10, 'c');
    for (int i = 0; i < 128; ++i) ASSERT_EQ(::write(fds[1], chunk.data(), chunk.size()), ssize_t(chunk.size()));
    ::close(fds[1]);
    int status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    auto text = read_all(console);
    EXPECT_EQ(text.size(), 4096 + std::strlen(kConsoleQuotaNote));
    EXPECT_EQ(text.substr(0, 7), "boot 1\n");
    EXPECT_EQ(text.substr(4096), kConsoleQuotaNote);
    auto log = read_all(dir / "writer.log");
    EXPECT_NE(log.find(std::to_string(8 * 1024 * 1024 - (4096 - 7)) + " discarded"), std::string::npos) << log;

    // Woken again at its quota: nothing more is kept, and the stream is
    // still drained.
    ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
    writer_ =
        spawn_session({OYSTER_CAPTURE_WRITER, "--console", console.string(), "4096"}, dir / "writer.log", {}, fds[0]);
    ::close(fds[0]);
    for (int i = 0; i < 32; ++i) ASSERT_EQ(::write(fds[1], chunk.data(), chunk.size()), ssize_t(chunk.size()));
    ::close(fds[1]);
    status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    EXPECT_EQ(read_all(console), text);
}

TEST(ConsoleWriter, BelowItsQuotaEverythingIsKept) {
    int in[2];
    ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
    char path[] = "/tmp/oyster-console-XXXXXX";
    int out = ::mkstemp(path);
    ASSERT_GE(out, 0);
    ::unlink(path);
    ASSERT_EQ(::write(in[1], "kernel: hello\n", 14), 14);
    ::close(in[1]);
    auto r = copy_console_stream(in[0], out, 0, 1 << 20);
    ::close(in[0]);
    EXPECT_EQ(r.written, 14u);
    EXPECT_EQ(r.discarded, 0u);
    EXPECT_FALSE(r.quota);
    EXPECT_EQ(r.error, "");
    ::close(out);
}

// A full disk: the console is drained and dropped, the guest goes on.
TEST(ConsoleWriter, AFailedWriteDiscardsTheRest) {
    int in[2];
    ASSERT_EQ(::pipe2(in, O_CLOEXEC), 0);
    int full = ::open("/dev/full", O_WRONLY | O_CLOEXEC);
    ASSERT_GE(full, 0);
    ASSERT_EQ(::write(in[1], "one\n", 4), 4);
    ::close(in[1]);
    auto r = copy_console_stream(in[0], full, 0, 1 << 20);
    ::close(in[0]);
    ::close(full);
    EXPECT_EQ(r.written, 0u);
    EXPECT_EQ(r.discarded, 4u);
    EXPECT_NE(r.error.find("No space left"), std::string::npos) << r.error;
}

// An escaped UML process: root's powers of the guest's uid, under the UML
// seccomp filter, holding the stream as descriptor 3. It copies the
// descriptor through a unix socket (the copy has another number, so no
// descriptor rule of the filter applies) and tries to truncate, punch,
// rewrite and seek the capture through it. `attack` runs in the child;
// the child exits 0 when it got the copy.
int run_escaped(int stream, const std::function<void(long copy)>& attack) {
    auto program = uml_seccomp_program(3, SeccompViolation::kill);
    pid_t pid = ::fork();
    if (pid == 0) {
        if (::syscall(SYS_dup2, stream, 3) < 0) ::_exit(90);
        if (::syscall(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ::_exit(91);
        sock_fprog prog{static_cast<unsigned short>(program.size()), program.data()};
        if (::syscall(SYS_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) ::_exit(92);
        if (::syscall(SYS_write, 3, "recorded;", 9) != 9) ::_exit(93);
        int sv[2];
        if (::syscall(SYS_socketpair, AF_UNIX, SOCK_DGRAM, 0, sv) != 0) ::_exit(10);
        int fd = 3;
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
        char byte = 'x';
        iovec v{&byte, 1};
        msghdr m{};
        m.msg_iov = &v;
        m.msg_iovlen = 1;
        m.msg_control = control;
        m.msg_controllen = sizeof control;
        cmsghdr* c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(c), &fd, sizeof fd);
        if (::syscall(SYS_sendmsg, sv[0], &m, 0) != 1) ::_exit(11);
        std::memset(control, 0, sizeof control);
        m.msg_controllen = sizeof control;
        if (::syscall(SYS_recvmsg, sv[1], &m, 0) != 1) ::_exit(12);
        c = CMSG_FIRSTHDR(&m);
        if (c == nullptr || c->cmsg_type != SCM_RIGHTS) ::_exit(13);
        int copy = -1;
        std::memcpy(&copy, CMSG_DATA(c), sizeof copy);
        if (copy == 3 || ::syscall(SYS_fcntl, copy, F_GETFL) < 0) ::_exit(14);
        attack(copy);
        ::syscall(SYS_exit_group, 0);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

TEST_F(CaptureWriterTest, EscapedUmlCannotChangeWhatWasRecorded) {
    int w = start_writer();
    std::vector<std::pair<const char*, std::function<void(long)>>> attacks = {
        {"ftruncate", [](long copy) { ::syscall(SYS_ftruncate, copy, 0); }},
        {"ftruncate wide", [](long copy) { ::syscall(SYS_ftruncate, (1L << 32) | copy, 0); }},
        {"fallocate punch", [](long copy) { ::syscall(SYS_fallocate, copy, 0x02 | 0x01, 0, 4096); }},
        {"fallocate collapse", [](long copy) { ::syscall(SYS_fallocate, copy, 0x08, 0, 4096); }},
        {"pwrite at 0", [](long copy) { ::syscall(SYS_pwrite64, copy, "FORGED", 6, 0); }},
        {"lseek then write",
         [](long copy) {
             ::syscall(SYS_lseek, copy, 0, SEEK_SET);
             ::syscall(SYS_fcntl, copy, F_SETFL, 0);
         }},
        {"pwritev2 RWF_NOAPPEND",
         [](long copy) {
             char c = 'F';
             iovec v{&c, 1};
             ::syscall(SYS_pwritev2, copy, &v, 1, 0, 0, 0x20);
         }},
        {"ftruncate descriptor 3 wide", [](long) { ::syscall(SYS_ftruncate, (1L << 32) | 3, 0); }},
    };
    std::string expected;
    for (const auto& [name, attack] : attacks) {
        int status = run_escaped(w, attack);
        // It either got its copy and the attack returned (an error), or the
        // filter killed it for the attack: never an earlier failure.
        bool copied = WIFEXITED(status) && WEXITSTATUS(status) == 0;
        bool killed = WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS;
        EXPECT_TRUE(copied || killed) << name << ": wait status " << status;
        expected += "recorded;";
    }
    ::close(w);
    int status = wait_writer();
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << read_all(dir / "writer.log");
    EXPECT_EQ(read_all(capture()), expected) << "the capture is exactly what was written, in order";
    struct stat st {};
    ASSERT_EQ(::stat(capture().c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 07777, 0600u);
}

TEST_F(CaptureWriterTest, DecodedEventsCarryTheHostsReceiveTime) {
    testing::StreamBuilder s;
    s.record(OYSTER_CAP_EXIT, 0, std::string(8, '\0'));
    std::ofstream(capture(), std::ios::binary)
        .write(reinterpret_cast<const char*>(s.bytes.data()), static_cast<std::streamsize>(s.bytes.size()));
    auto t = stamps_bytes({{32, 111}, {s.bytes.size(), 1764172899123456789ULL}});
    std::ofstream(times(), std::ios::binary)
        .write(reinterpret_cast<const char*>(t.data()), static_cast<std::streamsize>(t.size()));
    std::string error;
    decode_capture_file(capture(), dir / "out", &error);
    std::ifstream in(dir / "out" / "events.jsonl");
    std::vector<nlohmann::json> events;
    for (std::string line; std::getline(in, line);) events.push_back(nlohmann::json::parse(line));
    ASSERT_EQ(events.size(), 2u) << error;
    EXPECT_EQ(events[1]["type"], "exit");
    EXPECT_EQ(events[1]["received_ns"], 1764172899123456789ULL);
    EXPECT_EQ(events[1]["received"], "2025-11-26T16:01:39.123456789Z");
    EXPECT_NE(events[1]["time_ns"], events[1]["received_ns"]) << "the guest's clock is kept beside it";
}

}  // namespace
}  // namespace oyster::capture
