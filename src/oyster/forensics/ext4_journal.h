// The ext4 journal (jbd2) of a filesystem that was not cleanly unmounted.
// A guest that crashed, was killed, or was halted after an intruder turned
// off its clean shutdown leaves its last changes to metadata (directories,
// inodes, bitmaps: a new file's name and size) in the journal, committed but
// not yet written to their home blocks; the kernel would replay them at the
// next mount. The analysis replays them in memory instead (JournalOverlay),
// writing nothing, so the diff shows what the guest's own kernel would show.
//
// The journal is the intruder's bytes. Every block number, count and offset
// is checked; a block that is not the next one of the log ends the scan
// there, and only transactions whose commit block was read are replayed,
// as the kernel's recovery does. Checksums are not required to match (a
// forensic reader prefers a torn block to none), and fast commits are not
// read (the fast-commit area is skipped).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <vector>

namespace oyster::forensics {

// The newest committed copy of each filesystem block the journal holds.
struct JournalOverlay {
    struct Copy {
        std::uint64_t log_block = 0;  // the filesystem block holding the copy
        bool escaped = false;         // its first 4 bytes were the journal's magic
    };
    std::uint32_t block_size = 0;
    std::map<std::uint64_t, Copy> blocks;  // filesystem block -> its copy
    std::uint64_t transactions = 0;        // committed transactions replayed
    std::uint64_t revoked = 0;             // newest copies a later revoke cancelled
    std::string end;                       // why the scan stopped, when not at the log's end

    bool empty() const { return blocks.empty(); }
    // Puts the copy's bytes in `block` (one block, read from the log block
    // by the caller), restoring an escaped magic.
    static void unescape(const Copy& copy, std::span<std::uint8_t> block);
};

// Reads one filesystem block; throws oyster::Error when it cannot.
using BlockReader = std::function<void(std::uint64_t block, std::span<std::uint8_t> out)>;

// Scans the journal whose blocks are, in order, the filesystem blocks
// `journal_blocks` (the journal inode's map), in a filesystem of
// `fs_blocks` blocks of `block_size` bytes. Returns an empty overlay when
// the journal is clean or is not one this reader knows; throws oyster::Error
// only when `read` does.
JournalOverlay scan_journal(const BlockReader& read, std::span<const std::uint64_t> journal_blocks,
                            std::uint32_t block_size, std::uint64_t fs_blocks);

}  // namespace oyster::forensics
