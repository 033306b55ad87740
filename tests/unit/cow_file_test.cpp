#include "oyster/sandbox/cow_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "temp_dir.h"

namespace oyster {
namespace {

std::vector<std::uint8_t> read_bytes(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

// Made by the real guest kernel (see data/README.md): the first 8192 bytes
// (header and bitmap) of the COW file UML created over a 1 MiB backing file.
const std::filesystem::path kKernelCow = OYSTER_TEST_DATA "/kernel-made-1MiB.cow.head";

using TempDir = oyster::testing::TempDirTest;

TEST(CowFile, ReadsTheHeaderTheKernelWrote) {
    auto bytes = read_bytes(kKernelCow);
    ASSERT_EQ(bytes.size(), 8192u);
    CowHeader h = parse_cow_header(bytes);
    EXPECT_EQ(h.backing_file, "/tmp/oyster-cow-fixture/backing.img");
    EXPECT_EQ(h.size, 1048576u);
    EXPECT_EQ(h.sectorsize, 512u);
    EXPECT_EQ(h.alignment, 4096u);
    EXPECT_EQ(h.cow_format, 0u);
    EXPECT_EQ(h.bitmap_offset(), 8192u);
    EXPECT_EQ(h.bitmap_len(), 256u);
    EXPECT_EQ(h.data_offset(), 12288u);
}

TEST(CowFile, EncodesExactlyWhatTheKernelWrote) {
    auto bytes = read_bytes(kKernelCow);
    CowHeader h = parse_cow_header(bytes);
    auto encoded = encode_cow_header(h);
    ASSERT_EQ(encoded.size(), kCowHeaderSize);
    // The kernel mallocs the header without zeroing it, so the path buffer
    // after the NUL holds stale heap bytes; we write zeros there. Every
    // defined byte (the fields, the path and its NUL) must match.
    std::size_t defined = 32 + h.backing_file.size() + 1;
    EXPECT_TRUE(std::equal(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(defined), bytes.begin()));
    EXPECT_TRUE(std::all_of(encoded.begin() + static_cast<std::ptrdiff_t>(defined), encoded.end(),
                            [](std::uint8_t b) { return b == 0; }));
}

TEST_F(TempDir, CreatedFileHasTheKernelsLayout) {
    auto backing = dir / "backing.img";
    { std::ofstream(backing, std::ios::binary).put('x'); }
    std::filesystem::resize_file(backing, 1048576);
    CowHeader made = create_cow_file(dir / "disk.cow", backing);
    CowHeader read = read_cow_file(dir / "disk.cow");
    EXPECT_EQ(read.backing_file, std::filesystem::absolute(backing).string());
    EXPECT_EQ(read.size, 1048576u);
    EXPECT_EQ(read.mtime, made.mtime);
    EXPECT_EQ(std::filesystem::file_size(dir / "disk.cow"), 12288u + 1048576u);
    EXPECT_EQ(count_written_sectors(dir / "disk.cow", read), 0u);
    EXPECT_NO_THROW(check_backing_matches(read, backing));

    // Header bytes differ from the kernel's only in path and mtime.
    CowHeader kernel = parse_cow_header(read_bytes(kKernelCow));
    kernel.backing_file = read.backing_file;
    kernel.mtime = read.mtime;
    auto file = read_bytes(dir / "disk.cow");
    std::vector<std::uint8_t> head(file.begin(), file.begin() + kCowHeaderSize);
    EXPECT_EQ(encode_cow_header(kernel), head);
    // And the bitmap is all zero: nothing written yet.
    EXPECT_TRUE(std::all_of(file.begin() + 8192, file.begin() + 8192 + 256, [](std::uint8_t b) { return b == 0; }));
}

TEST_F(TempDir, RefusesToOverwriteAndDetectsBackingChanges) {
    auto backing = dir / "backing.img";
    std::ofstream(backing, std::ios::binary) << std::string(4096, 'a');
    CowHeader h = create_cow_file(dir / "disk.cow", backing);
    EXPECT_THROW(create_cow_file(dir / "disk.cow", backing), Error);
    std::filesystem::resize_file(backing, 8192);
    EXPECT_THROW(check_backing_matches(h, backing), CowError);
}

TEST(CowFile, RejectsHostileHeaders) {
    auto good = read_bytes(kKernelCow);
    ASSERT_EQ(good.size(), 8192u);
    auto expect_reject = [](std::vector<std::uint8_t> b, const char* what) {
        EXPECT_THROW(parse_cow_header(b), CowError) << what;
    };
    expect_reject({}, "empty");
    expect_reject(std::vector<std::uint8_t>(good.begin(), good.begin() + 100), "truncated");
    auto b = good;
    b[0] = 0;
    expect_reject(b, "magic");
    b = good;
    b[7] = 2;
    expect_reject(b, "version 2");
    b = good;
    for (std::size_t i = 32; i < 32 + 4096 && i < b.size(); ++i) b[i] = 'A';
    expect_reject(b, "path without NUL");
    b = good;
    b[27] = 0;
    b[26] = 3;  // alignment 0x300: not a power of two
    expect_reject(b, "alignment");
    b = good;
    b[20] = 0xff;  // sectorsize huge
    expect_reject(b, "sectorsize");
    b = good;
    b[12] = 0xff;  // size 2^63-ish
    expect_reject(b, "size");
    b = good;
    b[32] = 'r';  // relative path
    b[33] = 'e';
    expect_reject(b, "relative path");
}

TEST_F(TempDir, ShortFileIsRejected) {
    auto bytes = read_bytes(kKernelCow);
    std::ofstream(dir / "short.cow", std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), 5000);
    EXPECT_THROW(read_cow_file(dir / "short.cow"), CowError);
}

}  // namespace
}  // namespace oyster
