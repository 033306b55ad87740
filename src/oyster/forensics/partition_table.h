// Where the root filesystem lies on a guest's disk: the first Linux
// partition (type 0x83) of its MBR. Read from the base image Oyster built,
// never from the guest's copy of sector 0: an intruder can rewrite that,
// and the analysis must not be pointed elsewhere by it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

namespace oyster::forensics {

struct Partition {
    std::uint64_t offset = 0;  // bytes
    std::uint64_t size = 0;    // bytes
};

// The first Linux partition of an MBR sector, or nullopt (no signature, no
// such partition, or one that does not fit in `disk_size` bytes).
std::optional<Partition> first_linux_partition(std::span<const std::uint8_t> sector0, std::uint64_t disk_size);

}  // namespace oyster::forensics
