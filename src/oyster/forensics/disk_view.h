// A guest's disk as the analysis reads it: the base image alone, or the
// base image with the guest's COW file laid over it, sector by sector as
// the UML block driver does (a sector whose bitmap bit is set lives in the
// COW file). Read-only, never mounted: the COW file and everything read
// through it were written by a guest an attacker may control, so every
// read is bounds-checked against the base image's size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

#include "oyster/common/fd_guard.h"
#include "oyster/sandbox/cow_file.h"

namespace oyster::forensics {

class DiskView {
public:
    // The base image alone.
    explicit DiskView(const std::filesystem::path& image);
    // The base image with `cow` over it. Throws CowError when the COW file
    // is malformed or was made over another backing file size.
    DiskView(const std::filesystem::path& image, const std::filesystem::path& cow);
    DiskView(const DiskView&) = delete;
    DiskView& operator=(const DiskView&) = delete;

    std::uint64_t size() const { return size_; }
    bool has_overlay() const { return cow_.get() >= 0; }

    // Reads out.size() bytes at `offset`. Throws oyster::Error when the
    // span leaves the disk or a read fails.
    void read(std::uint64_t offset, std::span<std::uint8_t> out) const;

    // True when the sector holding byte `offset` was written by the guest.
    bool written(std::uint64_t offset) const;

    static constexpr std::uint64_t kSector = 512;

private:
    void read_file(int fd, std::uint64_t offset, std::span<std::uint8_t> out) const;

    FdGuard base_;
    FdGuard cow_;
    CowHeader header_;
    std::vector<std::uint8_t> bitmap_;
    std::uint64_t size_ = 0;
};

}  // namespace oyster::forensics
