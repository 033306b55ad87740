#include "oyster/selftest/guest_process_maps.h"

#include <gtest/gtest.h>

namespace oyster {
namespace {

// The UML process: its binary first, libc, its physical memory shared, its
// stack. Shapes as /proc/<pid>/maps shows them on this machine kind.
const std::string kUmlMaps =
    "60000000-60001000 r--p 00000000 fe:00 1755453    /var/cache/oyster/kernel/a25b/linux\n"
    "60001000-605c4000 r-xp 00001000 fe:00 1755453    /var/cache/oyster/kernel/a25b/linux\n"
    "98f50000-99400000 rw-s 38f50000 00:2a 3          /dev/shm/#3 (deleted)\n"
    "7fc63ca6b000-7fc63cbc1000 r-xp 00026000 fe:00 332835 /lib/x86_64-linux-gnu/libc.so.6\n"
    "7ffc76758000-7ffc76779000 rw-p 00000000 00:00 0  [stack]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

const std::string kCleanGuestProcess =
    "5500000000-5500001000 r-xs 3bdb4000 00:2a 3      /dev/shm/#3 (deleted)\n"
    "7fbffff000-7fc0000000 --xp 005c3000 00:2a 3      /dev/shm/#3 (deleted)\n"
    "7fc0000000-7fc0002000 rw-s 39aa2000 00:2a 3      /dev/shm/#3 (deleted)\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0 [vsyscall]\n";

TEST(GuestProcessMaps, OnlyGuestMemoryPasses) {
    auto c = judge_guest_process_maps(kUmlMaps, {{101, kCleanGuestProcess}, {102, kUmlMaps}});
    EXPECT_TRUE(c.pass) << c.detail;
    EXPECT_EQ(c.name, "guest_process_maps");
    EXPECT_NE(c.detail.find("1 guest processes"), std::string::npos) << c.detail;
}

TEST(GuestProcessMaps, TheUmlProcessStackLeftBehindFails) {
    // As before kernel patch 0039: libc and the stack copied by the clone.
    auto leaky = kCleanGuestProcess +
                 "7fc63ca6b000-7fc63cbc1000 r-xp 00026000 fe:00 332835 /lib/x86_64-linux-gnu/libc.so.6\n"
                 "7ffc76758000-7ffc76779000 rw-p 00000000 00:00 0  [stack]\n";
    auto c = judge_guest_process_maps(kUmlMaps, {{101, leaky}});
    EXPECT_FALSE(c.pass);
    EXPECT_NE(c.detail.find("libc.so.6"), std::string::npos) << c.detail;
}

TEST(GuestProcessMaps, AnonymousMemoryFails) {
    auto c = judge_guest_process_maps(
        kUmlMaps, {{101, kCleanGuestProcess + "7fc63ca42000-7fc63ca45000 rw-p 00000000 00:00 0\n"}});
    EXPECT_FALSE(c.pass);
    EXPECT_NE(c.detail.find("(anonymous)"), std::string::npos) << c.detail;
}

TEST(GuestProcessMaps, NoGuestProcessOrNoPhysicalMemoryFails) {
    EXPECT_FALSE(judge_guest_process_maps(kUmlMaps, {{102, kUmlMaps}}).pass);
    EXPECT_FALSE(judge_guest_process_maps(kUmlMaps, {}).pass);
    EXPECT_FALSE(
        judge_guest_process_maps("60000000-60001000 r--p 00000000 fe:00 1 /linux\n", {{101, kCleanGuestProcess}}).pass);
}

TEST(GuestProcessMaps, GarbageLinesAreIgnored) {
    auto c = judge_guest_process_maps(kUmlMaps, {{101, "garbage\n\n" + kCleanGuestProcess + "x y\n"}});
    EXPECT_TRUE(c.pass) << c.detail;
}

}  // namespace
}  // namespace oyster
