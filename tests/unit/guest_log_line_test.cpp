#include "oyster/capture/guest_log_line.h"
#include "oyster/common/syslog_facility.h"

#include <gtest/gtest.h>

#include <string>

namespace oyster::capture {
namespace {

TEST(GuestLogLine, ReadsGlibcSyslog) {
    auto l = parse_syslog_datagram("<38>Dec  5 07:00:00 sshd[1234]: Accepted password for root\n");
    EXPECT_EQ(l.facility, 4);  // auth
    EXPECT_EQ(l.severity, 6);  // info
    EXPECT_EQ(l.ident, "sshd");
    EXPECT_EQ(l.claimed_pid, 1234u);
    EXPECT_EQ(l.message, "Accepted password for root");
}

TEST(GuestLogLine, ReadsATagWithoutPid) {
    auto l = parse_syslog_datagram("<13>Dec 15 23:59:59 systemd-logind/x.(y): logline-42");
    EXPECT_EQ(l.ident, "systemd-logind/x.(y)");
    EXPECT_FALSE(l.claimed_pid);
    EXPECT_EQ(l.message, "logline-42");
}

TEST(GuestLogLine, ReadsRfc5424) {
    auto l = parse_syslog_datagram(
        "<14>1 2026-12-05T07:00:00.123+00:00 web01 app 77 ID1 [ex@1 a=\"x\\]y\"][b@2 c=\"d\"] \xEF\xBB\xBFhello");
    EXPECT_EQ(l.facility, 1);
    EXPECT_EQ(l.severity, 6);
    EXPECT_EQ(l.ident, "app");
    EXPECT_EQ(l.claimed_pid, 77u);
    EXPECT_EQ(l.message, "hello");
    auto nil = parse_syslog_datagram("<14>1 - - - - - - text");
    EXPECT_EQ(nil.ident, "");
    EXPECT_FALSE(nil.claimed_pid);
    EXPECT_EQ(nil.message, "text");
}

TEST(GuestLogLine, KeepsWhatItCannotReadAsText) {
    auto l = parse_syslog_datagram("no header at all");
    EXPECT_FALSE(l.facility);
    EXPECT_EQ(l.ident, "");
    EXPECT_EQ(l.message, "no header at all");
    auto bad_pri = parse_syslog_datagram("<999>x: y");
    EXPECT_FALSE(bad_pri.facility);
    EXPECT_EQ(bad_pri.ident, "");
    EXPECT_EQ(bad_pri.message, "<999>x: y");
    auto long_tag = parse_syslog_datagram("<13>" + std::string(65, 'a') + ": text");
    EXPECT_EQ(long_tag.ident, "");
    auto bad_pid = parse_syslog_datagram("<13>tag[12x]: text");
    EXPECT_EQ(bad_pid.ident, "");
    EXPECT_EQ(bad_pid.message, "tag[12x]: text");
    EXPECT_EQ(parse_syslog_datagram("").message, "");
    EXPECT_EQ(parse_syslog_datagram("<13>").message, "");
}

TEST(GuestLogLine, ReadsJournalNativeFields) {
    std::string binary = "MESSAGE\n";
    std::string value = "two\nlines";
    binary += std::string("\x09\0\0\0\0\0\0\0", 8) + value + "\n";
    auto l = parse_journal_datagram("PRIORITY=3\nSYSLOG_FACILITY=10\nSYSLOG_IDENTIFIER=sudo\nSYSLOG_PID=99\n" + binary);
    EXPECT_EQ(l.severity, 3);
    EXPECT_EQ(l.facility, 10);
    EXPECT_EQ(l.ident, "sudo");
    EXPECT_EQ(l.claimed_pid, 99u);
    EXPECT_EQ(l.message, "two\nlines");
}

TEST(GuestLogLine, StopsAtAJournalFieldThatOverruns) {
    std::string d = "SYSLOG_IDENTIFIER=x\nMESSAGE\n" + std::string("\xff\xff\0\0\0\0\0\0", 8) + "short";
    auto l = parse_journal_datagram(d);
    EXPECT_EQ(l.ident, "x");
    EXPECT_EQ(l.message, "");
    EXPECT_FALSE(parse_journal_datagram("PRIORITY=12\n").severity);
    EXPECT_FALSE(parse_journal_datagram("PRIORITY=\n").severity);
}

TEST(GuestLogLine, NamesFacilitiesAndSeverities) {
    EXPECT_EQ(syslog_facility_name(10), "authpriv");
    EXPECT_EQ(syslog_facility_name(23), "local7");
    EXPECT_EQ(syslog_facility_name(13), "");
    EXPECT_EQ(syslog_facility_name(24), "");
    for (int code = 0; code < 24; ++code) {
        auto name = syslog_facility_name(code);
        if (!name.empty()) {
            EXPECT_EQ(syslog_facility_code(name), code) << name;
        }
    }
    EXPECT_EQ(syslog_severity_name(0), "emerg");
    EXPECT_EQ(syslog_severity_name(-1), "");
}

}  // namespace
}  // namespace oyster::capture
