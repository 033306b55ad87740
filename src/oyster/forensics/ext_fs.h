// An ext2/3/4 filesystem read with libext2fs from a DiskView, in user
// space, read-only: the guest's filesystem is never mounted in the host's
// kernel (an intruder with root in the guest shapes it at will). Walks are
// bounded (entries, depth, name length) and directory loops are cut. A
// filesystem that needs recovery is read with its journal's committed
// transactions replayed in memory (ext4_journal.h), as its kernel would
// mount it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "oyster/forensics/disk_view.h"
#include "oyster/forensics/ext4_journal.h"
#include "oyster/forensics/partition_table.h"

namespace oyster::forensics {

struct FsEntry {
    std::string path;  // absolute; names are the guest's bytes
    std::uint32_t ino = 0;
    std::uint16_t mode = 0;  // type and permission bits
    std::uint32_t uid = 0, gid = 0;
    std::uint64_t size = 0;
    std::int64_t mtime = 0;
    std::int64_t ctime = 0;
    std::uint32_t links = 0;
};

class ExtFs {
public:
    // Throws oyster::Error naming what libext2fs could not read.
    ExtFs(const DiskView& disk, Partition partition);
    ~ExtFs();
    ExtFs(const ExtFs&) = delete;
    ExtFs& operator=(const ExtFs&) = delete;

    struct Limits {
        std::size_t max_entries = 2'000'000;
        std::size_t max_depth = 64;
    };
    // Every entry reachable from "/", parents before children. Throws when
    // a limit is passed (the filesystem is then not a Debian install's).
    std::vector<FsEntry> walk(const Limits& limits) const;
    std::vector<FsEntry> walk() const { return walk(Limits{}); }

    // The entry at an absolute path (a final symlink is not followed), or
    // nullopt when no such path exists.
    std::optional<FsEntry> lookup(const std::string& path) const;

    // Feeds a regular file's content to `sink` in pieces, at most `max`
    // bytes; returns the bytes fed.
    std::uint64_t read(std::uint32_t ino, std::uint64_t max,
                       const std::function<void(const std::uint8_t*, std::size_t)>& sink) const;

    // The journal replay, when the filesystem needed recovery (nullptr when
    // it did not).
    const JournalOverlay* journal() const;

    // True when the guest wrote any part of the file: its inode's place in
    // the inode table or any of its blocks (extent tree included).
    bool touched(std::uint32_t ino) const;

private:
    struct Impl;
    const DiskView& disk_;
    Partition partition_;
    std::unique_ptr<Impl> impl_;
};

}  // namespace oyster::forensics
