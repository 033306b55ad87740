#include "oyster/forensics/ext_fs.h"

// com_err's header declares C functions without extern "C".
extern "C" {
#include <et/com_err.h>
}
#include <ext2fs/ext2fs.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/forensics/ext4_journal.h"

namespace oyster::forensics {
namespace {

// What an io_channel reads: a partition of a DiskView, with the journal's
// committed copies over it when the filesystem needs recovery.
struct Source {
    const DiskView* disk = nullptr;
    std::uint64_t offset = 0, size = 0;
    std::shared_ptr<const JournalOverlay> journal;
};

// Puts the journal's copies of the blocks within [at, at + out.size()) of
// the partition over what the disk holds there.
void apply_journal(const Source& src, std::uint64_t at, std::span<std::uint8_t> out) {
    const JournalOverlay& j = *src.journal;
    std::uint64_t bs = j.block_size;
    std::vector<std::uint8_t> copy(bs);
    for (auto it = j.blocks.lower_bound(at / bs); it != j.blocks.end() && it->first * bs < at + out.size(); ++it) {
        std::uint64_t home = it->first * bs, log = it->second.log_block * bs;
        if (log > src.size || bs > src.size - log) continue;
        src.disk->read(src.offset + log, copy);
        JournalOverlay::unescape(it->second, copy);
        std::uint64_t from = std::max(home, at), to = std::min(home + bs, at + out.size());
        std::memcpy(out.data() + (from - at), copy.data() + (from - home), to - from);
    }
}

// libext2fs opens a channel by name only: ExtFs registers its source
// under a unique name just for the open.
std::mutex g_sources_mu;
std::map<std::string, Source> g_sources;

errcode_t read_blk64(io_channel ch, unsigned long long block, int count, void* data) {
    auto* src = static_cast<Source*>(ch->private_data);
    std::uint64_t n = count < 0 ? static_cast<std::uint64_t>(-static_cast<std::int64_t>(count))
                                : static_cast<std::uint64_t>(count) * static_cast<std::uint64_t>(ch->block_size);
    std::uint64_t at = block * static_cast<std::uint64_t>(ch->block_size);
    if (block > src->size || at > src->size || n > src->size - at) return EXT2_ET_SHORT_READ;
    try {
        std::span<std::uint8_t> out(static_cast<std::uint8_t*>(data), n);
        src->disk->read(src->offset + at, out);
        if (src->journal) apply_journal(*src, at, out);
    } catch (const std::exception&) {
        return EXT2_ET_SHORT_READ;
    }
    return 0;
}

errcode_t read_blk(io_channel ch, unsigned long block, int count, void* data) {
    return read_blk64(ch, block, count, data);
}

errcode_t refuse_write(io_channel, unsigned long, int, const void*) {
    return EXT2_ET_RO_FILSYS;
}
errcode_t refuse_write64(io_channel, unsigned long long, int, const void*) {
    return EXT2_ET_RO_FILSYS;
}
errcode_t refuse_write_byte(io_channel, unsigned long, int, const void*) {
    return EXT2_ET_RO_FILSYS;
}
errcode_t set_blksize(io_channel ch, int blksize) {
    ch->block_size = blksize;
    return 0;
}
errcode_t flush(io_channel) {
    return 0;
}

errcode_t close_channel(io_channel ch) {
    if (--ch->refcount > 0) return 0;
    delete static_cast<Source*>(ch->private_data);
    std::free(ch->name);
    std::free(ch);
    return 0;
}

errcode_t open_channel(const char* name, int flags, io_channel* channel);

struct_io_manager g_manager = [] {
    struct_io_manager m{};
    m.magic = EXT2_ET_MAGIC_IO_MANAGER;
    m.name = "oyster disk view";
    m.open = open_channel;
    m.close = close_channel;
    m.set_blksize = set_blksize;
    m.read_blk = read_blk;
    m.write_blk = refuse_write;
    m.flush = flush;
    m.write_byte = refuse_write_byte;
    m.read_blk64 = read_blk64;
    m.write_blk64 = refuse_write64;
    return m;
}();

errcode_t open_channel(const char* name, int flags, io_channel* channel) {
    if ((flags & IO_FLAG_RW) != 0) return EXT2_ET_RO_FILSYS;
    Source src;
    {
        std::lock_guard lock(g_sources_mu);
        auto it = g_sources.find(name);
        if (it == g_sources.end()) return EXT2_ET_BAD_DEVICE_NAME;
        src = it->second;
    }
    auto* ch = static_cast<io_channel>(std::calloc(1, sizeof(struct_io_channel)));
    if (ch == nullptr) return EXT2_ET_NO_MEMORY;
    ch->magic = EXT2_ET_MAGIC_IO_CHANNEL;
    ch->manager = &g_manager;
    ch->name = ::strdup(name);
    ch->block_size = 1024;
    ch->refcount = 1;
    ch->private_data = new Source(src);
    *channel = ch;
    return 0;
}

std::string ext2_error(errcode_t e) {
    const char* m = error_message(e);
    return m != nullptr ? m : fmt::format("libext2fs error {}", e);
}

// libext2fs sizes its tables from the superblock when it opens a
// filesystem: a hostile one claiming 2^40 blocks would have it allocate
// gigabytes of group descriptors. The geometry must fit the partition.
void check_geometry(const DiskView& disk, const Partition& partition) {
    if (partition.size < 2048) throw Error("not an ext2/3/4 filesystem: the partition is too small");
    std::vector<std::uint8_t> sb(1024);
    disk.read(partition.offset + 1024, sb);
    auto u32 = [&](std::size_t at) {
        std::uint32_t v = 0;
        std::memcpy(&v, sb.data() + at, 4);
        return v;
    };
    std::uint16_t magic = 0;
    std::memcpy(&magic, sb.data() + 56, 2);
    if (magic != EXT2_SUPER_MAGIC) throw Error("not an ext2/3/4 filesystem (no superblock magic)");
    std::uint32_t log_block = u32(24);
    if (log_block > 6) throw Error("not a filesystem the analysis reads: block size over 64 KiB");
    std::uint64_t block_size = std::uint64_t{1024} << log_block;
    std::uint64_t blocks = u32(4);
    if (u32(0x60) & EXT4_FEATURE_INCOMPAT_64BIT) blocks |= std::uint64_t{u32(0x150)} << 32;
    std::uint64_t per_group = u32(32), inodes_per_group = u32(40);
    if (blocks == 0 || blocks > partition.size / block_size) {
        throw Error(
            fmt::format("not a filesystem the analysis reads: {} blocks of {} bytes do not fit its {}-byte "
                        "partition",
                        blocks, block_size, partition.size));
    }
    if (per_group == 0 || per_group > 8 * block_size || inodes_per_group == 0 || inodes_per_group > 8 * block_size) {
        throw Error("not a filesystem the analysis reads: impossible group geometry");
    }
}

// Opens the filesystem on `src` with libext2fs (which opens a channel by
// name only: the source is registered under a unique name for the open).
ext2_filsys open_fs(const Source& src) {
    static std::atomic<unsigned> next{0};
    std::string name = fmt::format("oyster-disk-{}", next++);
    {
        std::lock_guard lock(g_sources_mu);
        g_sources[name] = src;
    }
    // Checksum errors are read through: an intruder who breaks a checksum
    // must not make the disk unreadable to the analysis.
    ext2_filsys fs = nullptr;
    errcode_t rc =
        ext2fs_open2(name.c_str(), nullptr, EXT2_FLAG_64BITS | EXT2_FLAG_SKIP_MMP | EXT2_FLAG_IGNORE_CSUM_ERRORS, 0, 0,
                     &g_manager, &fs);
    {
        std::lock_guard lock(g_sources_mu);
        g_sources.erase(name);
    }
    if (rc != 0) throw Error(fmt::format("not an ext2/3/4 filesystem the analysis can read: {}", ext2_error(rc)));
    return fs;
}

// Journals longer than this (in blocks) are not read: mke2fs makes them at
// most 1 GiB (262,144 blocks of 4 KiB).
constexpr std::uint64_t kMaxJournalBlocks = std::uint64_t{1} << 20;

// The committed copies in the journal of a filesystem that needs recovery
// (ext4_journal.h); empty when it does not, or its journal is external or
// not fully mapped.
JournalOverlay pending_journal(ext2_filsys fs, const DiskView& disk, const Partition& partition) {
    JournalOverlay none;
    const ext2_super_block* sb = fs->super;
    if ((sb->s_feature_incompat & EXT3_FEATURE_INCOMPAT_RECOVER) == 0 ||
        (sb->s_feature_compat & EXT3_FEATURE_COMPAT_HAS_JOURNAL) == 0 || sb->s_journal_inum == 0) {
        return none;
    }
    ext2_inode inode{};
    if (ext2fs_read_inode(fs, sb->s_journal_inum, &inode) != 0) return none;
    std::uint64_t blocks = std::min<std::uint64_t>(EXT2_I_SIZE(&inode) / fs->blocksize, kMaxJournalBlocks);
    std::uint64_t fs_blocks = ext2fs_blocks_count(fs->super);
    std::vector<std::uint64_t> map;
    map.reserve(blocks);
    for (std::uint64_t i = 0; i < blocks; ++i) {
        blk64_t phys = 0;
        if (ext2fs_bmap2(fs, sb->s_journal_inum, &inode, nullptr, 0, i, nullptr, &phys) != 0 || phys == 0 ||
            phys >= fs_blocks) {
            break;
        }
        map.push_back(phys);
    }
    std::uint64_t bs = fs->blocksize;
    auto read = [&](std::uint64_t block, std::span<std::uint8_t> out) {
        if (block >= fs_blocks || block * bs + out.size() > partition.size) {
            throw Error(fmt::format("journal block {} is outside the partition", block));
        }
        disk.read(partition.offset + block * bs, out);
    };
    try {
        return scan_journal(read, map, fs->blocksize, fs_blocks);
    } catch (const Error& e) {
        // The filesystem is still read, as it stands, and says why.
        none.end = fmt::format("the journal could not be read: {}", e.what());
        return none;
    }
}

}  // namespace

struct ExtFs::Impl {
    ext2_filsys fs = nullptr;
    std::shared_ptr<const JournalOverlay> journal;
    Impl() = default;
    Impl(const Impl&) = delete;
    Impl& operator=(const Impl&) = delete;
    // Also when the constructor throws after the open.
    ~Impl() {
        if (fs != nullptr) ext2fs_close_free(&fs);
    }
};

ExtFs::ExtFs(const DiskView& disk, Partition partition)
    : disk_(disk), partition_(partition), impl_(std::make_unique<Impl>()) {
    check_geometry(disk_, partition);
    Source src{&disk_, partition.offset, partition.size, nullptr};
    impl_->fs = open_fs(src);
    auto journal = std::make_shared<JournalOverlay>(pending_journal(impl_->fs, disk_, partition));
    if (!journal->empty() || journal->transactions > 0 || !journal->end.empty()) {
        impl_->journal = journal;
    }
    if (!journal->empty()) {
        // Opened again with the copies over the disk: libext2fs keeps what it
        // read at open (superblock, group descriptors), which they may replace.
        ext2fs_close_free(&impl_->fs);
        src.journal = journal;
        impl_->fs = open_fs(src);
    }
}

const JournalOverlay* ExtFs::journal() const {
    return impl_->journal.get();
}

ExtFs::~ExtFs() = default;

namespace {

struct WalkState {
    ext2_filsys fs;
    const ExtFs::Limits* limits;
    std::vector<FsEntry>* out;
    std::set<ext2_ino_t> dirs_seen;
    std::string error;
};

FsEntry entry_of(ext2_filsys fs, ext2_ino_t ino, const std::string& path, std::string& error) {
    ext2_inode inode{};
    FsEntry e;
    e.path = path;
    e.ino = ino;
    if (errcode_t rc = ext2fs_read_inode(fs, ino, &inode); rc != 0) {
        error = fmt::format("inode {} ({}): {}", ino, path, ext2_error(rc));
        return e;
    }
    e.mode = inode.i_mode;
    e.uid = inode.i_uid | static_cast<std::uint32_t>(inode.osd2.linux2.l_i_uid_high) << 16;
    e.gid = inode.i_gid | static_cast<std::uint32_t>(inode.osd2.linux2.l_i_gid_high) << 16;
    e.size = EXT2_I_SIZE(&inode);
    e.mtime = static_cast<std::int32_t>(inode.i_mtime);
    e.ctime = static_cast<std::int32_t>(inode.i_ctime);
    e.links = inode.i_links_count;
    return e;
}

void walk_dir(WalkState& st, ext2_ino_t dir, const std::string& path, std::size_t depth) {
    if (depth > st.limits->max_depth) {
        st.error = fmt::format("{}: deeper than {} directories", path, st.limits->max_depth);
        return;
    }
    if (!st.dirs_seen.insert(dir).second) return;  // a loop (or a hard-linked directory)
    struct Child {
        std::string name;
        ext2_ino_t ino;
    };
    std::vector<Child> children;
    auto collect = [](ext2_ino_t, int, ext2_dir_entry* d, int, int, char*, void* priv) -> int {
        auto* kids = static_cast<std::vector<Child>*>(priv);
        int len = ext2fs_dirent_name_len(d);
        std::string name(d->name, static_cast<std::size_t>(len));
        if (d->inode == 0 || name == "." || name == ".." || name.empty()) return 0;
        kids->push_back({std::move(name), d->inode});
        return 0;
    };
    errcode_t rc = ext2fs_dir_iterate2(st.fs, dir, 0, nullptr, collect, &children);
    if (rc != 0) {
        st.error = fmt::format("{}: {}", path, ext2_error(rc));
        return;
    }
    std::sort(children.begin(), children.end(), [](const Child& a, const Child& b) { return a.name < b.name; });
    for (const auto& c : children) {
        if (st.out->size() >= st.limits->max_entries) {
            st.error = fmt::format("more than {} files", st.limits->max_entries);
            return;
        }
        std::string child_path = (path == "/" ? "" : path) + "/" + c.name;
        st.out->push_back(entry_of(st.fs, c.ino, child_path, st.error));
        if (!st.error.empty()) return;
        if (LINUX_S_ISDIR(st.out->back().mode)) {
            walk_dir(st, c.ino, child_path, depth + 1);
            if (!st.error.empty()) return;
        }
    }
}

}  // namespace

std::vector<FsEntry> ExtFs::walk(const Limits& limits) const {
    std::vector<FsEntry> out;
    WalkState st{impl_->fs, &limits, &out, {}, {}};
    out.push_back(entry_of(impl_->fs, EXT2_ROOT_INO, "/", st.error));
    if (st.error.empty()) walk_dir(st, EXT2_ROOT_INO, "/", 0);
    if (!st.error.empty()) throw Error("reading the guest's filesystem: " + st.error);
    return out;
}

std::optional<FsEntry> ExtFs::lookup(const std::string& path) const {
    if (path.empty() || path[0] != '/' || path.size() > 4096) return std::nullopt;
    // Component by component, never following a symlink: libext2fs's
    // namei allocates a symlink's target by the size its inode claims,
    // which a hostile filesystem sets to gigabytes (fuzz_ext_fs found it).
    ext2_ino_t ino = EXT2_ROOT_INO;
    std::size_t pos = 1;
    std::size_t depth = 0;
    while (pos < path.size()) {
        std::size_t end = path.find('/', pos);
        if (end == std::string::npos) end = path.size();
        std::string_view name(path.data() + pos, end - pos);
        pos = end + 1;
        if (name.empty() || name == ".") continue;
        if (++depth > Limits{}.max_depth) return std::nullopt;
        ext2_inode dir{};
        if (ext2fs_read_inode(impl_->fs, ino, &dir) != 0 || !LINUX_S_ISDIR(dir.i_mode)) return std::nullopt;
        ext2_ino_t next = 0;
        if (ext2fs_lookup(impl_->fs, ino, name.data(), static_cast<int>(name.size()), nullptr, &next) != 0 ||
            next == 0) {
            return std::nullopt;
        }
        ino = next;
    }
    std::string error;
    FsEntry e = entry_of(impl_->fs, ino, path, error);
    if (!error.empty()) return std::nullopt;
    return e;
}

std::uint64_t ExtFs::read(std::uint32_t ino, std::uint64_t max,
                          const std::function<void(const std::uint8_t*, std::size_t)>& sink) const {
    ext2_file_t file = nullptr;
    if (errcode_t rc = ext2fs_file_open(impl_->fs, ino, 0, &file); rc != 0) {
        throw Error(fmt::format("open inode {}: {}", ino, ext2_error(rc)));
    }
    std::vector<std::uint8_t> buf(1U << 16);
    std::uint64_t total = 0;
    errcode_t rc = 0;
    while (total < max) {
        unsigned got = 0;
        auto want = static_cast<unsigned>(std::min<std::uint64_t>(buf.size(), max - total));
        rc = ext2fs_file_read(file, buf.data(), want, &got);
        if (rc != 0 || got == 0) break;
        sink(buf.data(), got);
        total += got;
    }
    ext2fs_file_close(file);
    if (rc != 0) throw Error(fmt::format("read inode {}: {}", ino, ext2_error(rc)));
    return total;
}

bool ExtFs::touched(std::uint32_t ino) const {
    ext2_filsys fs = impl_->fs;
    if (ino == 0 || ino > fs->super->s_inodes_count) return false;
    dgrp_t group = (ino - 1) / fs->super->s_inodes_per_group;
    std::uint64_t index = (ino - 1) % fs->super->s_inodes_per_group;
    std::uint64_t inode_at = ext2fs_inode_table_loc(fs, group) * fs->blocksize + index * EXT2_INODE_SIZE(fs->super);
    if (inode_at < partition_.size && disk_.written(partition_.offset + inode_at)) return true;
    // A block the journal replaces was written by the guest too.
    const JournalOverlay* journal = impl_->journal.get();
    if (journal != nullptr && journal->blocks.contains(inode_at / fs->blocksize)) return true;
    struct Probe {
        const DiskView* disk;
        const JournalOverlay* journal;
        std::uint64_t offset, size, blocksize;
        bool hit = false;
    } probe{&disk_, journal, partition_.offset, partition_.size, fs->blocksize};
    auto visit = [](ext2_filsys, blk64_t* block, e2_blkcnt_t, blk64_t, int, void* priv) -> int {
        auto* p = static_cast<Probe*>(priv);
        if (p->journal != nullptr && p->journal->blocks.contains(*block)) {
            p->hit = true;
            return BLOCK_ABORT;
        }
        std::uint64_t at = *block * p->blocksize;
        for (std::uint64_t s = 0; s < p->blocksize && at + s < p->size; s += DiskView::kSector) {
            if (p->disk->written(p->offset + at + s)) {
                p->hit = true;
                return BLOCK_ABORT;
            }
        }
        return 0;
    };
    // Metadata blocks (the extent tree) are visited too: a file can be
    // rewritten by changing where its extents point.
    errcode_t rc = ext2fs_block_iterate3(fs, ino, BLOCK_FLAG_READ_ONLY, nullptr, visit, &probe);
    return rc != 0 || probe.hit;  // unreadable: treat as touched, the content comparison decides
}

}  // namespace oyster::forensics
