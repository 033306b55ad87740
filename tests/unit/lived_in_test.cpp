// The lived-in history (disguise/lived_in.h): its parts read as the real
// tools read them (glibc's utmp reader, cron's schedule rules, logrotate's
// generations), the whole is the same for one seed and different for two.
#include <gtest/gtest.h>
#include <utmp.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <set>

#include "oyster/common/paths.h"
#include "oyster/disguise/apt_history.h"
#include "oyster/disguise/cron_schedule.h"
#include "oyster/disguise/lived_in.h"
#include "oyster/disguise/local_time.h"
#include "oyster/disguise/rotated_log.h"
#include "oyster/disguise/utmp_records.h"

namespace oyster::disguise {
namespace {

constexpr std::int64_t kBoot = 1792897929;  // 2026-10-25 (a Sunday), in the zone below
constexpr std::int64_t kNow = kBoot + 41 * 86400;

// Local times in a zone with summer time, as the default persona's.
class LivedInTest : public ::testing::Test {
protected:
    void SetUp() override {
        ::setenv("TZ", "Europe/Berlin", 1);
        ::tzset();
    }
    void TearDown() override {
        ::unsetenv("TZ");
        ::tzset();
    }
};

LivedInInput persona_machine(const std::string& seed) {
    LivedInInput in;
    in.seed = seed;
    in.hostname = "web-prod-02";
    in.boot_time = kBoot;
    in.now = kNow;
    in.kernel_release = "6.1.0-41-amd64";
    in.kernel_package_version = "6.1.158-1";
    in.users = {{"mhartmann", 1000, true, {"sudo systemctl status nginx", "df -h"}}, {"jwolff", 1001, false, {}}};
    in.packages = {{"libc6", "amd64", "2.36-9+deb12u13", "glibc", kBoot - 90 * 86400},
                   {"libc-bin", "amd64", "2.36-9+deb12u13", "glibc", kBoot - 90 * 86400},
                   {"openssl", "amd64", "3.0.17-1~deb12u3", "", kBoot - 30 * 86400},
                   {"libssl3", "amd64", "3.0.17-1+deb12u3", "openssl", kBoot + 5 * 86400},
                   {"nginx", "amd64", "1.22.1-9+deb12u3", "", kBoot - 500 * 86400},
                   {"linux-image-6.1.0-41-amd64", "amd64", "6.1.158-1", "linux-signed-amd64", kBoot - 20 * 86400}};
    in.cron = parse_system_crontab("17 *\t* * *\troot\tcd / && run-parts --report /etc/cron.hourly\n");
    return in;
}

const LivedInFile* file(const LivedIn& life, const std::string& path) {
    for (const auto& f : life.files) {
        if (f.path == path) return &f;
    }
    return nullptr;
}

TEST_F(LivedInTest, CronScheduleFollowsCronsRules) {
    auto jobs = parse_system_crontab(
        "# comment\nSHELL=/bin/sh\n*/15 2-4 * * 1-5 root run-it\n52 6 1 * 7 root monthly-or-sunday\n"
        "@reboot root skipped\n61 * * * * root bad minute\n");
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].command, "run-it");
    EXPECT_TRUE(jobs[0].runs_at(45, 3, 10, 6, 2));
    EXPECT_FALSE(jobs[0].runs_at(44, 3, 10, 6, 2));
    EXPECT_FALSE(jobs[0].runs_at(45, 3, 10, 6, 0));
    // Both day fields restricted: either matches.
    EXPECT_TRUE(jobs[1].runs_at(52, 6, 1, 3, 3));
    EXPECT_TRUE(jobs[1].runs_at(52, 6, 9, 3, 0));
    EXPECT_FALSE(jobs[1].runs_at(52, 6, 9, 3, 3));
}

TEST_F(LivedInTest, StableUpdatesStepBackOneByOne) {
    EXPECT_EQ(previous_version("2.36-9+deb12u7"), "2.36-9+deb12u6");
    EXPECT_EQ(previous_version("1:9.2p1-2+deb12u1"), "1:9.2p1-2");
    EXPECT_EQ(previous_version("1.0-1+deb11u2"), "1.0-1+deb11u1");
    EXPECT_EQ(previous_version("3.0.17-1~deb12u3"), "");
    EXPECT_EQ(previous_version("1.22.1-9"), "");
    EXPECT_EQ(previous_version("1.0+debug1"), "");
}

TEST_F(LivedInTest, RsyslogStampsFollowTheZone) {
    EXPECT_EQ(rfc3339_micro(1782900000LL * 1000000 + 42), "2026-07-01T12:00:00.000042+02:00");
    EXPECT_EQ(rfc3339_micro(1796468218LL * 1000000), "2026-12-05T11:56:58.000000+01:00");
    EXPECT_EQ(apt_stamp(1782900000), "2026-07-01  12:00:00");
}

TEST_F(LivedInTest, LogrotateKeepsItsGenerations) {
    std::vector<LogEntry> entries;
    for (std::int64_t d = 0; d < 50; ++d) entries.push_back({(kBoot - 50 * 86400 + d * 86400) * 1000000, "x\n"});
    auto weeks = weekly_rotations(kBoot - 60 * 86400, kBoot, 5);
    for (auto t : weeks) EXPECT_EQ(local_time(t).day_of_week, 0);
    auto files = rotated_log("/var/log/auth.log", entries, weeks, {}, 0, {});
    ASSERT_EQ(files.size(), 5u);
    EXPECT_EQ(files[0].path, "/var/log/auth.log");
    EXPECT_EQ(files[1].path, "/var/log/auth.log.1");
    EXPECT_EQ(files[2].path, "/var/log/auth.log.2.gz");
    EXPECT_EQ(files[4].path, "/var/log/auth.log.4.gz");
    for (std::size_t i = 1; i < files.size(); ++i) EXPECT_EQ(files[i].content, "x\nx\nx\nx\nx\nx\nx\n");
    EXPECT_GT(files[0].mtime, files[1].mtime);
}

// glibc's own reader takes the records as it wrote them.
TEST_F(LivedInTest, WtmpReadsBackWithGlibc) {
    auto dir = std::filesystem::temp_directory_path() / ("oyster-wtmp-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    auto life = make_lived_in(persona_machine("seed-a"));
    const auto* wtmp = file(life, "/var/log/wtmp");
    ASSERT_NE(wtmp, nullptr);
    ASSERT_EQ(wtmp->content.size() % sizeof(struct utmp), 0u);
    write_file_atomic(dir / "wtmp", wtmp->content);
    ASSERT_EQ(::utmpname((dir / "wtmp").c_str()), 0);
    ::setutent();
    int reboots = 0, logins = 0;
    std::int64_t last = 0;
    std::set<std::string> users;
    while (struct utmp* u = ::getutent()) {
        EXPECT_GE(u->ut_tv.tv_sec, last);  // in time order
        last = u->ut_tv.tv_sec;
        if (u->ut_type == BOOT_TIME) ++reboots;
        if (u->ut_type == USER_PROCESS) {
            ++logins;
            users.insert(u->ut_user);
        }
    }
    ::endutent();
    std::filesystem::remove_all(dir);
    EXPECT_GE(reboots, 4);
    EXPECT_GE(logins, 50);
    EXPECT_EQ(users, (std::set<std::string>{"mhartmann", "jwolff"}));
    EXPECT_LT(last, kBoot);
    EXPECT_GE(kBoot - life.installed, 420 * 86400);
}

TEST_F(LivedInTest, TheHistoryTellsOneStory) {
    auto life = make_lived_in(persona_machine("seed-a"));
    for (const char* path : {"/var/log/auth.log", "/var/log/auth.log.1", "/var/log/auth.log.2.gz", "/var/log/syslog",
                             "/var/log/cron.log", "/var/log/btmp", "/var/log/lastlog", "/var/log/apt/history.log",
                             "/var/log/dpkg.log", "/var/lib/logrotate/status"}) {
        const auto* f = file(life, path);
        ASSERT_NE(f, nullptr) << path;
        EXPECT_LE(f->mtime, kNow) << path;
    }
    // As logrotate leaves it: world-readable, it warns at every run.
    EXPECT_EQ(file(life, "/var/lib/logrotate/status")->mode, 0640u);
    const auto& auth = file(life, "/var/log/auth.log.1")->content;
    EXPECT_NE(auth.find("Failed password for root from "), std::string::npos);
    EXPECT_NE(auth.find("CRON["), std::string::npos);
    EXPECT_NE(auth.find(" web-prod-02 sshd["), std::string::npos);
    // The last reboot: the admin upgraded the kernel, then rebooted into the shown boot.
    const auto& now_auth = file(life, "/var/log/auth.log")->content;
    EXPECT_NE(now_auth.find("COMMAND=/usr/sbin/reboot"), std::string::npos);
    EXPECT_NE(now_auth.find("System is rebooting."), std::string::npos);
    const auto& history = file(life, "/var/log/apt/history.log")->content;
    EXPECT_NE(history.find("Install: linux-image-6.1.0-41-amd64:amd64 (6.1.158-1, automatic)"), std::string::npos)
        << history;
    EXPECT_NE(history.find("Requested-By: mhartmann (1000)"), std::string::npos);
    // libssl3 was built after the boot: upgraded after it, without a reboot.
    EXPECT_GT(life.package_unpacked.at("libssl3"), kBoot);
    EXPECT_LT(life.package_unpacked.at("libssl3"), kNow);
    EXPECT_LT(life.package_unpacked.at("libc6"), kBoot);
    EXPECT_EQ(life.package_unpacked.count("nginx"), 0u);  // updated before apt's logs begin
    // Nothing of the boot itself: the guest writes that.
    EXPECT_LT(life.history_end, kBoot);
    EXPECT_GT(life.history_end, kBoot - 60);
}

// An appliance without a sudo user: root logs in and upgrades; apt then
// names no one.
TEST_F(LivedInTest, WithoutASudoUserRootDoesTheUpgrades) {
    auto in = persona_machine("appliance");
    for (auto& u : in.users) u.admin = false;
    auto life = make_lived_in(in);
    const auto& auth = file(life, "/var/log/auth.log")->content;
    EXPECT_NE(auth.find("Accepted publickey for root from "), std::string::npos);
    EXPECT_NE(auth.find("System is rebooting."), std::string::npos);
    EXPECT_EQ(auth.find("COMMAND="), std::string::npos);
    const auto& history = file(life, "/var/log/apt/history.log")->content;
    EXPECT_NE(history.find("Commandline: apt upgrade"), std::string::npos);
    EXPECT_EQ(history.find("Requested-By"), std::string::npos);
}

TEST_F(LivedInTest, TwoInstallationsShareNoHistory) {
    auto a = make_lived_in(persona_machine("installation-a"));
    auto a2 = make_lived_in(persona_machine("installation-a"));
    auto b = make_lived_in(persona_machine("installation-b"));
    ASSERT_EQ(a.files.size(), a2.files.size());
    for (std::size_t i = 0; i < a.files.size(); ++i) EXPECT_EQ(a.files[i].content, a2.files[i].content);
    EXPECT_NE(a.installed, b.installed);
    for (const char* path : {"/var/log/wtmp", "/var/log/btmp", "/var/log/auth.log.1", "/var/log/lastlog"}) {
        EXPECT_NE(file(a, path)->content, file(b, path)->content) << path;
    }
}

}  // namespace
}  // namespace oyster::disguise
