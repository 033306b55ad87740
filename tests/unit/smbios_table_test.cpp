#include "oyster/disguise/smbios_table.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "oyster/disguise/guest_dmi.h"
#include "temp_dir.h"

namespace oyster {
namespace {

std::uint8_t sum(std::string_view bytes) {
    std::uint8_t s = 0;
    for (char c : bytes) s = static_cast<std::uint8_t>(s + static_cast<std::uint8_t>(c));
    return s;
}

std::uint32_t le32(std::string_view b, std::size_t at) {
    return static_cast<std::uint8_t>(b[at]) | static_cast<std::uint8_t>(b[at + 1]) << 8 |
           static_cast<std::uint8_t>(b[at + 2]) << 16 |
           static_cast<std::uint32_t>(static_cast<std::uint8_t>(b[at + 3])) << 24;
}

DmiHost bhyve_host() {
    DmiHost h;
    h.hypervisor = "bhyve bhyve ";
    return h;
}

SmbiosProcessor epyc() {
    SmbiosProcessor cpu;
    cpu.manufacturer = "Advanced Micro Devices, Inc.";
    cpu.version = "AMD EPYC 7B13";
    cpu.signature = 0x00a00f11;
    cpu.features = 0x178bfbff;
    cpu.mhz = 2450;
    return cpu;
}

// dmidecode's own dump format: the entry point with the table's address set
// to 32, the table from offset 32.
std::string as_dmidecode_dump(const std::string& area) {
    std::string entry = area.substr(kSmbiosEntryPoint - kBiosAreaStart, 0x1f);
    std::uint32_t len = static_cast<std::uint8_t>(entry[0x16]) | static_cast<std::uint8_t>(entry[0x17]) << 8;
    std::string table = area.substr(le32(entry, 0x18) - kBiosAreaStart, len);
    entry[0x18] = 32;
    entry[0x19] = entry[0x1a] = entry[0x1b] = 0;
    entry[0x15] = 0;
    entry[0x15] = static_cast<char>(0x100 - sum(std::string_view(entry).substr(0x10, 0x0f)));
    entry[4] = 0;
    entry[4] = static_cast<char>(0x100 - sum(entry));
    entry.resize(32, '\0');
    return entry + table;
}

class SmbiosTable : public testing::TempDirTest {
protected:
    std::string dmidecode(const std::string& area, const std::string& args);
};

std::string SmbiosTable::dmidecode(const std::string& area, const std::string& args) {
    auto dump = dir / "dump.bin";
    std::ofstream(dump, std::ios::binary) << as_dmidecode_dump(area);
    std::string cmd = "dmidecode --from-dump " + dump.string() + " " + args + " 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (p == nullptr) return "popen failed";
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
    return out;
}

TEST(SmbiosArea, EntryPointIsWhereTheKernelScansAndChecksumsHold) {
    auto dmi = guest_dmi(bhyve_host(), {}, "seed");
    auto area = smbios_bios_area(dmi, epyc(), 256);
    ASSERT_EQ(area.size(), kBiosAreaSize);
    std::string_view entry = std::string_view(area).substr(kSmbiosEntryPoint - kBiosAreaStart, 0x1f);
    EXPECT_EQ(entry.substr(0, 4), "_SM_");
    EXPECT_EQ(entry.substr(0x10, 5), "_DMI_");
    EXPECT_EQ(sum(entry), 0);
    EXPECT_EQ(sum(entry.substr(0x10, 0x0f)), 0);
    EXPECT_EQ(entry[6], 2);
    EXPECT_EQ(entry[7], 8);
    EXPECT_EQ(le32(entry, 0x18), kSmbiosEntryPoint + 0x20);
}

TEST_F(SmbiosTable, StockDmidecodeReadsWhatTheGuestIsShown) {
    auto dmi = guest_dmi(bhyve_host(), {}, "seed");
    auto out = dmidecode(smbios_bios_area(dmi, epyc(), 512), "");
    EXPECT_NE(out.find("SMBIOS 2.8 present."), std::string::npos) << out;
    EXPECT_NE(out.find("Manufacturer: FreeBSD"), std::string::npos) << out;
    EXPECT_NE(out.find("Product Name: BHYVE"), std::string::npos) << out;
    EXPECT_NE(out.find("Vendor: BHYVE"), std::string::npos) << out;
    EXPECT_NE(out.find("UUID: " + dmi["product_uuid"]), std::string::npos) << out;
    EXPECT_NE(out.find("Version: AMD EPYC 7B13"), std::string::npos) << out;
    EXPECT_NE(out.find("Max Speed: 2450 MHz"), std::string::npos) << out;
    EXPECT_NE(out.find("Size: 512 MB"), std::string::npos) << out;
    EXPECT_NE(out.find("Maximum Capacity: 512 MB"), std::string::npos) << out;
    EXPECT_NE(out.find("Range Size: 512 MB"), std::string::npos) << out;
    EXPECT_NE(out.find("End Of Table"), std::string::npos) << out;
    // dmidecode complains about anything malformed.
    for (const char* bad : {"Invalid", "invalid", "Wrong", "truncated", "Bad", "<OUT OF SPEC>", "Unknown Type"})
        EXPECT_EQ(out.find(bad), std::string::npos) << bad << "\n" << out;
}

TEST_F(SmbiosTable, LargeMemoryUsesTheExtendedFields) {
    auto dmi = guest_dmi(bhyve_host(), {}, "seed");
    auto out = dmidecode(smbios_bios_area(dmi, epyc(), 64 * 1024), "-t memory");
    EXPECT_NE(out.find("Size: 64 GB"), std::string::npos) << out;
    EXPECT_NE(out.find("Maximum Capacity: 64 GB"), std::string::npos) << out;
}

TEST_F(SmbiosTable, APersonaServerWithABoard) {
    DmiHost bare;  // no hypervisor, no host DMI: a rack server
    DmiStrings persona = {{"sys_vendor", "Dell Inc."}, {"product_name", "PowerEdge R640"}, {"chassis_type", "23"}};
    auto dmi = guest_dmi(bare, persona, "seed");
    auto out = dmidecode(smbios_bios_area(dmi, epyc(), 2048), "");
    EXPECT_NE(out.find("Manufacturer: Dell Inc."), std::string::npos) << out;
    EXPECT_NE(out.find("Product Name: PowerEdge R640"), std::string::npos) << out;
    EXPECT_NE(out.find("Base Board Information"), std::string::npos) << out;
    EXPECT_NE(out.find("Type: Rack Mount Chassis"), std::string::npos) << out;
}

TEST(SmbiosArea, HostProcessorFromCpuinfo) {
    auto cpu = host_smbios_processor(
        "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel name\t: Intel(R) Xeon(R) Gold 6248 CPU @ "
        "2.50GHz\ncpu MHz\t\t: 2494.140\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\n");
    EXPECT_EQ(cpu.manufacturer, "Intel(R) Corporation");
    EXPECT_EQ(cpu.version, "Intel(R) Xeon(R) Gold 6248 CPU @ 2.50GHz");
    EXPECT_EQ(cpu.mhz, 2494);
    EXPECT_EQ(cpu.family, 0xb3);
}

}  // namespace
}  // namespace oyster
