// The history of the persona's machine, as its disk holds it: a server
// installed a year or two before its last reboot, kept up to date, logged
// into by its staff, cron running, the internet knocking at its SSH port.
// A guest that showed an install from minutes ago (empty btmp and lastlog,
// no rotated logs, every file of /etc dated the day of the image build) is
// a honeypot to anyone who looks (docs/personas.md, "Lived in").
//
// Everything is drawn from `seed` (derived from the installation's secret):
// two installations of one persona share no history, and a rebuild of one
// installation's image repeats its own. Local times follow the TZ
// environment variable (point it at the guest's zoneinfo).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "oyster/disguise/apt_history.h"
#include "oyster/disguise/cron_schedule.h"
#include "oyster/disguise/rotated_log.h"

namespace oyster::disguise {

struct LivedInUser {
    std::string name;
    std::uint32_t uid = 0;
    bool admin = false;                // in sudo: runs the upgrades and the reboots
    std::vector<std::string> history;  // their shell history: what their sudo lines run
};

struct LivedInInput {
    std::string seed;
    std::string hostname;
    // The boot the guest shows (the history ends with the reboot into it);
    // 0: the guest shows its own boot, and the history ends at `now`.
    std::int64_t boot_time = 0;
    std::int64_t now = 0;                // the image build: nothing is dated after it
    std::string kernel_release;          // the shown kernel, "6.1.0-41-amd64"
    std::string kernel_package_version;  // its package's version, "6.1.158-1"
    std::vector<LivedInUser> users;
    std::vector<InstalledPackage> packages;
    std::vector<CronJob> cron;
};

struct LivedIn {
    std::int64_t installed = 0;    // when the machine was installed
    std::int64_t history_end = 0;  // the shutdown before the shown boot
    std::vector<LivedInFile> files;
    std::map<std::string, std::int64_t> user_created;    // by user name
    std::map<std::string, std::int64_t> user_last_seen;  // their last logout (their files' times)
    // When each package's installed version was unpacked, by package name;
    // packages not listed were there since the install.
    std::map<std::string, std::int64_t> package_unpacked;
};

LivedIn make_lived_in(const LivedInInput& in);

}  // namespace oyster::disguise
