#include "oyster/sandbox/cow_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cstring>

#include <fmt/format.h>

namespace oyster {
namespace {

constexpr std::uint64_t round_up(std::uint64_t x, std::uint64_t align) {
    return (x + align - 1) / align * align;
}

std::uint32_t get_be32(std::span<const std::uint8_t> b, std::size_t off) {
    return (std::uint32_t{b[off]} << 24) | (std::uint32_t{b[off + 1]} << 16) | (std::uint32_t{b[off + 2]} << 8) |
           std::uint32_t{b[off + 3]};
}

std::uint64_t get_be64(std::span<const std::uint8_t> b, std::size_t off) {
    return (std::uint64_t{get_be32(b, off)} << 32) | get_be32(b, off + 4);
}

void put_be32(std::vector<std::uint8_t>& b, std::size_t off, std::uint32_t v) {
    for (int i = 0; i < 4; ++i) b[off + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
}

void put_be64(std::vector<std::uint8_t>& b, std::size_t off, std::uint64_t v) {
    put_be32(b, off, static_cast<std::uint32_t>(v >> 32));
    put_be32(b, off + 4, static_cast<std::uint32_t>(v));
}

// Field offsets in the packed v3 header.
constexpr std::size_t kOffMagic = 0, kOffVersion = 4, kOffMtime = 8, kOffSize = 12, kOffSectorsize = 20,
                      kOffAlignment = 24, kOffFormat = 28, kOffPath = 32;

struct Fd {
    int fd = -1;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

void validate(const CowHeader& h) {
    if (h.sectorsize < 512 || h.sectorsize > 65536 || !std::has_single_bit(h.sectorsize)) {
        throw CowError(fmt::format("COW header: sectorsize {} is not a power of two from 512 to 65536", h.sectorsize));
    }
    if (h.alignment < 512 || h.alignment > (1u << 20) || !std::has_single_bit(h.alignment)) {
        throw CowError(fmt::format("COW header: alignment {} is not a power of two from 512 to 1 MiB", h.alignment));
    }
    if (h.cow_format != 0) throw CowError(fmt::format("COW header: unknown cow_format {}", h.cow_format));
    // 2^56 bytes keeps every derived offset far from overflow.
    if (h.size == 0 || h.size > (std::uint64_t{1} << 56)) {
        throw CowError(fmt::format("COW header: backing size {} is out of range", h.size));
    }
    if (h.backing_file.empty() || h.backing_file[0] != '/') {
        throw CowError("COW header: backing file is not an absolute path");
    }
}

}  // namespace

std::uint64_t CowHeader::sector_count() const {
    return (size + sectorsize - 1) / sectorsize;
}
std::uint64_t CowHeader::bitmap_offset() const {
    return round_up(kCowHeaderSize, alignment);
}
std::uint64_t CowHeader::bitmap_len() const {
    return (sector_count() + 7) / 8;
}
std::uint64_t CowHeader::data_offset() const {
    return round_up(bitmap_offset() + bitmap_len(), alignment);
}

CowHeader parse_cow_header(std::span<const std::uint8_t> bytes) {
    if (bytes.size() < kOffVersion + 4) throw CowError(fmt::format("COW header: {} bytes is too short", bytes.size()));
    if (std::uint32_t magic = get_be32(bytes, kOffMagic); magic != kCowMagic) {
        throw CowError(fmt::format("COW header: bad magic {:#010x} (not a UML COW file)", magic));
    }
    if (std::uint32_t version = get_be32(bytes, kOffVersion); version != kCowVersion) {
        throw CowError(fmt::format("COW header: version {} is not supported (only 3)", version));
    }
    if (bytes.size() < kCowHeaderSize) {
        throw CowError(fmt::format("COW header: {} bytes is shorter than a version 3 header", bytes.size()));
    }
    // The pre-2006 "broken" 64-bit layout shifts the fields by 4 bytes and
    // leaves the first word of backing_file zero; refuse it rather than guess.
    if (bytes[kOffPath] == 0 && bytes[kOffPath + 1] == 0 && bytes[kOffPath + 2] == 0 && bytes[kOffPath + 3] == 0) {
        throw CowError("COW header: backing file name is empty (or the obsolete 64-bit v3 layout)");
    }
    CowHeader h;
    h.mtime = get_be32(bytes, kOffMtime);
    h.size = get_be64(bytes, kOffSize);
    h.sectorsize = get_be32(bytes, kOffSectorsize);
    h.alignment = get_be32(bytes, kOffAlignment);
    // The kernel writes cow_format without byte swapping; 0 reads the same.
    h.cow_format = get_be32(bytes, kOffFormat);
    auto path = bytes.subspan(kOffPath, kCowPathMax);
    const void* nul = std::memchr(path.data(), 0, path.size());
    if (nul == nullptr) throw CowError("COW header: backing file name is not NUL-terminated");
    h.backing_file.assign(reinterpret_cast<const char*>(path.data()),
                          static_cast<const std::uint8_t*>(nul) - path.data());
    validate(h);
    return h;
}

std::vector<std::uint8_t> encode_cow_header(const CowHeader& h) {
    validate(h);
    if (h.backing_file.size() >= kCowPathMax) throw CowError("COW header: backing file name is too long");
    std::vector<std::uint8_t> b(kCowHeaderSize, 0);
    put_be32(b, kOffMagic, kCowMagic);
    put_be32(b, kOffVersion, kCowVersion);
    put_be32(b, kOffMtime, h.mtime);
    put_be64(b, kOffSize, h.size);
    put_be32(b, kOffSectorsize, h.sectorsize);
    put_be32(b, kOffAlignment, h.alignment);
    put_be32(b, kOffFormat, h.cow_format);
    std::memcpy(b.data() + kOffPath, h.backing_file.data(), h.backing_file.size());
    return b;
}

CowHeader read_cow_file(const std::filesystem::path& cow) {
    Fd f{::open(cow.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) throw_errno("open COW file " + cow.string());
    std::vector<std::uint8_t> buf(kCowHeaderSize);
    ssize_t n = ::pread(f.fd, buf.data(), buf.size(), 0);
    if (n < 0) throw_errno("read COW file " + cow.string());
    buf.resize(static_cast<std::size_t>(n));
    CowHeader h;
    try {
        h = parse_cow_header(buf);
    } catch (const CowError& e) {
        throw CowError(cow.string() + ": " + e.what());
    }
    struct stat st {};
    if (::fstat(f.fd, &st) != 0) throw_errno("stat COW file " + cow.string());
    if (static_cast<std::uint64_t>(st.st_size) < h.bitmap_offset() + h.bitmap_len()) {
        throw CowError(fmt::format("{}: file is {} bytes, too short for its {}-byte bitmap", cow.string(), st.st_size,
                                   h.bitmap_len()));
    }
    return h;
}

CowHeader create_cow_file(const std::filesystem::path& cow, const std::filesystem::path& backing,
                          std::uint32_t sectorsize, std::uint32_t alignment) {
    std::filesystem::path abs = std::filesystem::absolute(backing).lexically_normal();
    struct stat st {};
    if (::stat(abs.c_str(), &st) != 0) throw_errno("stat backing file " + abs.string());
    CowHeader h;
    h.backing_file = abs.string();
    h.mtime = static_cast<std::uint32_t>(st.st_mtim.tv_sec);
    h.size = static_cast<std::uint64_t>(st.st_size);
    h.sectorsize = sectorsize;
    h.alignment = alignment;
    std::vector<std::uint8_t> bytes = encode_cow_header(h);

    Fd f{::open(cow.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)};
    if (f.fd < 0) throw_errno("create COW file " + cow.string());
    auto fail = [&](const char* what) {
        int err = errno;
        ::unlink(cow.c_str());
        throw_errno(std::string(what) + " " + cow.string(), err);
    };
    if (::pwrite(f.fd, bytes.data(), bytes.size(), 0) != static_cast<ssize_t>(bytes.size())) fail("write header of");
    // Setting the length zeroes the bitmap and leaves the data area sparse.
    if (::ftruncate(f.fd, static_cast<off_t>(h.data_offset() + h.size)) != 0) fail("set length of");
    if (::fsync(f.fd) != 0) fail("fsync");
    return h;
}

void check_backing_matches(const CowHeader& h, const std::filesystem::path& backing) {
    struct stat st {};
    if (::stat(backing.c_str(), &st) != 0) throw_errno("stat backing file " + backing.string());
    if (static_cast<std::uint64_t>(st.st_size) != h.size) {
        throw CowError(fmt::format("backing file {} is {} bytes but the COW file was made for {} bytes",
                                   backing.string(), st.st_size, h.size));
    }
    if (static_cast<std::uint32_t>(st.st_mtim.tv_sec) != h.mtime) {
        throw CowError(fmt::format("backing file {} changed since the COW file was made (mtime {} vs {})",
                                   backing.string(), static_cast<std::uint32_t>(st.st_mtim.tv_sec), h.mtime));
    }
}

std::uint64_t count_written_sectors(const std::filesystem::path& cow, const CowHeader& h) {
    Fd f{::open(cow.c_str(), O_RDONLY | O_CLOEXEC)};
    if (f.fd < 0) throw_errno("open COW file " + cow.string());
    std::vector<std::uint8_t> chunk(1 << 16);
    std::uint64_t done = 0, count = 0;
    while (done < h.bitmap_len()) {
        std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), h.bitmap_len() - done));
        ssize_t n = ::pread(f.fd, chunk.data(), want, static_cast<off_t>(h.bitmap_offset() + done));
        if (n < 0) throw_errno("read COW bitmap " + cow.string());
        if (n == 0) throw CowError(cow.string() + ": bitmap ends early");
        for (ssize_t i = 0; i < n; ++i) count += static_cast<unsigned>(std::popcount(chunk[i]));
        done += static_cast<std::uint64_t>(n);
    }
    return count;
}

}  // namespace oyster
