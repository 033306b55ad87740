// The mail sink's SMTP dialogue, fed lines as a spam bot in a guest would.
#include "oyster/net/smtp_session.h"

#include <gtest/gtest.h>

namespace oyster {
namespace {

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
    s.on_line("MAIL FROM:<x@y>");
    s.on_line("RCPT TO:<r@x>");
    s.on_line("DATA");
    s.on_line(".");
    auto m = s.take_messages();
    ASSERT_EQ(m.size(), 1u);
    EXPECT_EQ(m[0].auth, (std::vector<std::string>{"dXNlcg==", "cGFzcw==", "AHVzZXIAcGFzcw=="}));
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

}  // namespace
}  // namespace oyster
