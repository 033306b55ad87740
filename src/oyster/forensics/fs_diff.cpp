#include "oyster/forensics/fs_diff.h"

#include <string_view>
#include <unordered_map>

#include "oyster/capture/guest_noise.h"
#include "oyster/common/sha256.h"

namespace oyster::forensics {
namespace {

constexpr std::uint16_t kTypeMask = 0170000;
constexpr std::uint16_t kRegular = 0100000;
constexpr std::uint16_t kDirectory = 0040000;

std::string content_sha256(const ExtFs& fs, const FsEntry& e, const DiffOptions& o) {
    if ((e.mode & kTypeMask) != kRegular || e.size > o.max_hash_bytes) return {};
    Sha256Stream sha;
    fs.read(e.ino, o.max_hash_bytes, [&](const std::uint8_t* p, std::size_t n) { sha.update(p, n); });
    return sha.hex_digest();
}

}  // namespace

const char* kind_name(FileChange::Kind k) {
    switch (k) {
        case FileChange::Kind::added:
            return "added";
        case FileChange::Kind::deleted:
            return "deleted";
        default:
            return "changed";
    }
}

std::vector<FileChange> diff_filesystems(const ExtFs& base, const ExtFs& now, const DiffOptions& options) {
    auto before = base.walk();
    auto after = now.walk();
    std::unordered_map<std::string, const FsEntry*> by_path;
    by_path.reserve(before.size());
    for (const auto& e : before) by_path.emplace(e.path, &e);

    std::vector<FileChange> out;
    for (const auto& a : after) {
        auto it = by_path.find(a.path);
        if (it == by_path.end()) {
            FileChange c;
            c.kind = FileChange::Kind::added;
            c.path = a.path;
            c.after = a;
            c.sha256 = content_sha256(now, a, options);
            c.noise = capture::noise_rule(a.path);
            out.push_back(std::move(c));
            continue;
        }
        const FsEntry& b = *it->second;
        by_path.erase(it);
        std::vector<std::string> what;
        bool directory = (a.mode & kTypeMask) == kDirectory && (b.mode & kTypeMask) == kDirectory;
        if ((a.mode & kTypeMask) != (b.mode & kTypeMask)) what.emplace_back("type");
        if ((a.mode & 07777) != (b.mode & 07777)) what.emplace_back("mode");
        if (a.uid != b.uid || a.gid != b.gid) what.emplace_back("owner");
        std::string sha_after, sha_before;
        if (!directory) {
            if (a.ino != b.ino) what.emplace_back("inode");
            if (a.mtime != b.mtime) what.emplace_back("mtime");
            bool regular = (a.mode & kTypeMask) == kRegular && (b.mode & kTypeMask) == kRegular;
            if (a.size != b.size) {
                what.emplace_back("content");
            } else if (regular && (a.ino != b.ino || now.touched(a.ino))) {
                sha_after = content_sha256(now, a, options);
                sha_before = content_sha256(base, b, options);
                if (sha_after != sha_before) what.emplace_back("content");
            } else if (!regular && now.touched(a.ino) && a.ino == b.ino && a.size == b.size) {
                // A symlink or device rewritten in place: compare as bytes.
                if (a.mtime != b.mtime) what.emplace_back("content");
            }
        }
        if (what.empty()) continue;
        FileChange c;
        c.kind = FileChange::Kind::changed;
        c.path = a.path;
        c.before = b;
        c.after = a;
        c.what = std::move(what);
        c.sha256 = sha_after.empty() ? content_sha256(now, a, options) : sha_after;
        c.sha256_before = sha_before.empty() ? content_sha256(base, b, options) : sha_before;
        c.noise = capture::noise_rule(a.path);
        out.push_back(std::move(c));
    }
    for (const auto& b : before) {
        if (!by_path.contains(b.path)) continue;
        FileChange c;
        c.kind = FileChange::Kind::deleted;
        c.path = b.path;
        c.before = b;
        c.sha256_before = content_sha256(base, b, options);
        c.noise = capture::noise_rule(b.path);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace oyster::forensics
