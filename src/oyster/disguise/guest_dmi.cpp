#include "oyster/disguise/guest_dmi.h"

#include <cpuid.h>

#include <fstream>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/sha256.h"

namespace oyster {
namespace {

// Modelled on what each hypervisor's firmware writes; representative values,
// not pinned to one release (bhyve's older releases, for one, write BIOS
// "1.00" of 03/14/2014 and a blank manufacturer). What matters is that the
// vendor strings are the ones detection tools match, so they agree with
// CPUID. The serial numbers are format samples: guest_dmi replaces their
// digits and letters.
struct Profile {
    std::string_view signature;  // CPUID's, or "" for bare metal
    std::string_view name;
    DmiStrings values;
};

DmiStrings profile_values(std::initializer_list<std::pair<const std::string, std::string>> v) {
    DmiStrings out;
    for (auto k : kDmiKeys) out[std::string(k)] = "";
    for (const auto& [k, val] : v) out[k] = val;
    return out;
}

const std::vector<Profile>& profiles() {
    static const std::vector<Profile> all = {
        {"bhyve bhyve ", "bhyve",
         profile_values({{"bios_vendor", "BHYVE"},
                         {"bios_version", "14.0"},
                         {"bios_date", "10/17/2021"},
                         {"sys_vendor", "FreeBSD"},
                         {"product_name", "BHYVE"},
                         {"product_version", "1.0"},
                         {"product_serial", "None"},
                         {"product_sku", "None"},
                         {"product_family", "Virtual Machine"},
                         {"board_vendor", "FreeBSD"},
                         {"board_name", "BHYVE"},
                         {"board_version", "1.0"},
                         {"board_serial", "None"},
                         {"board_asset_tag", "None"},
                         {"chassis_vendor", "FreeBSD"},
                         {"chassis_type", "2"},
                         {"chassis_version", "1.0"},
                         {"chassis_serial", "None"},
                         {"chassis_asset_tag", "None"}})},
        {"KVMKVMKVM", "KVM/QEMU",
         profile_values({{"bios_vendor", "SeaBIOS"},
                         {"bios_version", "1.16.2-debian-1.16.2-1"},
                         {"bios_date", "04/01/2014"},
                         {"sys_vendor", "QEMU"},
                         {"product_name", "Standard PC (i440FX + PIIX, 1996)"},
                         {"product_version", "pc-i440fx-8.2"},
                         {"chassis_vendor", "QEMU"},
                         {"chassis_type", "1"},
                         {"chassis_version", "pc-i440fx-8.2"}})},
        {"Microsoft Hv", "Hyper-V",
         profile_values({{"bios_vendor", "Microsoft Corporation"},
                         {"bios_version", "Hyper-V UEFI Release v4.1"},
                         {"bios_date", "04/06/2022"},
                         {"sys_vendor", "Microsoft Corporation"},
                         {"product_name", "Virtual Machine"},
                         {"product_version", "Hyper-V UEFI Release v4.1"},
                         {"product_serial", "0000-0002-4418-3913-2283-8371-46"},
                         {"product_sku", "None"},
                         {"product_family", "Virtual Machine"},
                         {"board_vendor", "Microsoft Corporation"},
                         {"board_name", "Virtual Machine"},
                         {"board_version", "Hyper-V UEFI Release v4.1"},
                         {"board_serial", "0000-0005-0736-9412-6016-1442-78"},
                         {"board_asset_tag", "None"},
                         {"chassis_vendor", "Microsoft Corporation"},
                         {"chassis_type", "3"},
                         {"chassis_version", "Hyper-V UEFI Release v4.1"},
                         {"chassis_serial", "0000-0004-5391-5525-4405-5361-81"},
                         {"chassis_asset_tag", "7783-7084-3265-9085-8269-3286-77"}})},
        {"VMwareVMware", "VMware",
         profile_values({{"bios_vendor", "Phoenix Technologies LTD"},
                         {"bios_version", "6.00"},
                         {"bios_date", "11/12/2020"},
                         {"sys_vendor", "VMware, Inc."},
                         {"product_name", "VMware Virtual Platform"},
                         {"product_version", "None"},
                         {"product_serial", "VMware-"},
                         {"board_vendor", "Intel Corporation"},
                         {"board_name", "440BX Desktop Reference Platform"},
                         {"board_version", "None"},
                         {"board_serial", "None"},
                         {"chassis_vendor", "No Enclosure"},
                         {"chassis_type", "1"},
                         {"chassis_version", "N/A"},
                         {"chassis_serial", "None"},
                         {"chassis_asset_tag", "No Asset Tag"}})},
        {"XenVMMXenVMM", "Xen",
         profile_values({{"bios_vendor", "Xen"},
                         {"bios_version", "4.17.3"},
                         {"bios_date", "03/20/2024"},
                         {"sys_vendor", "Xen"},
                         {"product_name", "HVM domU"},
                         {"product_version", "4.17.3"},
                         {"chassis_vendor", "Xen"},
                         {"chassis_type", "1"}})},
        {"", "a rack server's",
         profile_values({{"bios_vendor", "American Megatrends Inc."},
                         {"bios_version", "3.4"},
                         {"bios_date", "11/22/2020"},
                         {"sys_vendor", "Supermicro"},
                         {"product_name", "SYS-1029P-WTR"},
                         {"product_version", "0123456789"},
                         {"product_serial", "S349712X0A27391"},
                         {"product_sku", "To be filled by O.E.M."},
                         {"product_family", "To be filled by O.E.M."},
                         {"board_vendor", "Supermicro"},
                         {"board_name", "X11DDW-L"},
                         {"board_version", "1.10"},
                         {"board_serial", "ZM198S604281"},
                         {"board_asset_tag", "To be filled by O.E.M."},
                         {"chassis_vendor", "Supermicro"},
                         {"chassis_type", "17"},
                         {"chassis_version", "0123456789"},
                         {"chassis_serial", "C1160LK19PE0231"},
                         {"chassis_asset_tag", "To be filled by O.E.M."}})},
    };
    return all;
}

const Profile& profile_for(std::string_view signature) {
    // KVM pads its signature with NULs.
    while (!signature.empty() && signature.back() == '\0') signature.remove_suffix(1);
    for (const auto& p : profiles()) {
        if (!p.signature.empty() && p.signature == signature) return p;
    }
    return profiles().back();
}

bool is_serial_key(std::string_view key) {
    return key == "product_serial" || key == "board_serial" || key == "chassis_serial" || key == "board_asset_tag" ||
           key == "chassis_asset_tag";
}

// Bytes derived from the seed for one purpose.
std::string derived_bytes(std::string_view seed, std::string_view purpose, std::size_t n) {
    std::string out;
    for (int block = 0; out.size() < n; ++block) {
        std::string hex = sha256_text(fmt::format("oyster-dmi\n{}\n{}\n{}", seed, purpose, block));
        for (std::size_t i = 0; i + 1 < hex.size() && out.size() < n; i += 2) {
            out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
        }
    }
    return out;
}

// A serial number of the same shape as `sample`: each digit and letter
// replaced by one of its class, the rest kept. A value without a digit, or
// with a space, is a placeholder ("None", "To be filled by O.E.M.") and
// stays as it is.
std::string reshaped_serial(std::string_view sample, std::string_view seed, std::string_view key) {
    bool has_digit = sample.find_first_of("0123456789") != std::string_view::npos;
    if (!has_digit || sample.find(' ') != std::string_view::npos) return std::string(sample);
    std::string bytes = derived_bytes(seed, key, sample.size());
    std::string out(sample);
    for (std::size_t i = 0; i < out.size(); ++i) {
        auto r = static_cast<unsigned char>(bytes[i]);
        char c = out[i];
        if (c >= '0' && c <= '9')
            out[i] = static_cast<char>('0' + r % 10);
        else if (c >= 'A' && c <= 'Z')
            out[i] = static_cast<char>('A' + r % 26);
        else if (c >= 'a' && c <= 'z')
            out[i] = static_cast<char>('a' + r % 26);
    }
    return out;
}

std::string derived_uuid(std::string_view seed) {
    std::string b = derived_bytes(seed, "product_uuid", 16);
    b[6] = static_cast<char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    std::string hex;
    for (std::size_t i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) hex += '-';
        hex += fmt::format("{:02x}", static_cast<unsigned char>(b[i]));
    }
    return hex;
}

// VMware's serial is the UUID's bytes: "VMware-56 4d 8a ... 2f-1c 9e ...".
std::string vmware_serial(std::string_view uuid) {
    auto bytes = smbios_uuid_bytes(uuid);
    std::string s = "VMware-";
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        if (i == 8)
            s += '-';
        else if (i != 0)
            s += ' ';
        s += fmt::format("{:02x}", bytes[i]);
    }
    return s;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

}  // namespace

std::string cpuid_hypervisor_signature() {
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid(1, a, b, c, d);
    if ((c & (1U << 31)) == 0) return {};
    __cpuid(0x40000000, a, b, c, d);
    std::string sig(12, '\0');
    for (int i = 0; i < 4; ++i) {
        sig[i] = static_cast<char>((b >> (8 * i)) & 0xff);
        sig[4 + i] = static_cast<char>((c >> (8 * i)) & 0xff);
        sig[8 + i] = static_cast<char>((d >> (8 * i)) & 0xff);
    }
    return sig;
}

DmiHost read_dmi_host(const std::filesystem::path& dmi_dir) {
    DmiHost host;
    for (auto key : kDmiKeys) {
        std::ifstream in(dmi_dir / std::string(key));
        std::string line;
        if (in && std::getline(in, line)) host.sysfs[std::string(key)] = line;
    }
    host.hypervisor = cpuid_hypervisor_signature();
    return host;
}

std::string dmi_source(const DmiHost& host) {
    if (host.sysfs.contains("sys_vendor")) return "as the host's own firmware";
    const Profile& p = profile_for(host.hypervisor);
    if (p.signature.empty()) {
        return host.hypervisor.empty() ? "as a rack server's firmware (no hypervisor, no host DMI)"
                                       : "as a rack server's firmware (a hypervisor Oyster does not know)";
    }
    return fmt::format("as {}'s firmware (the hypervisor CPUID names)", p.name);
}

DmiStrings guest_dmi(const DmiHost& host, const DmiStrings& overrides, std::string_view seed) {
    DmiStrings dmi;
    if (host.sysfs.contains("sys_vendor")) {
        for (auto key : kDmiKeys) {
            auto it = host.sysfs.find(key);
            dmi[std::string(key)] = it == host.sysfs.end() ? "" : it->second;
        }
        if (check_dmi_value("chassis_type", dmi["chassis_type"]).empty() == false) dmi["chassis_type"] = "1";
    } else {
        dmi = profile_for(host.hypervisor).values;
    }
    dmi["product_uuid"] = derived_uuid(seed);
    for (auto& [key, value] : dmi) {
        if (is_serial_key(key)) value = reshaped_serial(value, seed, key);
    }
    for (const auto& [key, value] : overrides) dmi[key] = value;
    if (!overrides.contains("product_serial") && dmi["product_serial"].starts_with("VMware-")) {
        dmi["product_serial"] = vmware_serial(dmi["product_uuid"]);
    }
    for (auto& [key, value] : dmi) {
        // The host's own strings may be anything its firmware wrote: they
        // are made to fit, never a reason for setup to fail.
        if (!overrides.contains(key) && !check_dmi_value(key, value).empty()) {
            if (key == "bios_date") {
                value.clear();
            } else if (key != "product_uuid" && key != "chassis_type") {
                std::string clean;
                for (char c : value.substr(0, 64)) clean += (c >= 0x20 && c <= 0x7e) ? c : '?';
                value = clean;
            }
        }
        if (auto problem = check_dmi_value(key, value); !problem.empty()) {
            throw Error(fmt::format("DMI {}: {}", key, problem));
        }
    }
    return dmi;
}

std::array<std::uint8_t, 16> smbios_uuid_bytes(std::string_view uuid) {
    std::array<std::uint8_t, 16> b{};
    std::size_t n = 0;
    for (std::size_t i = 0; i + 1 < uuid.size() && n < 16;) {
        if (uuid[i] == '-') {
            ++i;
            continue;
        }
        b[n++] = static_cast<std::uint8_t>(hex_value(uuid[i]) * 16 + hex_value(uuid[i + 1]));
        i += 2;
    }
    // time_low, time_mid and time_hi_and_version are little-endian.
    std::swap(b[0], b[3]);
    std::swap(b[1], b[2]);
    std::swap(b[4], b[5]);
    std::swap(b[6], b[7]);
    return b;
}

nlohmann::json dmi_json(const DmiStrings& dmi) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : dmi) j[k] = v;
    return j;
}

DmiStrings parse_dmi_json(const nlohmann::json& j, const std::string& source) {
    DmiStrings dmi;
    for (auto key : kDmiKeys) {
        std::string k(key);
        if (!j.is_object() || !j.contains(k) || !j.at(k).is_string()) {
            throw Error(fmt::format("{}: {}: missing or not a string", source, k));
        }
        std::string v = j.at(k).get<std::string>();
        if (auto problem = check_dmi_value(k, v); !problem.empty()) {
            throw Error(fmt::format("{}: {}: {}", source, k, problem));
        }
        dmi[k] = v;
    }
    return dmi;
}

}  // namespace oyster
