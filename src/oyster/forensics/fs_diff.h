// What an intrusion changed on the guest's disk: its filesystem with the
// COW file laid over the base image, compared file by file with the base.
// A file counts as changed when its type, permissions, owner, size, mtime
// or inode differ, or when the guest wrote any of its blocks or its inode
// and the content's SHA-256 differs: an intruder who restores a file's
// mtime after editing it does not hide the edit. Directories count only
// for type, permission and owner changes (their size and mtime move with
// every file added or removed in them). Changes the system makes by itself
// while running (logs, journal, caches, random seeds) are marked as noise,
// with the rule that matched, not hidden.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "oyster/forensics/ext_fs.h"

namespace oyster::forensics {

struct FileChange {
    enum class Kind { added, changed, deleted };
    Kind kind = Kind::changed;
    std::string path;
    std::optional<FsEntry> before, after;
    std::vector<std::string> what;  // "content", "mode", "owner", "mtime", "type", "inode"
    std::string sha256;             // the content now (added or changed regular files), if hashed
    std::string sha256_before;      // the base's content (changed regular files), if hashed
    std::string noise;              // the noise rule that matched, or empty
};

const char* kind_name(FileChange::Kind k);

struct DiffOptions {
    // Regular files larger than this are compared by metadata only and not
    // hashed (their change is still listed).
    std::uint64_t max_hash_bytes = std::uint64_t{256} << 20;
};

// Paths in the order of the overlay's walk, deletions after. Throws
// oyster::Error when either filesystem cannot be read.
std::vector<FileChange> diff_filesystems(const ExtFs& base, const ExtFs& now, const DiffOptions& options = {});

}  // namespace oyster::forensics
