// A guest's filesystem is shaped by whoever has root in the guest: the
// analysis reads it with libext2fs (forensics/ext_fs.h) in the forensics
// worker. Fuzzed as a partition image: open, a bounded walk, every
// regular file's content read, and whether the guest wrote it.
#include <fcntl.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "oyster/common/error.h"
#include "oyster/forensics/disk_view.h"
#include "oyster/forensics/ext_fs.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // DiskView reads files: the input goes to one in memory (tmpfs).
    static const std::string path = "/dev/shm/oyster-fuzz-ext-fs-" + std::to_string(::getpid()) + ".img";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return 0;
    bool written = ::write(fd, data, size) == static_cast<ssize_t>(size);
    ::close(fd);
    if (!written || size < 1024) return 0;
    try {
        oyster::forensics::DiskView disk(path);
        oyster::forensics::ExtFs fs(disk, {0, disk.size()});
        oyster::forensics::ExtFs::Limits limits;
        limits.max_entries = 4096;
        limits.max_depth = 16;
        std::uint64_t total = 0;
        for (const auto& e : fs.walk(limits)) {
            if ((e.mode & 0170000) != 0100000) continue;
            fs.read(e.ino, 1U << 16, [&](const std::uint8_t*, std::size_t n) { total += n; });
            (void)fs.touched(e.ino);
            (void)fs.lookup(e.path);
        }
        (void)fs.lookup("/etc/passwd");
        if (total > size * 4096) __builtin_trap();  // bounded reads cannot outgrow the bounds
    } catch (const oyster::Error&) {
    }
    return 0;
}
