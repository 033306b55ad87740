// The package history of a Debian machine that has been kept up to date:
// upgrade sessions (apt's history.log and term.log, dpkg.log) that brought
// each installed package to the version the disk holds, through the point
// releases before it, and the kernel upgrades whose reboots wtmp shows.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "oyster/disguise/draw.h"
#include "oyster/disguise/rotated_log.h"

namespace oyster::disguise {

struct InstalledPackage {
    std::string name;
    std::string arch;  // "amd64", "all"
    std::string version;
    std::string source;      // the source package (binary packages of one source move together)
    std::int64_t built = 0;  // when this version was built (its changelog's time), 0 if unknown
};

struct AptChange {
    std::string package;
    std::string arch;
    std::string from;  // empty: newly installed
    std::string to;    // empty: removed
    bool automatic = false;
};

struct AptSession {
    std::int64_t start = 0;
    std::int64_t end = 0;
    std::string commandline;  // "apt upgrade"
    std::string user;         // who ran it through sudo; empty: root itself
    std::uint32_t uid = 0;
    std::vector<AptChange> changes;
};

// The version a Debian stable update replaced: "2.36-9+deb12u7" came after
// "2.36-9+deb12u6", "1.2-3+deb12u1" after "1.2-3". Empty when the version
// does not say.
std::string previous_version(std::string_view version);

// Sessions at `moments` (sorted; upgrades every few weeks) and at each
// kernel's install (`kernels`, oldest first, the last one running) that end
// with every package at its installed version. A package is upgraded only
// after its version was built; one built after the last moment before
// `boot` gets a session of its own after the boot (an admin upgrades
// without rebooting), before `now`, which also removes the kernel the
// machine no longer runs (apt autoremove), as Debian leaves it.
struct KernelInstall {
    std::string release;  // "6.1.0-41-amd64"
    std::string version;  // "6.1.158-1"
    std::int64_t installed_at = 0;
};
std::vector<AptSession> plan_apt_sessions(Draw& draw, const std::vector<InstalledPackage>& packages,
                                          const std::vector<std::int64_t>& moments, std::int64_t boot, std::int64_t now,
                                          const std::vector<KernelInstall>& kernels, const std::string& user,
                                          std::uint32_t uid);

// history.log, term.log and dpkg.log entries for the sessions.
struct AptLogs {
    std::vector<LogEntry> history, term, dpkg;
};
AptLogs apt_logs(const std::vector<AptSession>& sessions);

// When each package's installed version was unpacked (its files' change
// time), by package name; packages not in any session are left out.
std::map<std::string, std::int64_t> unpacked_at(const std::vector<AptSession>& sessions);

}  // namespace oyster::disguise
