// Login reports from the guest's PAM hook: exact reports are read, anything
// else is not a report (the bytes are the guest's, so hostile).
#include <gtest/gtest.h>

#include <string>

#include "oyster/capture/login_attempt.h"
#include "oyster/capture/login_report.h"

namespace oyster::capture {
namespace {

std::vector<std::uint8_t> report(std::initializer_list<std::string> fields) {
    std::string s(OYSTER_LOGIN_REPORT_MAGIC);
    s.push_back('\0');
    for (const auto& f : fields) {
        s += f;
        s.push_back('\0');
    }
    return {s.begin(), s.end()};
}

TEST(LoginReport, ReadsAnExactReport) {
    auto a =
        parse_login_report(report({"sshd", "root", "p@ss word", "203.0.113.10", "40022", "rejected", "not in policy"}));
    ASSERT_TRUE(a);
    EXPECT_EQ(a->service, "sshd");
    EXPECT_EQ(a->user, "root");
    EXPECT_EQ(a->password, "p@ss word");
    EXPECT_EQ(a->remote_ip, "203.0.113.10");
    EXPECT_EQ(a->remote_port, 40022);
    EXPECT_FALSE(a->accepted);
    EXPECT_EQ(a->reason, "not in policy");
    auto b = parse_login_report(report({"login", "admin", "", "", "0", "accepted", "listed account"}));
    ASSERT_TRUE(b);
    EXPECT_TRUE(b->accepted);
    EXPECT_EQ(b->password, "");
}

TEST(LoginReport, AnythingElseIsNotAReport) {
    EXPECT_FALSE(parse_login_report({}));
    std::string line = "sshd[812]: Accepted password for root";
    EXPECT_FALSE(parse_login_report({line.begin(), line.end()}));
    EXPECT_FALSE(parse_login_report(report({"sshd", "root", "x", "1.2.3.4", "22", "accepted"})));  // 6 fields
    EXPECT_FALSE(parse_login_report(report({"sshd", "root", "x", "1.2.3.4", "22", "accepted", "r", "extra"})));
    EXPECT_FALSE(parse_login_report(report({"sshd", "root", "x", "1.2.3.4", "65536", "accepted", "r"})));
    EXPECT_FALSE(parse_login_report(report({"sshd", "root", "x", "1.2.3.4", "-1", "accepted", "r"})));
    EXPECT_FALSE(parse_login_report(report({"sshd", "root", "x", "1.2.3.4", "22", "maybe", "r"})));
    EXPECT_FALSE(parse_login_report(report({"sshd", std::string(300, 'u'), "x", "1.2.3.4", "22", "accepted", "r"})));
    auto truncated = report({"sshd", "root", "x", "1.2.3.4", "22", "accepted", "r"});
    truncated.pop_back();
    EXPECT_FALSE(parse_login_report(truncated));
}

}  // namespace
}  // namespace oyster::capture
