#include "oyster/evidence/evidence_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"

namespace oyster::evidence {
namespace {

void sync_dir(const std::filesystem::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

EvidenceStore::EvidenceStore(std::filesystem::path root) : root_(std::move(root)) {
    std::error_code ec;
    std::filesystem::create_directories(root_ / "sha256", ec);
    if (ec) throw Error(fmt::format("{}: cannot create the evidence store: {}", root_.string(), ec.message()));
    std::filesystem::create_directories(root_ / "tmp", ec);
    if (ec) throw Error(fmt::format("{}: cannot create the evidence store: {}", root_.string(), ec.message()));
}

std::filesystem::path EvidenceStore::path_for(const std::string& sha256) const {
    if (!is_sha256_hex(sha256)) throw Error(fmt::format("not a SHA-256: {}", sha256));
    return root_ / "sha256" / sha256.substr(0, 2) / sha256;
}

std::uint64_t EvidenceStore::remove(const std::string& sha256) const {
    auto path = path_for(sha256);
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) return 0;
        throw_errno("stat " + path.string());
    }
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) throw_errno("unlink " + path.string());
    return static_cast<std::uint64_t>(st.st_blocks) * 512;
}

bool EvidenceStore::contains(const std::string& sha256) const {
    std::error_code ec;
    return is_sha256_hex(sha256) && std::filesystem::is_regular_file(path_for(sha256), ec);
}

EvidenceStore::Writer::Writer(const EvidenceStore& store) : store_(store) {
    // mkstemp, not the pid: every forensics worker is pid 1 of its own pid
    // namespace, and two may write at once (the sensor's, a --rescan).
    std::string name = (store.root_ / "tmp" / "blob-XXXXXX").string();
    fd_ = ::mkostemp(name.data(), O_CLOEXEC);
    if (fd_ < 0) throw_errno("create a temporary file in " + (store.root_ / "tmp").string());
    tmp_ = name;
    ::fchmod(fd_, 0440);
}

EvidenceStore::Writer::~Writer() {
    if (fd_ >= 0) {
        ::close(fd_);
        ::unlink(tmp_.c_str());
    }
}

void EvidenceStore::Writer::write(const void* data, std::size_t n) {
    if (fd_ < 0) throw Error("evidence writer used after commit");
    hash_.update(data, n);
    const auto* p = static_cast<const char*>(data);
    while (n > 0) {
        ssize_t w = ::write(fd_, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            throw_errno("write " + tmp_.string());
        }
        p += w;
        n -= static_cast<std::size_t>(w);
        bytes_ += static_cast<std::uint64_t>(w);
    }
}

std::string EvidenceStore::Writer::commit() {
    if (fd_ < 0) throw Error("evidence writer committed twice");
    std::string sha = hash_.hex_digest();
    if (::fsync(fd_) != 0) throw_errno("fsync " + tmp_.string());
    ::close(fd_);
    fd_ = -1;
    auto target = store_.path_for(sha);
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) {
        ::unlink(tmp_.c_str());
        throw Error(fmt::format("{}: {}", target.parent_path().string(), ec.message()));
    }
    // Same content, same name: an existing blob is the same bytes.
    if (std::filesystem::exists(target, ec)) {
        ::unlink(tmp_.c_str());
        return sha;
    }
    if (::rename(tmp_.c_str(), target.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp_.c_str());
        throw_errno("rename to " + target.string(), err);
    }
    sync_dir(target.parent_path());
    added_ = true;
    return sha;
}

namespace {

// `path` opened for reading without following a symlink or blocking on a
// FIFO; -1 when it is not a regular file (errno EINVAL) or cannot be opened.
int open_regular(const std::filesystem::path& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    struct stat st {};
    if (fd >= 0 && (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))) {
        ::close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

}  // namespace

std::string EvidenceStore::copy_in(int fd, const std::filesystem::path& what, bool* added) const {
    Writer w(*this);
    std::vector<char> buf(std::size_t{1} << 20);
    while (true) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read " + what.string());
        if (n == 0) break;
        w.write(buf.data(), static_cast<std::size_t>(n));
    }
    // A hash already stored is not replaced (same name, same bytes).
    auto sha = w.commit();
    if (added != nullptr) *added = w.added();
    return sha;
}

std::string EvidenceStore::put_file(const std::filesystem::path& source) const {
    FdGuard in(open_regular(source));
    if (in.get() < 0) throw_errno("open " + source.string() + " (a regular file)");
    return copy_in(in.get(), source);
}

std::size_t EvidenceStore::take_from(const std::filesystem::path& dir) const {
    std::size_t added = 0;
    std::error_code ec;
    std::filesystem::recursive_directory_iterator it(dir, ec), end;
    if (ec) return 0;
    for (; it != end; it.increment(ec)) {
        if (ec) throw Error(fmt::format("{}: {}", dir.string(), ec.message()));
        if (!it->is_regular_file(ec) || it->is_symlink(ec)) continue;
        FdGuard in(open_regular(it->path()));
        if (in.get() < 0) continue;
        bool is_new = false;
        copy_in(in.get(), it->path(), &is_new);
        if (is_new) ++added;
    }
    return added;
}

}  // namespace oyster::evidence
