#include "oyster/disguise/lived_in.h"

#include <algorithm>
#include <array>

#include <fmt/format.h>

#include "oyster/common/decimal.h"
#include "oyster/disguise/draw.h"
#include "oyster/disguise/local_time.h"
#include "oyster/disguise/utmp_records.h"

namespace oyster::disguise {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kUs = 1000000;

// What bots try over SSH, most often first (root about half of it).
constexpr std::array<std::string_view, 40> kBotUsers = {
    "admin",    "user",    "ubuntu", "test",   "oracle",    "postgres", "git",     "ftpuser",  "pi",      "guest",
    "deploy",   "support", "mysql",  "debian", "centos",    "hadoop",   "jenkins", "ubnt",     "steam",   "minecraft",
    "www-data", "nagios",  "tomcat", "dev",    "test1",     "user1",    "admin1",  "sysadmin", "elastic", "es",
    "odoo",     "kafka",   "solana", "sol",    "validator", "node",     "docker",  "ansible",  "vagrant", "server"};
constexpr std::array<std::string_view, 4> kPreauthBye = {"Bye Bye", "Normal Shutdown, Thank you for playing", "Bye Bye",
                                                         "Bye Bye"};

// A local working-hours moment on the day of `t`: staff work then.
std::int64_t working_hours(Draw& d, std::int64_t t, int from_hour = 8, int to_hour = 18) {
    LocalTime l = local_time(t);
    return from_local(l.year, l.month, l.day, static_cast<int>(d.range(from_hour, to_hour - 1)),
                      static_cast<int>(d.range(0, 59)), static_cast<int>(d.range(0, 59)));
}

bool weekend(std::int64_t t) {
    int wd = local_time(t).day_of_week;
    return wd == 0 || wd == 6;
}

// "6.1.0-41-amd64" -> "6.1.0-40-amd64"; the same release when it does not parse.
std::string earlier_release(const std::string& release, int back) {
    auto dash = release.find('-');
    auto dash2 = dash == std::string::npos ? std::string::npos : release.find('-', dash + 1);
    if (dash2 == std::string::npos) return release;
    auto abi = parse_decimal<int>(std::string_view(release).substr(dash + 1, dash2 - dash - 1));
    if (!abi || *abi - back < 1) return release;
    return fmt::format("{}{}{}", release.substr(0, dash + 1), *abi - back, release.substr(dash2));
}

// "6.1.158-1" -> "6.1.(158 - back)-1".
std::string earlier_kernel_version(const std::string& version, int back) {
    auto dot = version.rfind('.');
    auto dash = version.find('-', dot == std::string::npos ? 0 : dot);
    if (dot == std::string::npos || dash == std::string::npos) return version;
    auto sub = parse_decimal<int>(std::string_view(version).substr(dot + 1, dash - dot - 1));
    if (!sub || *sub - back < 1) return version;
    return fmt::format("{}{}{}", version.substr(0, dot + 1), *sub - back, version.substr(dash));
}

struct Login {
    std::string user;
    std::uint32_t uid = 0;
    std::string ip;
    std::uint16_t port = 0;
    std::int64_t at = 0, until = 0;  // until: the logout, or the shutdown that ended it
    std::int32_t pid = 0;
    int pts = 0;
    std::string method;             // "publickey" / "password"
    std::vector<std::string> sudo;  // commands run through sudo in it
    bool reboots = false;
};

struct Reboot {
    std::int64_t at = 0;
    std::string release;
};

// Process ids as a machine hands them out: from a few hundred at each boot,
// growing with time (about one every two seconds on a server like this),
// so that whatever order the history is written in, a later process has
// a higher pid until the next reboot.
struct Pids {
    Draw& d;
    const std::vector<std::int64_t>& boots;  // sorted
    std::int32_t at(std::int64_t t_us) {
        std::int64_t t = t_us / kUs;
        auto it = std::upper_bound(boots.begin(), boots.end(), t);
        std::int64_t since = it == boots.begin() ? 0 : t - *(it - 1);
        return static_cast<std::int32_t>(std::min<std::int64_t>(350 + since / 2 + d.range(0, 1), 4194303));
    }
};

std::string sudo_binary(std::string_view command) {
    std::string_view word = command.substr(0, command.find(' '));
    if (word.starts_with('/')) return std::string(command);
    static constexpr std::array<std::string_view, 9> kSbin = {"nginx",   "reboot", "iptables", "useradd", "usermod",
                                                              "service", "visudo", "shutdown", "ufw"};
    bool sbin = std::find(kSbin.begin(), kSbin.end(), word) != kSbin.end();
    return fmt::format("/usr/{}/{}", sbin ? "sbin" : "bin", command);
}

// The text logs as rsyslog routes them: auth and authpriv to auth.log, cron
// to cron.log and syslog, the rest to syslog. Only the last weeks are kept
// (logrotate's four generations), so older lines are not written at all;
// none from the shown boot on, which the guest logs itself.
class SyslogFiles {
public:
    SyslogFiles(std::string host, std::int64_t from, std::int64_t to)
        : host_(std::move(host)), from_us_(from * kUs), to_us_(to * kUs) {}

    void auth(std::int64_t at_us, const std::string& tag, const std::string& msg) {
        if (kept(at_us)) auth_log.push_back({at_us, syslog_line(at_us, host_, tag, msg)});
    }
    void sys(std::int64_t at_us, const std::string& tag, const std::string& msg) {
        if (kept(at_us)) syslog.push_back({at_us, syslog_line(at_us, host_, tag, msg)});
    }
    void cron(std::int64_t at_us, const std::string& tag, const std::string& msg) {
        if (kept(at_us)) cron_log.push_back({at_us, syslog_line(at_us, host_, tag, msg)});
        sys(at_us, tag, msg);
    }

    std::vector<LogEntry> auth_log, syslog, cron_log;

private:
    bool kept(std::int64_t at_us) const { return at_us >= from_us_ && at_us < to_us_; }

    std::string host_;
    std::int64_t from_us_;
    std::int64_t to_us_;
};

void sort_entries(std::vector<LogEntry>& v) {
    std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.at_us < b.at_us; });
}

}  // namespace

LivedIn make_lived_in(const LivedInInput& in) {
    Draw d(in.seed, "lived-in");
    LivedIn out;
    const std::int64_t boot = in.boot_time > 0 ? in.boot_time : in.now;
    // The last reboot's shutdown: the history's end.
    const std::int64_t shutdown = boot - d.range(25, 45);
    out.history_end = shutdown;
    out.installed = working_hours(d, boot - d.range(420, 980) * kDay, 9, 17);
    while (weekend(out.installed)) out.installed = working_hours(d, out.installed + kDay, 9, 17);

    // Reboots into new kernels, newest first: the shown boot, one some
    // weeks before it (none in the text logs' five weeks), then every few
    // weeks back to the install.
    std::vector<Reboot> reboots{{boot, in.kernel_release}};
    std::vector<KernelInstall> kernels{{in.kernel_release, in.kernel_package_version, boot - d.range(600, 1500)}};
    for (std::int64_t t = boot - d.range(38, 80) * kDay, back = 1; t > out.installed + 7 * kDay;
         t -= d.range(20, 90) * kDay, ++back) {
        std::int64_t at = working_hours(d, t, 9, 17);
        int abi_step = static_cast<int>(back);
        reboots.push_back({at, earlier_release(in.kernel_release, abi_step)});
        if (kernels.size() < 3) {
            kernels.push_back({earlier_release(in.kernel_release, abi_step),
                               earlier_kernel_version(in.kernel_package_version, abi_step * 4),
                               at - d.range(600, 1500)});
        }
    }
    reboots.push_back(
        {out.installed + d.range(1200, 3000), earlier_release(in.kernel_release, static_cast<int>(reboots.size()))});
    std::reverse(reboots.begin(), reboots.end());
    std::reverse(kernels.begin(), kernels.end());

    // Who runs the machine.
    const LivedInUser* admin = nullptr;
    for (const auto& u : in.users) {
        if (u.admin && !admin) admin = &u;
    }
    std::int64_t life = boot - out.installed;
    for (std::size_t i = 0; i < in.users.size(); ++i) {
        const auto& u = in.users[i];
        out.user_created[u.name] = (&u == admin || (!admin && i == 0))
                                       ? out.installed + d.range(300, 900)
                                       : working_hours(d, out.installed + d.range(kDay, life * 3 / 5));
    }

    // Upgrades every few weeks over the last year (apt's logs keep twelve months).
    std::vector<std::int64_t> upgrade_moments;
    for (std::int64_t t = boot - d.range(10, 30) * kDay; t > std::max(out.installed, boot - 400 * kDay);
         t -= d.range(10, 35) * kDay) {
        std::int64_t at = working_hours(d, t, 9, 17);
        if (!weekend(at)) upgrade_moments.push_back(at);
    }
    std::reverse(upgrade_moments.begin(), upgrade_moments.end());
    std::vector<AptSession> apt = plan_apt_sessions(d, in.packages, upgrade_moments, boot, in.now, kernels,
                                                    admin ? admin->name : "", admin ? admin->uid : 0);
    out.package_unpacked = unpacked_at(apt);

    // Interactive logins over the machine's life: each user at their own
    // pace, mostly from the office, in working hours; the admin's upgrades
    // and reboots are logins too.
    const std::string office = d.public_prefix24();
    std::vector<Login> logins;
    auto reboot_between = [&](std::int64_t a, std::int64_t b) {
        return std::any_of(reboots.begin(), reboots.end(),
                           [&](const Reboot& r) { return r.at - 60 >= a && r.at - 60 <= b; });
    };
    std::map<std::string, std::string> keys;  // each user's SSH key, by fingerprint
    for (const auto& u : in.users) {
        std::int64_t gap = &u == admin ? d.range(2, 4) : d.range(4, 14);
        std::string key = keys[u.name] = "SHA256:" + d.base64(43);
        std::string home = d.public_ipv4();
        bool uses_password = !(&u == admin) && d.percent(40);
        for (std::int64_t t = out.user_created[u.name] + d.range(600, kDay); t < shutdown - 3600;
             t += d.range(1, gap * 2) * kDay) {
            Login l;
            l.user = u.name;
            l.uid = u.uid;
            l.at = working_hours(d, t, 7, 19);
            if (weekend(l.at) && !d.percent(15)) continue;
            if (d.percent(3)) home = d.public_ipv4();  // a new address from the ISP
            l.ip = d.percent(80) ? d.host_in(office) : home;
            l.until = l.at + d.range(120, 5400);
            if (l.until >= shutdown || reboot_between(l.at, l.until)) continue;
            l.method = uses_password ? "password" : "publickey " + key;
            for (const auto& h : u.history) {
                if (h.starts_with("sudo ") && d.percent(25)) l.sudo.push_back(h.substr(5, h.find(" &&") - 5));
            }
            logins.push_back(std::move(l));
        }
    }
    {
        // Without a sudo user (an appliance), root logs in and upgrades itself.
        const std::string root_key = "publickey SHA256:" + d.base64(43);
        for (const auto& s : apt) {
            // An upgrade after the shown boot is in apt's logs only: wtmp
            // and auth.log go on in the guest from its boot.
            if (s.start >= shutdown) continue;
            Login l;
            l.user = admin ? admin->name : "root";
            l.uid = admin ? admin->uid : 0;
            l.at = s.start - d.range(60, 600);
            l.until = s.end + d.range(60, 900);
            l.ip = d.host_in(office);
            l.method = admin ? "publickey " + keys[admin->name] : root_key;
            if (admin) {
                l.sudo.push_back("apt update");
                l.sudo.push_back(s.commandline);
            }
            for (const auto& r : reboots) {
                if (r.at > s.start && r.at - s.start < std::int64_t{3} * 3600) {
                    l.until = r.at == boot ? shutdown : r.at - d.range(25, 45);
                    l.reboots = true;
                    if (admin) l.sudo.push_back("reboot");
                }
            }
            logins.push_back(std::move(l));
        }
    }
    std::sort(logins.begin(), logins.end(), [](const auto& a, const auto& b) { return a.at < b.at; });

    // The text logs keep five weeks; everything in them comes from that
    // window. wtmp keeps the whole life (under logrotate's minsize).
    const int logrotate_minute = static_cast<int>(d.range(0, 9));
    SyslogFiles w(in.hostname, boot - 36 * kDay, boot);
    std::vector<std::int64_t> boot_times;
    boot_times.reserve(reboots.size());
    for (const auto& r : reboots) boot_times.push_back(r.at);
    Pids pids{d, boot_times};

    const bool has_nginx =
        std::any_of(in.packages.begin(), in.packages.end(), [](const auto& p) { return p.name == "nginx"; });
    std::vector<UtmpEntry> wtmp;
    std::vector<std::pair<std::int64_t, std::string>> ends;  // logouts, by time, for the tty numbering
    for (std::size_t i = 0; i < reboots.size(); ++i) {
        const auto& r = reboots[i];
        if (i > 0) {
            wtmp.push_back({UtmpKind::run_level, 0, "~", "~~", "shutdown", reboots[i - 1].release, 0,
                            (i + 1 == reboots.size() ? shutdown : r.at - d.range(25, 45)) * kUs + d.range(0, 999999)});
        }
        if (i + 1 < reboots.size()) {  // the shown boot's own record is the guest's to write
            wtmp.push_back(
                {UtmpKind::boot_time, 0, "~", "~~", "reboot", r.release, 0, r.at * kUs + d.range(0, 999999)});
        }
    }
    std::vector<LastlogEntry> lastlog;
    int session = static_cast<int>(d.range(40, 400));
    auto jitter = [&] { return d.range(0, 999999); };
    std::vector<std::int64_t> open_until;
    for (auto& l : logins) {
        std::erase_if(open_until, [&](std::int64_t u) { return u <= l.at; });
        l.pts = static_cast<int>(open_until.size());
        open_until.push_back(l.until);
        l.pid = pids.at(l.at * kUs);
        l.port = d.client_port();
        std::string tty = fmt::format("pts/{}", l.pts);
        std::int64_t at_us = l.at * kUs + d.range(0, 999999);
        wtmp.push_back({UtmpKind::user_process, l.pid, tty, fmt::format("ts/{}", l.pts), l.user, l.ip, ipv4_of(l.ip),
                        at_us + 90000});
        std::int64_t end = l.until * kUs + d.range(0, 999999);
        // A session the reboot ended has no logout record: `last` says "down".
        if (!l.reboots)
            wtmp.push_back({UtmpKind::dead_process, l.pid, tty, fmt::format("ts/{}", l.pts), "", "", 0, end});
        lastlog.erase(std::remove_if(lastlog.begin(), lastlog.end(), [&](const auto& e) { return e.uid == l.uid; }),
                      lastlog.end());
        lastlog.push_back({l.uid, l.at, tty, l.ip});
        out.user_last_seen[l.user] = std::max(out.user_last_seen[l.user], l.until);

        std::string sshd = fmt::format("sshd[{}]", l.pid);
        std::string method = l.method.substr(0, l.method.find(' '));
        std::string key =
            l.method.find(' ') == std::string::npos ? "" : " ED25519 " + l.method.substr(l.method.find(' ') + 1);
        w.auth(at_us, sshd,
               fmt::format("Accepted {} for {} from {} port {} ssh2{}", method, l.user, l.ip, l.port,
                           key.empty() ? "" : ":" + key));
        w.auth(at_us + 3000, sshd,
               fmt::format("pam_unix(sshd:session): session opened for user {}(uid={}) by (uid=0)", l.user, l.uid));
        ++session;
        w.auth(at_us + 9000, "systemd-logind[412]", fmt::format("New session {} of user {}.", session, l.user));
        w.sys(at_us + 11000, "systemd[1]",
              fmt::format("Started session-{}.scope - Session {} of User {}.", session, session, l.user));
        std::int64_t t = at_us + d.range(20, 300) * kUs;
        for (const auto& c : l.sudo) {
            if (c == "reboot") t = std::max(t, (l.until - d.range(3, 9)) * kUs + jitter());
            std::string bin = sudo_binary(c);
            w.auth(t, "sudo",
                   fmt::format("{} : TTY={} ; PWD=/home/{} ; USER=root ; COMMAND={}", l.user, tty, l.user, bin));
            w.auth(t + 2000, "sudo",
                   fmt::format("pam_unix(sudo:session): session opened for user root(uid=0) by {}(uid={})", l.user,
                               l.uid));
            t += d.range(2, 120) * kUs;
            if (c == "reboot") break;
            w.auth(t, "sudo", "pam_unix(sudo:session): session closed for user root");
            t += d.range(10, 400) * kUs;
        }
        if (l.reboots) {
            std::int64_t s = l.until * kUs + d.range(0, 999999);
            w.auth(s - 2 * kUs, "systemd-logind[412]", "The system will reboot now!");
            w.auth(s - 2 * kUs + 400, "systemd-logind[412]", "System is rebooting.");
            w.sys(s - 1 * kUs, "systemd[1]", "Stopping cron.service - Regular background program processing daemon...");
            w.sys(s - 1 * kUs + 900, "systemd[1]", "Stopping ssh.service - OpenBSD Secure Shell server...");
            if (has_nginx) {
                w.sys(s - 1 * kUs + 1900, "systemd[1]",
                      "Stopping nginx.service - A high performance web server and a reverse proxy server...");
            }
            w.sys(s - 1 * kUs + 5000, "systemd[1]", "Stopping rsyslog.service - System Logging Service...");
            w.sys(s, "rsyslogd",
                  "[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"398\" "
                  "x-info=\"https://www.rsyslog.com\"] "
                  "exiting on signal 15.");
            continue;
        }
        w.auth(end, sshd, fmt::format("Received disconnect from {} port {}:11: disconnected by user", l.ip, l.port));
        w.auth(end + 300, sshd, fmt::format("Disconnected from user {} {} port {}", l.user, l.ip, l.port));
        w.auth(end + 2000, sshd, fmt::format("pam_unix(sshd:session): session closed for user {}", l.user));
        w.auth(end + 4000, "systemd-logind[412]",
               fmt::format("Session {} logged out. Waiting for processes to exit.", session));
        w.auth(end + 9000, "systemd-logind[412]", fmt::format("Removed session {}.", session));
        w.sys(end + 5000, "systemd[1]", fmt::format("session-{}.scope: Deactivated successfully.", session));
    }
    std::sort(wtmp.begin(), wtmp.end(), [](const auto& a, const auto& b) { return a.at_us < b.at_us; });

    // The internet at the SSH port: bursts of password guessing from
    // addresses all over the world, every day. btmp keeps this month's
    // failures and last month's, up to the build: nothing in the guest
    // writes btmp at boot, so the weeks since the shown boot are there too
    // (auth.log's lines stop at the boot, where the guest's own go on).
    std::vector<UtmpEntry> btmp;
    const std::int64_t attack_from = std::min(boot - 36 * kDay, in.now - 62 * kDay);
    const unsigned daily_sources = static_cast<unsigned>(d.range(6, 30));
    for (std::int64_t day = attack_from; day < in.now; day += kDay) {
        unsigned sources = static_cast<unsigned>(d.range(daily_sources / 2, daily_sources * 3 / 2));
        for (unsigned s = 0; s < sources; ++s) {
            std::string ip = d.public_ipv4();
            std::int64_t t = (day + d.range(0, kDay - 1)) * kUs + jitter();
            if (d.percent(30)) {  // a scanner: a banner grab and gone
                auto pid = pids.at(t);
                w.auth(t, fmt::format("sshd[{}]", pid),
                       fmt::format("Connection closed by {} port {} [preauth]", ip, d.client_port()));
                continue;
            }
            auto tries = d.range(1, d.percent(20) ? 60 : 8);
            for (std::int64_t k = 0; k < tries && t < in.now * kUs; ++k, t += d.range(2, 30) * kUs) {
                bool root = d.percent(50);
                std::string user = root ? "root" : std::string(d.pick(std::span<const std::string_view>(kBotUsers)));
                bool valid = root || std::any_of(in.users.begin(), in.users.end(),
                                                 [&](const auto& u) { return u.name == user; });
                auto pid = pids.at(t);
                auto port = d.client_port();
                std::string sshd = fmt::format("sshd[{}]", pid);
                if (!valid) {
                    w.auth(t, sshd, fmt::format("Invalid user {} from {} port {}", user, ip, port));
                    std::int64_t c = t + d.range(150000, 400000);
                    w.auth(c, sshd, "pam_unix(sshd:auth): check pass; user unknown");
                    w.auth(c + d.range(80, 400), sshd,
                           // pam_unix leaves a space where " user=..." would go.
                           fmt::format("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                                       "ruser= rhost={} ",
                                       ip));
                } else {
                    w.auth(t + d.range(150000, 400000), sshd,
                           fmt::format("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh "
                                       "ruser= rhost={}  user={}",
                                       ip, user));
                }
                std::int64_t f = t + d.range(1800000, 2600000);
                w.auth(f, sshd,
                       fmt::format("Failed password for {}{} from {} port {} ssh2", valid ? "" : "invalid user ", user,
                                   ip, port));
                w.auth(f + d.range(100000, 900000), sshd,
                       fmt::format("Received disconnect from {} port {}:11: {} [preauth]", ip, port,
                                   d.pick(std::span<const std::string_view>(kPreauthBye))));
                w.auth(f + d.range(900001, 1000000), sshd,
                       fmt::format("Disconnected from {}{} {} port {} [preauth]",
                                   valid ? "authenticating user " : "invalid user ", user, ip, port));
                btmp.push_back({UtmpKind::login_process, pid, "ssh:notty", "", user, ip, ipv4_of(ip), f});
            }
        }
    }
    std::sort(btmp.begin(), btmp.end(), [](const auto& a, const auto& b) { return a.at_us < b.at_us; });

    // Cron as the disk schedules it, and the daily timers.
    for (std::int64_t t = (boot - 36 * kDay) / 60 * 60; t < shutdown; t += 60) {
        LocalTime l = local_time(t);
        for (const auto& job : in.cron) {
            // Only root's jobs: the sessions' uid is what auth.log prints.
            if (job.user != "root" || !job.runs_at(l.minute, l.hour, l.day, l.month, l.day_of_week)) continue;
            std::int64_t at = t * kUs + d.range(1000, 900000);
            auto pid = pids.at(at);
            std::string tag = fmt::format("CRON[{}]", pid);
            w.auth(at, tag,
                   fmt::format("pam_unix(cron:session): session opened for user {}(uid=0) by (uid=0)", job.user));
            w.cron(at + 900, tag, fmt::format("({}) CMD ({})", job.user, job.command));
            w.auth(at + d.range(5000, 2000000), tag,
                   fmt::format("pam_unix(cron:session): session closed for user {}", job.user));
        }
        if (l.hour == 0 && l.minute == logrotate_minute) {
            std::int64_t at = t * kUs + d.range(1000, 50000);
            w.sys(at, "systemd[1]", "Starting dpkg-db-backup.service - Daily dpkg database backup service...");
            w.sys(at + 2000, "systemd[1]", "Starting logrotate.service - Rotate log files...");
            w.sys(at + d.range(200000, 400000), "systemd[1]", "dpkg-db-backup.service: Deactivated successfully.");
            w.sys(at + d.range(400001, 500000), "systemd[1]",
                  "Finished dpkg-db-backup.service - Daily dpkg database backup service.");
            if (l.day_of_week == 0) {
                w.sys(at + 600000, "rsyslogd",
                      "[origin software=\"rsyslogd\" swVersion=\"8.2302.0\" x-pid=\"398\" "
                      "x-info=\"https://www.rsyslog.com\"] "
                      "rsyslogd was HUPed");
            }
            w.sys(at + d.range(700000, 900000), "systemd[1]", "logrotate.service: Deactivated successfully.");
            w.sys(at + d.range(900001, 990000), "systemd[1]", "Finished logrotate.service - Rotate log files.");
        }
    }
    sort_entries(w.auth_log);
    sort_entries(w.syslog);
    sort_entries(w.cron_log);

    // The files.
    const LivedInFile adm_log{"", "", 0640, "root", "adm", 0};
    auto add_all = [&](std::vector<LivedInFile> files) {
        for (auto& f : files) out.files.push_back(std::move(f));
    };
    auto weekly = weekly_rotations(boot - 40 * kDay, shutdown, logrotate_minute);
    add_all(rotated_log("/var/log/auth.log", w.auth_log, weekly, {}, out.installed, adm_log));
    add_all(rotated_log("/var/log/syslog", w.syslog, weekly, {}, out.installed, adm_log));
    add_all(rotated_log("/var/log/cron.log", w.cron_log, weekly, {}, out.installed, adm_log));

    AptLogs al = apt_logs(apt);
    // Entries after the shown boot were written by the running machine;
    // the image holds them all the same (nothing in the guest writes them at boot).
    auto monthly = monthly_rotations(boot - 400 * kDay, shutdown, logrotate_minute);
    const Rotation monthly12{12, false, true};
    add_all(rotated_log("/var/log/apt/history.log", al.history, monthly, monthly12, out.installed,
                        {"", "", 0644, "root", "root", 0}));
    add_all(rotated_log("/var/log/apt/term.log", al.term, monthly, monthly12, out.installed, adm_log));
    add_all(rotated_log("/var/log/dpkg.log", al.dpkg, monthly, {12, true, true}, out.installed,
                        {"", "", 0644, "root", "root", 0}));

    std::string wtmp_bytes;
    for (const auto& e : wtmp) wtmp_bytes += utmp_record(e);
    out.files.push_back(
        {"/var/log/wtmp", wtmp_bytes, 0664, "root", "utmp", wtmp.empty() ? out.installed : wtmp.back().at_us / kUs});
    auto btmp_rot = monthly_rotations(attack_from, in.now, logrotate_minute);
    std::int64_t cut = btmp_rot.empty() ? attack_from : btmp_rot.back();
    std::int64_t cut1 = btmp_rot.size() >= 2 ? btmp_rot[btmp_rot.size() - 2] : attack_from;
    std::string b0, b1;
    std::int64_t m0 = cut, m1 = cut1;
    for (const auto& e : btmp) {
        if (e.at_us >= cut * kUs) {
            b0 += utmp_record(e);
            m0 = e.at_us / kUs;
        } else if (e.at_us >= cut1 * kUs) {
            b1 += utmp_record(e);
            m1 = e.at_us / kUs;
        }
    }
    out.files.push_back({"/var/log/btmp", b0, 0660, "root", "utmp", m0});
    if (!b1.empty()) out.files.push_back({"/var/log/btmp.1", b1, 0660, "root", "utmp", m1});
    std::int64_t last_login = lastlog.empty()
                                  ? out.installed
                                  : std::max_element(lastlog.begin(), lastlog.end(), [](const auto& a, const auto& b) {
                                        return a.at < b.at;
                                    })->at;
    out.files.push_back({"/var/log/lastlog", lastlog_file(lastlog), 0664, "root", "utmp", last_login});

    // logrotate's record of when it last rotated each file.
    auto stamp = [](std::int64_t t) {
        LocalTime l = local_time(t);
        return fmt::format("{}-{}-{}-{}:{}:{}", l.year, l.month, l.day, l.hour, l.minute, l.second);
    };
    std::string status = "logrotate state -- version 2\n";
    std::int64_t last_week = weekly.empty() ? out.installed : weekly.back();
    std::int64_t last_month =
        monthly.empty() ? out.installed
                        : *std::find_if(monthly.rbegin(), monthly.rend(), [&](auto t) { return t < shutdown; });
    for (const char* f : {"/var/log/syslog", "/var/log/kern.log", "/var/log/auth.log", "/var/log/cron.log"}) {
        status += fmt::format("\"{}\" {}\n", f, stamp(last_week));
    }
    for (const char* f : {"/var/log/apt/term.log", "/var/log/apt/history.log", "/var/log/dpkg.log"}) {
        status += fmt::format("\"{}\" {}\n", f, stamp(last_month));
    }
    status += fmt::format("\"/var/log/btmp\" {}\n", stamp(cut));
    status += fmt::format("\"/var/log/wtmp\" {}\n", stamp(out.installed + kDay));
    // 0640, as logrotate writes it: a world-readable state file makes every
    // run warn in the journal that it skips its lock.
    out.files.push_back(
        {"/var/lib/logrotate/status", status, 0640, "root", "root", std::max(last_week, last_month) + 2});
    return out;
}

}  // namespace oyster::disguise
