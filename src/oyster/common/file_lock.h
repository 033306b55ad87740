// An exclusive flock(2) on a file, held for one scope. It serialises
// Oyster processes (and threads, each holding its own descriptor) that
// change the same state: the lock goes with the descriptor, so a process
// that dies, even by kill -9, releases it.
#pragma once

#include <fcntl.h>
#include <sys/file.h>

#include <filesystem>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"

namespace oyster {

class FileLock {
public:
    // Creates `path` (and its directory) if missing; waits for the lock.
    explicit FileLock(const std::filesystem::path& path) {
        std::filesystem::create_directories(path.parent_path());
        fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        if (fd_.get() < 0) throw_errno("open " + path.string());
        if (::flock(fd_.get(), LOCK_EX) != 0) throw_errno("lock " + path.string());
    }

private:
    FdGuard fd_;
};

}  // namespace oyster
