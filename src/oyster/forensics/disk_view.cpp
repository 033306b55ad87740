#include "oyster/forensics/disk_view.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::forensics {

DiskView::DiskView(const std::filesystem::path& image) : base_(::open(image.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (base_.get() < 0) throw_errno("open " + image.string());
    struct stat st {};
    if (::fstat(base_.get(), &st) != 0) throw_errno("stat " + image.string());
    size_ = static_cast<std::uint64_t>(st.st_size);
}

DiskView::DiskView(const std::filesystem::path& image, const std::filesystem::path& cow) : DiskView(image) {
    header_ = read_cow_file(cow);
    if (header_.size != size_) {
        throw CowError(fmt::format("{}: made over a backing file of {} bytes, but {} has {}", cow.string(),
                                   header_.size, image.string(), size_));
    }
    if (header_.sectorsize != kSector) {
        throw CowError(
            fmt::format("{}: sector size {} (the guest's disks use {})", cow.string(), header_.sectorsize, kSector));
    }
    cow_.reset(::open(cow.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (cow_.get() < 0) throw_errno("open " + cow.string());
    bitmap_.resize(header_.bitmap_len());
    read_file(cow_.get(), header_.bitmap_offset(), bitmap_);
}

void DiskView::read_file(int fd, std::uint64_t offset, std::span<std::uint8_t> out) const {
    std::size_t got = 0;
    while (got < out.size()) {
        ssize_t n = ::pread(fd, out.data() + got, out.size() - got, static_cast<off_t>(offset + got));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("read disk");
        if (n == 0) {
            // A sparse COW file ends before its data area: the rest reads as zeros.
            std::fill(out.begin() + static_cast<std::ptrdiff_t>(got), out.end(), 0);
            return;
        }
        got += static_cast<std::size_t>(n);
    }
}

bool DiskView::written(std::uint64_t offset) const {
    if (!has_overlay() || offset >= size_) return false;
    std::uint64_t sector = offset / kSector;
    return (bitmap_[sector / 8] >> (sector % 8) & 1U) != 0;
}

void DiskView::read(std::uint64_t offset, std::span<std::uint8_t> out) const {
    if (offset > size_ || out.size() > size_ - offset) {
        throw Error(fmt::format("read of {} bytes at {} leaves the {}-byte disk", out.size(), offset, size_));
    }
    if (!has_overlay()) {
        read_file(base_.get(), offset, out);
        return;
    }
    // Runs of sectors from the same file, read together.
    std::size_t done = 0;
    while (done < out.size()) {
        std::uint64_t at = offset + done;
        bool from_cow = written(at);
        std::uint64_t run_end = (at / kSector + 1) * kSector;
        while (run_end < offset + out.size() && written(run_end) == from_cow) run_end += kSector;
        auto n = static_cast<std::size_t>(std::min<std::uint64_t>(run_end, offset + out.size()) - at);
        auto piece = out.subspan(done, n);
        if (from_cow) {
            read_file(cow_.get(), header_.data_offset() + at, piece);
        } else {
            read_file(base_.get(), at, piece);
        }
        done += n;
    }
}

}  // namespace oyster::forensics
