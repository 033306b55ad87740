// A guest's ext4 journal is the intruder's bytes: the analysis replays it
// (forensics/ext4_journal.h) when the guest's filesystem needs recovery.
// Fuzzed as the journal's first blocks (1 KiB each, the rest of a 1024-block
// journal zero): every replayed block must lie inside the filesystem and
// come from the journal.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <span>
#include <vector>

#include "oyster/forensics/ext4_journal.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    constexpr std::uint32_t kBlock = 1024;
    constexpr std::uint64_t kJournalStart = 2000, kJournalBlocks = 1024, kFsBlocks = 4000;
    std::vector<std::uint64_t> map(kJournalBlocks);
    std::iota(map.begin(), map.end(), kJournalStart);
    auto read = [&](std::uint64_t block, std::span<std::uint8_t> out) {
        std::fill(out.begin(), out.end(), 0);
        if (block < kJournalStart) return;
        std::uint64_t at = (block - kJournalStart) * kBlock;
        if (at < size) std::memcpy(out.data(), data + at, std::min<std::uint64_t>(out.size(), size - at));
    };
    auto overlay = oyster::forensics::scan_journal(read, map, kBlock, kFsBlocks);
    for (const auto& [block, copy] : overlay.blocks) {
        if (block >= kFsBlocks || copy.log_block < kJournalStart || copy.log_block >= kJournalStart + kJournalBlocks) {
            __builtin_trap();
        }
    }
    if (overlay.blocks.size() > kJournalBlocks) __builtin_trap();
    return 0;
}
