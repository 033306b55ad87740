#include "oyster/capture/syscall_names.h"

#include <cstring>
#include <map>

namespace oyster::capture {

std::string syscall_name(std::uint32_t nr) {
    // The calls patch 0004 watches (arch/x86/entry/syscalls/syscall_64.tbl).
    static const std::map<std::uint32_t, const char*> names = {
        {2, "open"},
        {42, "connect"},
        {43, "accept"},
        {49, "bind"},
        {50, "listen"},
        {76, "truncate"},
        {77, "ftruncate"},
        {82, "rename"},
        {83, "mkdir"},
        {84, "rmdir"},
        {85, "creat"},
        {86, "link"},
        {87, "unlink"},
        {88, "symlink"},
        {90, "chmod"},
        {91, "fchmod"},
        {92, "chown"},
        {93, "fchown"},
        {94, "lchown"},
        {101, "ptrace"},
        {105, "setuid"},
        {106, "setgid"},
        {113, "setreuid"},
        {114, "setregid"},
        {116, "setgroups"},
        {117, "setresuid"},
        {119, "setresgid"},
        {122, "setfsuid"},
        {123, "setfsgid"},
        {126, "capset"},
        {133, "mknod"},
        {155, "pivot_root"},
        {161, "chroot"},
        {165, "mount"},
        {166, "umount2"},
        {175, "init_module"},
        {176, "delete_module"},
        {246, "kexec_load"},
        {257, "openat"},
        {258, "mkdirat"},
        {259, "mknodat"},
        {260, "fchownat"},
        {263, "unlinkat"},
        {264, "renameat"},
        {265, "linkat"},
        {266, "symlinkat"},
        {268, "fchmodat"},
        {288, "accept4"},
        {310, "process_vm_readv"},
        {311, "process_vm_writev"},
        {313, "finit_module"},
        {316, "renameat2"},
        {320, "kexec_file_load"},
        {429, "move_mount"},
        {430, "fsopen"},
        {432, "fsmount"},
        {437, "openat2"},
        {452, "fchmodat2"},
    };
    auto it = names.find(nr);
    return it != names.end() ? it->second : std::to_string(nr);
}

std::string errno_name(std::int64_t result) {
    if (result >= 0 || result < -4095) return "";
    const char* name = strerrorname_np(static_cast<int>(-result));
    return name != nullptr ? name : "E" + std::to_string(-result);
}

}  // namespace oyster::capture
