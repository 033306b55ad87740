#include "oyster/forensics/partition_table.h"

namespace oyster::forensics {
namespace {

std::uint32_t le32(const std::uint8_t* p) {
    return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
           static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}

}  // namespace

std::optional<Partition> first_linux_partition(std::span<const std::uint8_t> sector0, std::uint64_t disk_size) {
    if (sector0.size() < 512 || sector0[510] != 0x55 || sector0[511] != 0xaa) return std::nullopt;
    for (std::size_t i = 0; i < 4; ++i) {
        const std::uint8_t* e = sector0.data() + 446 + std::size_t{16} * i;
        if (e[4] != 0x83) continue;
        std::uint64_t start = std::uint64_t{le32(e + 8)} * 512, size = std::uint64_t{le32(e + 12)} * 512;
        if (start == 0 || size == 0 || start > disk_size || size > disk_size - start) return std::nullopt;
        return Partition{start, size};
    }
    return std::nullopt;
}

}  // namespace oyster::forensics
