#include "oyster/forensics/fs_diff.h"

#include <array>
#include <regex>
#include <string_view>
#include <unordered_map>

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

std::string noise_rule(const std::string& path) {
    // What a Debian server writes by itself while it runs, attacker or not.
    static constexpr std::array<std::string_view, 12> kPrefixes = {
        "/var/log/",
        "/var/lib/systemd/",
        "/var/cache/",
        "/var/lib/apt/",
        "/var/lib/dhcp/",
        "/var/lib/logrotate/",
        "/var/tmp/systemd-private-",
        "/var/lib/private/",
        "/var/spool/postfix/",
        "/var/lib/sudo/",
        "/var/mail/",
        "/var/lib/dpkg/triggers/",
    };
    for (auto p : kPrefixes) {
        if (std::string_view(path).starts_with(p)) return std::string(p) + "*";
    }
    // systemd-tmpfiles' X11 sockets directories, made at every boot.
    for (const char* d : {"/tmp/.X11-unix", "/tmp/.ICE-unix", "/tmp/.XIM-unix", "/tmp/.font-unix"}) {
        if (path == d) return "systemd-tmpfiles (x11.conf)";
    }
    // Services' state directories, made when they first start.
    for (std::string_view p : {"/var/lib/nginx/", "/var/lib/php/sessions/"}) {
        if (std::string_view(path).starts_with(p)) return std::string(p) + "*";
    }
    // What systemd-logind, pam_motd and pam_faillock rewrite at every login
    // and journald's volatile journal: on a tmpfs, so only kept contents
    // name them.
    for (std::string_view p : {"/run/systemd/", "/run/log/journal/", "/run/faillock/"}) {
        if (std::string_view(path).starts_with(p)) return std::string(p) + "*";
    }
    if (path == "/run/motd.dynamic") return "motd";
    // Daemons' pid files and shutdown's login block, removed as they stop.
    if (std::string_view(path).starts_with("/run/") && std::string_view(path).ends_with(".pid") &&
        path.find('/', 5) == std::string::npos) {
        return "/run/*.pid";
    }
    if (path == "/run/nologin") return "nologin";
    if (path == "/etc/machine-id" || path == "/var/lib/dbus/machine-id") return "machine id";
    // dpkg-db-backup's daily copies (dpkg's timer; due at once after the
    // guest's clocks catch up), by name: anything else in /var/backups is
    // someone's.
    static const std::regex kDpkgBackup(
        R"(/var/backups/(alternatives\.tar|dpkg\.(arch|diversions|statoverride|status))\.[0-9]+(\.gz)?)");
    if (std::string_view(path).starts_with("/var/backups/") && std::regex_match(path, kDpkgBackup)) {
        return "dpkg-db-backup";
    }
    if (path == "/etc/ld.so.cache") return "ld.so.cache";
    return {};
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
            c.noise = noise_rule(a.path);
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
        c.noise = noise_rule(a.path);
        out.push_back(std::move(c));
    }
    for (const auto& b : before) {
        if (!by_path.contains(b.path)) continue;
        FileChange c;
        c.kind = FileChange::Kind::deleted;
        c.path = b.path;
        c.before = b;
        c.sha256_before = content_sha256(base, b, options);
        c.noise = noise_rule(b.path);
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace oyster::forensics
