// The UML ubd copy-on-write file format (version 3), as the kernel's
// arch/um/drivers/cow_user.c reads and writes it.
//
// Layout, all integers big-endian, header packed:
//   u32 magic 0x4f4f4f4d ("OOOM"), u32 version 3, u32 mtime of the backing
//   file, u64 size of the backing file, u32 sectorsize, u32 alignment,
//   u32 cow_format (0: bitmap), char backing_file[4096] (absolute, NUL-ended)
// then at round_up(4128, alignment) a bitmap of one bit per sector (set:
// the sector lives in this file), then at round_up(bitmap end, alignment)
// the sectors themselves, at their offset in the backing file.
//
// Oyster creates each guest's COW file itself (so the header is known before
// the guest boots) and reads COW files back for reboots and forensics. A COW
// file is written by a guest kernel an attacker may control: the parser
// treats it as hostile input and checks every field and bound.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "oyster/common/error.h"

namespace oyster {

class CowError : public Error {
public:
    using Error::Error;
};

inline constexpr std::uint32_t kCowMagic = 0x4f4f4f4d;
inline constexpr std::uint32_t kCowVersion = 3;
inline constexpr std::size_t kCowHeaderSize = 4128;
inline constexpr std::size_t kCowPathMax = 4096;

struct CowHeader {
    std::string backing_file;
    std::uint32_t mtime = 0;  // seconds, truncated to 32 bits as the kernel does
    std::uint64_t size = 0;   // bytes of the backing file
    std::uint32_t sectorsize = 512;
    std::uint32_t alignment = 4096;
    std::uint32_t cow_format = 0;

    // Derived from the fields above, as cow_sizes() does for version 3.
    std::uint64_t bitmap_offset() const;
    std::uint64_t bitmap_len() const;
    std::uint64_t data_offset() const;
    std::uint64_t sector_count() const;
};

// Parses the first bytes of a COW file. Throws CowError naming the field.
CowHeader parse_cow_header(std::span<const std::uint8_t> bytes);

// The kCowHeaderSize bytes the kernel would write for `h`.
std::vector<std::uint8_t> encode_cow_header(const CowHeader& h);

// Reads and validates the header of an existing COW file, including that the
// file is long enough to hold its bitmap.
CowHeader read_cow_file(const std::filesystem::path& cow);

// Creates a new COW file over `backing` exactly as UML's init_cow_file() does
// (header, zero bitmap, sparse data area ending at data_offset + size).
// Refuses to overwrite an existing file.
CowHeader create_cow_file(const std::filesystem::path& cow, const std::filesystem::path& backing,
                          std::uint32_t sectorsize = 512, std::uint32_t alignment = 4096);

// Throws CowError unless `backing` has the size and mtime recorded in `h`
// (the kernel refuses to boot otherwise; this says why before it tries).
void check_backing_matches(const CowHeader& h, const std::filesystem::path& backing);

// Number of sectors whose bit is set: how much the guest has written.
std::uint64_t count_written_sectors(const std::filesystem::path& cow, const CowHeader& h);

}  // namespace oyster
