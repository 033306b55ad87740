// The SMBIOS table a guest's "firmware" holds, laid out as a PC's BIOS area
// (physical 0xf0000-0xfffff): a 2.8 entry point ("_SM_"/"_DMI_") at
// 0xf1000 and the structure table after it, as bhyve and many BIOSes place
// them. The guest kernel loads the area from the file the launcher names
// in UML_SMBIOS (kernel patch 0014) and its DMI scanner finds the table
// there, as on a PC; /sys/class/dmi/id and dmidecode then read it.
//
// Structures: BIOS (0), system (1), baseboard (2, when it has a vendor or
// name), chassis (3), the processor (4, the host's, as the guest runs on
// it), physical memory array (16), one memory device (17) of the guest's
// memory, its mapped address range (19), boot status (32), end (127).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "oyster/disguise/guest_dmi.h"

namespace oyster {

inline constexpr std::uint32_t kBiosAreaStart = 0xf0000;
inline constexpr std::size_t kBiosAreaSize = 0x10000;
inline constexpr std::uint32_t kSmbiosEntryPoint = 0xf1000;

// The processor as SMBIOS describes it.
struct SmbiosProcessor {
    std::string manufacturer;     // "Advanced Micro Devices, Inc.", "Intel(R) Corporation"
    std::string version;          // the brand string ("AMD EPYC 7B13")
    std::uint32_t signature = 0;  // CPUID 1's EAX
    std::uint32_t features = 0;   // CPUID 1's EDX
    std::uint16_t mhz = 0;        // 0: unknown
    std::uint8_t family = 0x01;   // SMBIOS processor family; 0x01 "Other"
};

// The host's first processor, from its /proc/cpuinfo text and CPUID.
SmbiosProcessor host_smbios_processor(std::string_view cpuinfo);

// The 64 KiB BIOS area. Throws oyster::Error if `dmi` lacks a key or the
// table would not fit (it cannot: strings are at most 64 bytes).
std::string smbios_bios_area(const DmiStrings& dmi, const SmbiosProcessor& cpu, std::uint64_t memory_mib);

}  // namespace oyster
