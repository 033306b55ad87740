// The firmware identity a guest is shown: the strings of its SMBIOS table,
// which /sys/class/dmi/id, dmidecode, systemd-detect-virt and virt-what
// read (docs/stealth.md). Keys are the names of /sys/class/dmi/id's files.
//
// Guest code runs on the host's processor, so CPUID already tells whether
// the host is a virtual machine and whose. The DMI strings must agree with
// it, or a careful intruder sees the contradiction. So by default a guest
// shows what the host would show: the host's own DMI strings when the host
// exposes them (a bare-metal Dell shows a Dell; a cloud VM its provider's),
// else those of the hypervisor CPUID names (bhyve, KVM/QEMU, VMware,
// Hyper-V, Xen), else a whitebox rack server. A persona's [hardware] table
// overrides any key. Serial numbers and the UUID are never the host's: they
// are derived, in the host's format, from a secret of the installation and
// the persona's hostname, so every boot of a persona shows the same machine
// and no two installations share one.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oyster/common/dmi_strings.h"

namespace oyster {

// What decides the defaults.
struct DmiHost {
    // /sys/class/dmi/id's values, those the host has (empty: none readable).
    DmiStrings sysfs;
    // CPUID leaf 0x40000000's 12-byte signature ("bhyve bhyve ",
    // "KVMKVMKVM", ...); empty on bare metal.
    std::string hypervisor;
};

// Reads the host: `dmi_dir` (normally /sys/class/dmi/id) and CPUID.
DmiHost read_dmi_host(const std::filesystem::path& dmi_dir = "/sys/class/dmi/id");

// The hypervisor's signature from CPUID, or "" when there is none.
std::string cpuid_hypervisor_signature();

// Where the defaults come from, for setup's report: "as the host's own
// firmware", "as bhyve's firmware (the hypervisor CPUID names)", ...
std::string dmi_source(const DmiHost& host);

// The identity: defaults from `host`, then `overrides` (a persona's
// [hardware]); serials and UUID not given by `overrides` derived from
// `seed`. Throws oyster::Error if a value fails check_dmi_value.
DmiStrings guest_dmi(const DmiHost& host, const DmiStrings& overrides, std::string_view seed);

// The UUID's 16 bytes as SMBIOS 2.6+ stores them (first three fields
// little-endian). `uuid` must have passed check_dmi_value.
std::array<std::uint8_t, 16> smbios_uuid_bytes(std::string_view uuid);

nlohmann::json dmi_json(const DmiStrings& dmi);
// Throws oyster::Error naming `source` and the key when a value is missing or bad.
DmiStrings parse_dmi_json(const nlohmann::json& j, const std::string& source);

}  // namespace oyster
