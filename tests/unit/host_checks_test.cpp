// The free-space reserve below which no guest starts; the host's memory.
#include "oyster/sandbox/host_checks.h"

#include <gtest/gtest.h>

#include "oyster/common/error.h"
#include "oyster/common/meminfo.h"
#include "temp_dir.h"

namespace oyster {
namespace {

class FreeSpaceTest : public testing::TempDirTest {};

TEST_F(FreeSpaceTest, AReserveLargerThanTheFreeSpaceStopsAStartAndNamesTheKey) {
    std::uint64_t free = free_bytes(dir);
    EXPECT_GT(free, 0U);
    EXPECT_NO_THROW(require_free_space(dir, 0, "t.toml: guest.reserve_free_mib"));
    EXPECT_NO_THROW(require_free_space(dir, static_cast<std::uint32_t>((free >> 20) / 2), "k"));
    try {
        require_free_space(dir, 1U << 30, "t.toml: guest.reserve_free_mib");
        FAIL() << "a reserve of 1 PiB was met";
    } catch (const Error& e) {
        std::string what = e.what();
        EXPECT_NE(what.find("t.toml: guest.reserve_free_mib"), std::string::npos) << what;
        EXPECT_NE(what.find("no guest starts"), std::string::npos) << what;
        EXPECT_NE(what.find(dir.string()), std::string::npos) << what;
    }
    EXPECT_THROW(free_bytes(dir / "missing"), Error);
}

// The host's memory, as capacity and the guests' common limit read it.
TEST(HostMemory, IsTheKernelsMemTotal) {
    EXPECT_GT(host_memory_bytes(), std::uint64_t{64} << 20);
    EXPECT_EQ(meminfo_kib("MemTotalX:  5 kB\nMemTotal:       24731408 kB\nMemFree: 1 kB", "MemTotal"), 24731408u);
    EXPECT_EQ(meminfo_kib("MemFree: 1 kB", "MemTotal"), 0u);
    EXPECT_EQ(meminfo_kib("MemTotal: lots kB", "MemTotal"), 0u);
}

}  // namespace
}  // namespace oyster
