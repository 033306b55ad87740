// The strings of a machine's SMBIOS identity, keyed by the names of
// /sys/class/dmi/id's files: what a persona's [hardware] table may set and
// what disguise/guest_dmi.h builds.
#pragma once

#include <array>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace oyster {

// Every key, in /sys/class/dmi/id order. `chassis_type` is the SMBIOS code
// as a decimal string (23 is "Rack Mount Chassis"); `product_uuid` a
// canonical lower-case UUID; `bios_date` MM/DD/YYYY.
inline constexpr std::array<std::string_view, 20> kDmiKeys = {
    "bios_vendor",     "bios_version",   "bios_date",       "sys_vendor",     "product_name",
    "product_version", "product_serial", "product_uuid",    "product_sku",    "product_family",
    "board_vendor",    "board_name",     "board_version",   "board_serial",   "board_asset_tag",
    "chassis_vendor",  "chassis_type",   "chassis_version", "chassis_serial", "chassis_asset_tag"};

// Key -> value; a built identity holds every key of kDmiKeys.
using DmiStrings = std::map<std::string, std::string, std::less<>>;

// "" when `value` suits `key`, else the problem: SMBIOS strings are at most
// 64 printable ASCII characters; the UUID, type and date have their forms.
std::string check_dmi_value(std::string_view key, std::string_view value);

}  // namespace oyster
