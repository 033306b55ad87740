// The lived-in history (lived_in.h) applied to an image's root filesystem
// during the build (image task 60-lived-in): what it needs is read from the
// rootfs itself (users and their sudo rights and shell histories from
// /etc/passwd, /etc/group and their homes; installed packages from dpkg's
// status; cron's schedule from /etc/crontab and /etc/cron.d), its files
// are written there, and every file the build made or changed is dated
// into the machine's life instead of the build's minute.
//
// File change and birth times cannot be set from user space: the result
// also lists, per path, the change time its file should have, for the disk
// task to write into the filesystem it makes (debugfs).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace oyster::disguise {

struct RootfsHistoryOptions {
    std::filesystem::path rootfs;
    std::string seed;
    std::int64_t boot_time = 0;      // the shown boot; 0 for none
    std::int64_t now = 0;            // the build
    std::int64_t build_started = 0;  // files dated from then on were made by the build
    std::string kernel_release;      // the shown kernel
};

struct RootfsHistoryResult {
    std::int64_t installed = 0;
    std::size_t files_written = 0;
    std::size_t files_redated = 0;
    // "<ctime> <crtime> <path>\n" per file, directory and link of the
    // rootfs, for debugfs's set_inode_field.
    std::string change_times;
};

// Throws Error naming what it could not read or write.
RootfsHistoryResult apply_lived_in(const RootfsHistoryOptions& options);

}  // namespace oyster::disguise
