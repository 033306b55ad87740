#include "oyster/jail/user_namespace.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster {
namespace {

void write_id_map(pid_t pid, const char* name, unsigned long host_id) {
    auto path = fmt::format("/proc/{}/{}", pid, name);
    FdGuard fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.get() < 0) throw_errno("open " + path);
    auto line = fmt::format("0 {} 1\n", host_id);
    if (::write(fd.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
        throw_errno(fmt::format("write {} ({})", path, line.substr(0, line.size() - 1)));
    }
}

}  // namespace

FdGuard make_user_namespace(uid_t host_uid, gid_t host_gid) {
    // A namespace lives while a process is in it or a descriptor names it: a
    // child makes it, waits for its maps, and exits once we hold its
    // descriptor (the pipe's end closing tells it).
    int sync[2];
    if (::pipe2(sync, O_CLOEXEC) != 0) throw_errno("pipe");
    FdGuard wait_end(sync[0]), go_end(sync[1]);
    // Raw clone: the child only makes system calls (the caller may have
    // other threads).
    auto pid = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, nullptr, nullptr, nullptr, 0UL));
    if (pid < 0) throw_errno("clone(CLONE_NEWUSER) (are user namespaces disabled? user.max_user_namespaces)");
    if (pid == 0) {
        ::close(sync[1]);
        char c = 0;
        while (::read(sync[0], &c, 1) < 0 && errno == EINTR) {
        }
        ::_exit(0);
    }
    wait_end.reset();
    struct Reap {
        pid_t pid;
        FdGuard& go;
        ~Reap() {
            go.reset();
            int status = 0;
            while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
            }
        }
    } reap{pid, go_end};
    write_id_map(pid, "uid_map", host_uid);
    write_id_map(pid, "gid_map", host_gid);
    auto ns_path = fmt::format("/proc/{}/ns/user", pid);
    FdGuard ns(::open(ns_path.c_str(), O_RDONLY | O_CLOEXEC));
    if (ns.get() < 0) throw_errno("open " + ns_path);
    return ns;
}

int open_idmapped_tree(const char* path, std::uint64_t attr_set, int user_namespace_fd, const char** failed) {
    int tree = ::open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) {
        *failed = "open_tree";
        return -1;
    }
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_IDMAP | attr_set;
    attr.userns_fd = static_cast<std::uint64_t>(user_namespace_fd);
    if (::mount_setattr(tree, "", AT_EMPTY_PATH, &attr, sizeof attr) != 0) {
        int err = errno;
        ::close(tree);
        errno = err;
        *failed = "idmapped mount";
        return -1;
    }
    return tree;
}

std::string idmapped_mount_refusal(const std::filesystem::path& path, int user_namespace_fd) {
    const char* failed = nullptr;
    FdGuard tree(open_idmapped_tree(path.c_str(), 0, user_namespace_fd, &failed));
    if (tree.get() < 0) return fmt::format("{} of {}: {}", failed, path.string(), std::strerror(errno));
    return {};
}

}  // namespace oyster
