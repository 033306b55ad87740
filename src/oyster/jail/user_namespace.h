// A user namespace of its own for a jailed process (jail/process_jail.h,
// ProcessJail::user_namespace_fd), and the idmapped mounts that let it read
// root's files without being root.
//
// Why: the forensics worker parses what an intruder shaped (a filesystem,
// capture files) and must read root's private files to do it (the COW disk
// is 0600). Kept as uid 0 without capabilities it still owned every root
// file it could name; run as an unprivileged host uid inside a user
// namespace that maps only that uid (as its uid 0), it owns nothing on the
// host. What it must read or write is bound into its view through idmapped
// mounts (mount_setattr(2), MOUNT_ATTR_IDMAP) that show host root's files as
// its own: readable (and, for its output, writable) there and nowhere else,
// and whatever it creates is stored as root's on the host disk.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "oyster/common/fd_guard.h"

namespace oyster {

// A new user namespace whose uid 0 and gid 0 are `host_uid` and `host_gid`
// on the host, and no other id; returns its descriptor (it lives as long as
// the descriptor). Needs CAP_SETUID and CAP_SETGID. Throws oyster::Error
// (user namespaces disabled, /proc missing).
FdGuard make_user_namespace(uid_t host_uid, gid_t host_gid);

// A detached copy of the mount at `path` (open_tree) made idmapped through
// `user_namespace_fd` with `attr_set` (MOUNT_ATTR_*) besides: the one way
// both the jail (which then attaches it) and idmapped_mount_refusal() make
// one. Only system calls: safe between fork and execve. Returns its
// descriptor (close-on-exec), or -1 with errno set and `*failed` naming the
// step.
int open_idmapped_tree(const char* path, std::uint64_t attr_set, int user_namespace_fd, const char** failed);

// Empty when `path` can be bound through an idmapped mount of
// `user_namespace_fd` (its filesystem supports it, the kernel has it);
// otherwise why not ("idmapped mount of PATH: Invalid argument"). Makes a
// detached copy of the mount and drops it: nothing shows.
std::string idmapped_mount_refusal(const std::filesystem::path& path, int user_namespace_fd);

}  // namespace oyster
