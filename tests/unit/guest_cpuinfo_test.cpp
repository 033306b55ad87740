// The guest's /proc/cpuinfo entry: the host's first processor as a one-CPU
// machine, everything else (the hypervisor flag too) as the host says.
#include <gtest/gtest.h>

#include "oyster/common/paths.h"
#include "oyster/disguise/guest_cpuinfo.h"

namespace oyster {
namespace {

const char* kHost =
    "processor\t: 0\n"
    "vendor_id\t: GenuineIntel\n"
    "model name\t: Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz\n"
    "physical id\t: 0\n"
    "siblings\t: 2\n"
    "core id\t\t: 0\n"
    "cpu cores\t: 2\n"
    "apicid\t\t: 0\n"
    "initial apicid\t: 0\n"
    "flags\t\t: fpu vme sse2 ht syscall nx lm hypervisor avx2\n"
    "bogomips\t: 5187.81\n"
    "\n"
    "processor\t: 1\n"
    "vendor_id\t: GenuineIntel\n"
    "apicid\t\t: 1\n"
    "\n";

TEST(GuestCpuinfo, FirstProcessorAsAOneCpuMachine) {
    std::string out = guest_cpuinfo(kHost);
    EXPECT_EQ(out,
              "processor\t: 0\n"
              "vendor_id\t: GenuineIntel\n"
              "model name\t: Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz\n"
              "physical id\t: 0\n"
              "siblings\t: 1\n"
              "core id\t\t: 0\n"
              "cpu cores\t: 1\n"
              "apicid\t\t: 0\n"
              "initial apicid\t: 0\n"
              "flags\t\t: fpu vme sse2 ht syscall nx lm hypervisor avx2\n"
              "bogomips\t: 5187.81\n");
}

TEST(GuestCpuinfo, ThisHostsEntryKeepsModelAndFlags) {
    std::string host = read_file("/proc/cpuinfo");
    std::string out = guest_cpuinfo(host);
    ASSERT_FALSE(out.empty());
    // The hypervisor flag stays as the host has it: CPUID tells the guest the same.
    EXPECT_EQ(out.find(" hypervisor") == std::string::npos, host.find(" hypervisor") == std::string::npos);
    EXPECT_EQ(out.find("\n\n"), std::string::npos);
    auto at = host.find("model name");
    ASSERT_NE(at, std::string::npos);
    auto model = host.substr(at, host.find('\n', at) - at);
    EXPECT_NE(out.find(model), std::string::npos) << model;
}

TEST(GuestCpuinfo, EmptyOrOddInput) {
    EXPECT_EQ(guest_cpuinfo(""), "");
    EXPECT_EQ(guest_cpuinfo("\n\nprocessor : 0\n"), "");
    EXPECT_EQ(guest_cpuinfo("no colon here"), "no colon here\n");
}

}  // namespace
}  // namespace oyster
