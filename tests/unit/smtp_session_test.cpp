// The mail sink's SMTP dialogue, fed lines as a spam bot in a guest would,
// and the sink's bounds over real loopback sockets.
#include "oyster/net/smtp_session.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "oyster/net/smtp_sink.h"
#include "temp_dir.h"

namespace oyster {
namespace {

// MAIL, RCPT, DATA and an empty body; returns the reply to its end.
std::string send_empty_message(SmtpSession& s) {
    s.on_line("MAIL FROM:<x@y>");
    s.on_line("RCPT TO:<r@x>");
    s.on_line("DATA");
    return s.on_line(".");
}

TEST(SmtpSession, TakesAMessageLikeAnMtaAndKeepsIt) {
    SmtpSession s("mail.example", 1 << 20);
    EXPECT_EQ(s.greeting(), "220 mail.example ESMTP Postfix (Debian/GNU)\r\n");
    EXPECT_EQ(s.on_line("EHLO bot.example").rfind("250-mail.example\r\n", 0), 0u);
    EXPECT_EQ(s.on_line("MAIL FROM:<spam@example.org> SIZE=100"), "250 2.1.0 Ok\r\n");
    EXPECT_EQ(s.on_line("RCPT TO:<a@example.com>"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(s.on_line("rcpt to: b@example.com"), "250 2.1.5 Ok\r\n");
    EXPECT_EQ(s.on_line("DATA").substr(0, 4), "354 ");
    EXPECT_EQ(s.on_line("Subject: hi"), "");
    EXPECT_EQ(s.on_line(""), "");
    EXPECT_EQ(s.on_line("..leading dot"), "");
    EXPECT_EQ(s.on_line(".").substr(0, 4), "250 ");
    EXPECT_EQ(s.on_line("QUIT"), "221 2.0.0 Bye\r\n");
    EXPECT_TRUE(s.finished());
    auto m = s.take_messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].helo, "bot.example");
    EXPECT_EQ(m[0].mail_from, "spam@example.org");
    EXPECT_EQ(m[0].rcpt_to, (std::vector<std::string>{"a@example.com", "b@example.com"}));
    EXPECT_EQ(m[0].data, "Subject: hi\r\n\r\n.leading dot\r\n");
    EXPECT_FALSE(m[0].truncated);
}

TEST(SmtpSession, DataWithoutRecipientsIsRefused) {
    SmtpSession s("h", 1024);
    s.on_line("MAIL FROM:<x@y>");
    EXPECT_EQ(s.on_line("DATA").substr(0, 4), "554 ");
}

TEST(SmtpSession, BoundsMessageSizeAndRecipients) {
    SmtpSession s("h", 64);
    s.on_line("MAIL FROM:<x@y>");
    for (std::size_t i = 0; i < SmtpSession::kMaxRecipients; ++i) s.on_line("RCPT TO:<r@x>");
    EXPECT_EQ(s.on_line("RCPT TO:<one-too-many@x>").substr(0, 4), "452 ");
    s.on_line("DATA");
    for (int i = 0; i < 100; ++i) s.on_line(std::string(40, 'x'));
    s.on_line(".");
    auto m = s.take_messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_LE(m[0].data.size(), 64u);
    EXPECT_TRUE(m[0].truncated);
    EXPECT_EQ(m[0].rcpt_to.size(), SmtpSession::kMaxRecipients);
}

TEST(SmtpSession, RecordsAuthAttempts) {
    SmtpSession s("h", 1024);
    EXPECT_EQ(s.on_line("AUTH LOGIN"), "334 VXNlcm5hbWU6\r\n");
    EXPECT_EQ(s.on_line("dXNlcg=="), "334 UGFzc3dvcmQ6\r\n");
    EXPECT_EQ(s.on_line("cGFzcw==").substr(0, 4), "235 ");
    EXPECT_EQ(s.on_line("AUTH PLAIN AHVzZXIAcGFzcw==").substr(0, 4), "235 ");
    send_empty_message(s);
    auto m = s.take_messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].auth, (std::vector<std::string>{"dXNlcg==", "cGFzcw==", "AHVzZXIAcGFzcw=="}));
}

// Two million AUTH lines once took a GiB of the sensor's heap.
TEST(SmtpSession, BoundsAuthArgumentsAndMessagesPerSession) {
    SmtpSession s("h", 1024);
    for (int i = 0; i < 200000; ++i) {
        EXPECT_EQ(s.on_line("AUTH LOGIN " + std::string(2000, 'a')).substr(0, 4), "334 ");
        s.on_line("cGFzcw==");
    }
    send_empty_message(s);
    auto m = s.take_messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].auth.size(), SmtpSession::kMaxAuthArguments);
    EXPECT_EQ(m[0].auth[0].size(), 512u);
    EXPECT_EQ(m[0].auth_dropped, 400000u - SmtpSession::kMaxAuthArguments);
    for (unsigned i = 1; i < SmtpSession::kMaxMessages; ++i) {
        std::string reply = send_empty_message(s);
        EXPECT_EQ(reply.find("421 ") != std::string::npos, i + 1 == SmtpSession::kMaxMessages) << i;
    }
    EXPECT_TRUE(s.finished());
    EXPECT_EQ(s.take_messages().size(), SmtpSession::kMaxMessages - 1);
}

TEST(SmtpSession, OddInputGetsAnErrorNotACrash) {
    SmtpSession s("h", 1024);
    EXPECT_EQ(s.on_line("").substr(0, 4), "502 ");
    EXPECT_EQ(s.on_line(std::string(5000, 'A')).substr(0, 4), "502 ");
    EXPECT_EQ(s.on_line("MAIL").substr(0, 4), "250 ");
    EXPECT_EQ(s.on_line("AUTH").substr(0, 4), "535 ");
    EXPECT_EQ(s.on_line("STARTTLS").substr(0, 4), "454 ");
    EXPECT_EQ(s.on_line(std::string("RCPT TO:<\0>", 11)).substr(0, 4), "250 ");
}

// The sink itself, over real sockets: one guest cannot hold every
// session, and a session cannot send without bound.
class SmtpSinkTest : public testing::TempDirTest {
protected:
    void SetUp() override {
        testing::TempDirTest::SetUp();
        sink = std::make_unique<SmtpSink>(
            0, "mx.example.org", [this](Ipv4) { return std::optional<std::filesystem::path>(dir / "smtp"); },
            [](const SinkedMessage&) {}, Ipv4{INADDR_LOOPBACK});
    }

    int connect_client() {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(sink->port());
        sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin), 0);
        timeval tv{10, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        return fd;
    }

    static std::string read_reply(int fd) {
        char buf[512];
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "";
    }

    std::unique_ptr<SmtpSink> sink;
};

TEST_F(SmtpSinkTest, OneGuestHoldsAtMostItsShareOfSessions) {
    std::vector<int> fds;
    for (unsigned i = 0; i < SmtpSink::kMaxSessionsPerGuest; ++i) {
        fds.push_back(connect_client());
        EXPECT_EQ(read_reply(fds.back()).substr(0, 4), "220 ");
    }
    int extra = connect_client();
    EXPECT_EQ(read_reply(extra).substr(0, 4), "421 ");
    ::close(extra);
    ::close(fds.back());
    fds.pop_back();
    // Its slot comes back once the sink has seen the close.
    std::string reply;
    for (int attempt = 0; attempt < 50 && reply.substr(0, 4) != "220 "; ++attempt) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        int again = connect_client();
        reply = read_reply(again);
        if (reply.substr(0, 4) == "220 ") {
            fds.push_back(again);
        } else {
            ::close(again);
        }
    }
    EXPECT_EQ(reply.substr(0, 4), "220 ");
    for (int fd : fds) ::close(fd);
}

TEST_F(SmtpSinkTest, ASessionReadsAtMostItsBytes) {
    int fd = connect_client();
    ASSERT_EQ(read_reply(fd).substr(0, 4), "220 ");
    std::string start = "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
    ASSERT_EQ(::send(fd, start.data(), start.size(), MSG_NOSIGNAL), static_cast<ssize_t>(start.size()));
    std::string line(1000, 'x');
    line += "\r\n";
    std::uint64_t sent = 0;
    while (sent <= SmtpSink::kMaxSessionBytes + (1U << 20)) {
        ssize_t n = ::send(fd, line.data(), line.size(), MSG_NOSIGNAL);
        if (n <= 0) break;  // the sink closed the session
        sent += static_cast<std::uint64_t>(n);
    }
    std::string replies, chunk;
    while (!(chunk = read_reply(fd)).empty()) replies += chunk;
    EXPECT_NE(replies.find("421 4.7.0 Error: too much data"), std::string::npos) << replies.substr(0, 300);
    ::close(fd);
}

// A guest's mailbox holds at most its quota, counting what an earlier run
// stored: later messages are answered like the others and not kept.
TEST_F(SmtpSinkTest, AMailboxHoldsAtMostItsQuota) {
    std::filesystem::create_directories(dir / "smtp");
    std::ofstream(dir / "smtp" / "earlier.eml") << std::string(1000, 'e');
    std::mutex mu;
    std::vector<SinkedMessage> seen;
    sink.reset();
    sink = std::make_unique<SmtpSink>(
        0, "mx.example.org", [this](Ipv4) { return std::optional<std::filesystem::path>(dir / "smtp"); },
        [&](const SinkedMessage& m) {
            std::lock_guard lock(mu);
            seen.push_back(m);
        },
        Ipv4{INADDR_LOOPBACK}, 2500);
    int fd = connect_client();
    ASSERT_EQ(read_reply(fd).substr(0, 4), "220 ");
    std::string body(1000, 'b');
    std::string dialog = "EHLO x\r\n";
    for (int i = 0; i < 3; ++i) {
        dialog += "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n" + body + "\r\n.\r\n";
    }
    dialog += "QUIT\r\n";
    ASSERT_EQ(::send(fd, dialog.data(), dialog.size(), MSG_NOSIGNAL), static_cast<ssize_t>(dialog.size()));
    std::string replies, chunk;
    while (!(chunk = read_reply(fd)).empty()) replies += chunk;
    ::close(fd);
    std::size_t accepted = 0;
    for (auto at = replies.find("250 2.0.0 Ok: queued"); at != std::string::npos;
         at = replies.find("250 2.0.0 Ok: queued", at + 1)) {
        ++accepted;
    }
    EXPECT_EQ(accepted, 3u) << replies;
    for (int attempt = 0; attempt < 100; ++attempt) {
        {
            std::lock_guard lock(mu);
            if (seen.size() == 3) break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    std::lock_guard lock(mu);
    ASSERT_EQ(seen.size(), 3u);
    // 1000 bytes were there; the first message fits, the next two do not.
    EXPECT_FALSE(seen[0].over_quota);
    EXPECT_FALSE(seen[0].file.empty());
    EXPECT_TRUE(std::filesystem::exists(seen[0].file));
    for (int i = 1; i < 3; ++i) {
        EXPECT_TRUE(seen[i].over_quota);
        EXPECT_TRUE(seen[i].file.empty());
    }
    std::size_t files = 0;
    for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir / "smtp")) ++files;
    EXPECT_EQ(files, 2u);
}

}  // namespace
}  // namespace oyster
