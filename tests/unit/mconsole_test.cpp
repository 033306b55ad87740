#include "oyster/sandbox/mconsole.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstring>
#include <thread>
#include <vector>

#include "temp_dir.h"

namespace oyster {
namespace {

std::vector<std::uint8_t> packet(std::uint32_t err, std::uint32_t more, std::uint32_t len, const std::string& data) {
    std::vector<std::uint8_t> p(12 + data.size());
    std::memcpy(p.data(), &err, 4);
    std::memcpy(p.data() + 4, &more, 4);
    std::memcpy(p.data() + 8, &len, 4);
    std::memcpy(p.data() + 12, data.data(), data.size());
    return p;
}

TEST(Mconsole, ParsesReplyAndStopsAtNul) {
    bool ok = false, more = true;
    std::string text;
    auto p = packet(0, 0, 6, std::string("OK\0xyz", 6));
    ASSERT_TRUE(parse_mconsole_reply(p, ok, more, text));
    EXPECT_TRUE(ok);
    EXPECT_FALSE(more);
    EXPECT_EQ(text, "OK");
}

TEST(Mconsole, ErrorAndContinuation) {
    bool ok = true, more = false;
    std::string text;
    auto p = packet(1, 1, 3, "bad");
    ASSERT_TRUE(parse_mconsole_reply(p, ok, more, text));
    EXPECT_FALSE(ok);
    EXPECT_TRUE(more);
    EXPECT_EQ(text, "bad");
}

TEST(Mconsole, RejectsLengthsPastThePacket) {
    bool ok = false, more = false;
    std::string text;
    EXPECT_FALSE(parse_mconsole_reply(packet(0, 0, 10, "short"), ok, more, text));
    EXPECT_FALSE(parse_mconsole_reply(packet(0, 0, 0xffffffff, "x"), ok, more, text));
    EXPECT_FALSE(parse_mconsole_reply(std::vector<std::uint8_t>(11), ok, more, text));
    EXPECT_TRUE(text.empty());
}

// The client's reply address is a path beside the console socket (a jailed
// UML process may not send to an abstract one outside its Landlock domain),
// owned by the directory's owner (the guest's uid: it may reply), and gone
// after the reply.
class MconsoleClient : public testing::TempDirTest {
protected:
    // A datagram socket bound where a guest's console is, as UML binds it;
    // -1 on failure.
    int fake_console(const std::filesystem::path& console) {
        int server = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strcpy(addr.sun_path, console.c_str());
        if (server >= 0 && ::bind(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            ::close(server);
            return -1;
        }
        return server;
    }
};

TEST_F(MconsoleClient, RepliesGoToAPathBesideTheConsole) {
    auto console = dir / "umid" / "mconsole";
    std::filesystem::create_directories(console.parent_path());
    // The guest's uid owns its runtime directory.
    ASSERT_EQ(::chown(console.parent_path().c_str(), 4057999, 4057999), 0);
    int server = fake_console(console);
    ASSERT_GE(server, 0);
    std::string origin;
    uid_t origin_owner = 12345;
    std::thread fake_uml([&] {
        std::uint8_t buf[600];
        sockaddr_un from{};
        socklen_t len = sizeof from;
        ssize_t n = ::recvfrom(server, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len);
        if (n < 12) return;
        origin.assign(from.sun_path, ::strnlen(from.sun_path, sizeof from.sun_path));
        struct stat st {};
        if (::lstat(origin.c_str(), &st) == 0) origin_owner = st.st_uid;
        auto reply = packet(0, 0, 3, std::string("ok\0", 3));
        ::sendto(server, reply.data(), reply.size(), 0, reinterpret_cast<sockaddr*>(&from), len);
    });
    MconsoleReply reply;
    std::string error;
    try {
        reply = mconsole_command(console, "version", std::chrono::seconds(5));
    } catch (const std::exception& e) {
        error = e.what();
    }
    fake_uml.join();
    EXPECT_EQ(error, "");
    ::close(server);
    EXPECT_TRUE(reply.ok);
    EXPECT_EQ(reply.text, "ok");
    ASSERT_FALSE(origin.empty()) << "abstract (unnamed) reply address";
    EXPECT_EQ(std::filesystem::path(origin).parent_path(), console.parent_path());
    struct stat dir_st {};
    ASSERT_EQ(::stat(console.parent_path().c_str(), &dir_st), 0);
    EXPECT_EQ(origin_owner, dir_st.st_uid);
    EXPECT_FALSE(std::filesystem::exists(origin));
}

// A guest kernel that never ends its reply (every packet says "more") is
// cut off at kMaxMconsoleReplyBytes, not collected until memory runs out.
TEST_F(MconsoleClient, AnEndlessReplyIsCutOff) {
    auto console = dir / "umid" / "mconsole";
    std::filesystem::create_directories(console.parent_path());
    int server = fake_console(console);
    ASSERT_GE(server, 0);
    std::thread flooding_uml([&] {
        std::uint8_t buf[600];
        sockaddr_un from{};
        socklen_t len = sizeof from;
        if (::recvfrom(server, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &len) < 12) return;
        auto more = packet(0, 1, 512, std::string(512, 'x'));
        // Twice the limit at most; the client stops reading long before.
        for (std::size_t sent = 0; sent < 2 * kMaxMconsoleReplyBytes; sent += 512) {
            if (::sendto(server, more.data(), more.size(), 0, reinterpret_cast<sockaddr*>(&from), len) < 0) break;
        }
    });
    std::string error;
    try {
        mconsole_command(console, "proc net/tcp", std::chrono::seconds(20));
    } catch (const std::exception& e) {
        error = e.what();
    }
    flooding_uml.join();
    ::close(server);
    EXPECT_NE(error.find("past 1048576 bytes"), std::string::npos) << error;
}

}  // namespace
}  // namespace oyster
