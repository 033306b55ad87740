#include "oyster/forensics/ext4_journal.h"

#include <algorithm>

#include <fmt/format.h>

namespace oyster::forensics {
namespace {

// jbd2's on-disk format (include/linux/jbd2.h), big-endian throughout.
constexpr std::uint32_t kMagic = 0xC03B3998;
constexpr std::uint32_t kDescriptorBlock = 1, kCommitBlock = 2, kSuperblockV1 = 3, kSuperblockV2 = 4, kRevokeBlock = 5;
constexpr std::uint32_t kIncompat64Bit = 0x2, kIncompatCsumV2 = 0x8, kIncompatCsumV3 = 0x10, kIncompatFastCommit = 0x20;
constexpr std::uint32_t kFlagEscape = 1, kFlagSameUuid = 2, kFlagLastTag = 8;
constexpr std::size_t kHeaderBytes = 12, kRevokeHeaderBytes = 16, kUuidBytes = 16, kTailBytes = 4;
constexpr std::uint32_t kDefaultFastCommitBlocks = 256;

std::uint32_t be32(std::span<const std::uint8_t> b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) |
           std::uint32_t{b[at + 3]};
}
std::uint16_t be16(std::span<const std::uint8_t> b, std::size_t at) {
    return static_cast<std::uint16_t>((b[at] << 8) | b[at + 1]);
}

struct Logged {
    std::uint64_t fs_block, log_block;
    bool escaped;
};

}  // namespace

void JournalOverlay::unescape(const Copy& copy, std::span<std::uint8_t> block) {
    if (!copy.escaped || block.size() < 4) return;
    block[0] = 0xC0;
    block[1] = 0x3B;
    block[2] = 0x39;
    block[3] = 0x98;
}

JournalOverlay scan_journal(const BlockReader& read, std::span<const std::uint64_t> journal_blocks,
                            std::uint32_t block_size, std::uint64_t fs_blocks) {
    JournalOverlay overlay;
    overlay.block_size = block_size;
    if (block_size < 1024 || journal_blocks.empty()) return overlay;
    std::vector<std::uint8_t> buf(block_size);
    auto read_log = [&](std::uint64_t n) {
        read(journal_blocks[n], buf);
        return std::span<const std::uint8_t>(buf);
    };

    auto sb = read_log(0);
    std::uint32_t sb_type = be32(sb, 4);
    if (be32(sb, 0) != kMagic || (sb_type != kSuperblockV1 && sb_type != kSuperblockV2)) {
        overlay.end = "no journal superblock";
        return overlay;
    }
    std::uint32_t incompat = sb_type == kSuperblockV2 ? be32(sb, 40) : 0;
    std::uint64_t maxlen = be32(sb, 16), first = be32(sb, 20), start = be32(sb, 28);
    std::uint32_t sequence = be32(sb, 24);
    if (be32(sb, 12) != block_size || maxlen > journal_blocks.size()) {
        overlay.end = "the journal superblock does not match its inode";
        return overlay;
    }
    std::uint64_t last = maxlen;  // one past the log's last block
    if ((incompat & kIncompatFastCommit) != 0) {
        std::uint32_t fc = be32(sb, 0x54);
        last -= std::min<std::uint64_t>(last, fc == 0 ? kDefaultFastCommitBlocks : fc);
    }
    if (start == 0) return overlay;  // clean: nothing to replay
    if (first == 0 || first >= last || start < first || start >= last) {
        overlay.end = "the journal's start is outside its log";
        return overlay;
    }
    bool wide = (incompat & kIncompat64Bit) != 0, csum3 = (incompat & kIncompatCsumV3) != 0;
    bool tail = (incompat & (kIncompatCsumV2 | kIncompatCsumV3)) != 0;
    std::size_t tag_bytes = csum3 ? 16 : 12 + ((incompat & kIncompatCsumV2) != 0 ? 2 : 0) - (wide ? 0 : 4);
    auto next = [&](std::uint64_t b) { return b + 1 >= last ? first : b + 1; };

    // Committed copies with the transaction that logged them, and for each
    // revoked block the newest transaction that revoked it.
    std::map<std::uint64_t, std::pair<JournalOverlay::Copy, std::uint32_t>> committed;
    std::map<std::uint64_t, std::uint32_t> revokes;
    std::vector<Logged> pending;
    std::vector<std::uint64_t> pending_revokes;
    std::uint64_t at = start;
    // The log is a ring: no more blocks than it holds are read.
    std::uint64_t budget = last - first;
    auto end = [&](std::string why) { overlay.end = std::move(why); };
    while (budget > 0) {
        --budget;
        auto b = read_log(at);
        if (be32(b, 0) != kMagic || be32(b, 8) != sequence) break;  // the end of the log
        std::uint32_t type = be32(b, 4);
        if (type == kDescriptorBlock) {
            std::size_t limit = block_size - (tail ? kTailBytes : 0);
            std::vector<Logged> tags;
            bool last_tag = false;
            for (std::size_t off = kHeaderBytes; !last_tag && off + tag_bytes <= limit;) {
                std::uint64_t fs_block = be32(b, off);
                std::uint32_t flags = csum3 ? be32(b, off + 4) : be16(b, off + 6);
                if (wide) fs_block |= std::uint64_t{be32(b, off + 8)} << 32;
                off += tag_bytes;
                if ((flags & kFlagSameUuid) == 0) off += kUuidBytes;
                last_tag = (flags & kFlagLastTag) != 0;
                tags.push_back({fs_block, 0, (flags & kFlagEscape) != 0});
            }
            if (tags.size() > budget) {
                end("a descriptor names more blocks than the log holds");
                break;
            }
            for (auto& t : tags) {
                at = next(at);
                --budget;
                t.log_block = journal_blocks[at];
                // A block outside the filesystem is not replayed; the
                // transaction's other blocks are.
                if (t.fs_block < fs_blocks && t.log_block < fs_blocks) pending.push_back(t);
            }
        } else if (type == kCommitBlock) {
            for (const auto& p : pending) committed[p.fs_block] = {{p.log_block, p.escaped}, sequence};
            for (auto r : pending_revokes) {
                auto& seq = revokes[r];
                seq = std::max(seq, sequence);
            }
            pending.clear();
            pending_revokes.clear();
            ++overlay.transactions;
            ++sequence;
        } else if (type == kRevokeBlock) {
            // Whatever the superblock says: jbd2 sets the revoke feature in
            // memory at the first revoke, and a guest killed before that
            // superblock was written leaves revoke blocks without it. The
            // kernel's recovery reads them regardless (fs/jbd2/recovery.c).
            std::size_t used = be32(b, kHeaderBytes);
            std::size_t record = wide ? 8 : 4;
            used = std::min<std::size_t>(used, block_size - (tail ? kTailBytes : 0));
            for (std::size_t off = kRevokeHeaderBytes; off + record <= used; off += record) {
                std::uint64_t r = wide ? (std::uint64_t{be32(b, off)} << 32) | be32(b, off + 4) : be32(b, off);
                pending_revokes.push_back(r);
            }
        } else {
            end(fmt::format("a block of unknown type {} in the log", type));
            break;
        }
        at = next(at);
    }
    // The kernel's rule: a copy logged in transaction T is not replayed when
    // the block was revoked in T or later.
    for (const auto& [block, copy] : committed) {
        auto r = revokes.find(block);
        if (r != revokes.end() && r->second >= copy.second) {
            ++overlay.revoked;
            continue;
        }
        overlay.blocks[block] = copy.first;
    }
    return overlay;
}

}  // namespace oyster::forensics
