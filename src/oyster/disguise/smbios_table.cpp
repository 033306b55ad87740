#include "oyster/disguise/smbios_table.h"

#include <cpuid.h>

#include <vector>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/text_lines.h"

namespace oyster {

// The DMI scanner looks for the anchor at 16-byte steps of the BIOS area.
static_assert((kSmbiosEntryPoint - kBiosAreaStart) % 16 == 0);
static_assert(kSmbiosEntryPoint >= kBiosAreaStart && kSmbiosEntryPoint - kBiosAreaStart < kBiosAreaSize);

namespace {

// One structure: the formatted area, then its strings, each NUL-ended, then
// a NUL (two when there are none).
class Structure {
public:
    Structure(std::uint8_t type, std::uint16_t handle) {
        bytes_ = {type, 0, static_cast<std::uint8_t>(handle), static_cast<std::uint8_t>(handle >> 8)};
    }
    void u8(std::uint8_t v) { bytes_.push_back(v); }
    void u16(std::uint16_t v) {
        u8(static_cast<std::uint8_t>(v));
        u8(static_cast<std::uint8_t>(v >> 8));
    }
    void u32(std::uint32_t v) {
        u16(static_cast<std::uint16_t>(v));
        u16(static_cast<std::uint16_t>(v >> 16));
    }
    void u64(std::uint64_t v) {
        u32(static_cast<std::uint32_t>(v));
        u32(static_cast<std::uint32_t>(v >> 32));
    }
    void zeros(std::size_t n) { bytes_.insert(bytes_.end(), n, 0); }
    // A string field: its number, or 0 for "not specified".
    void str(std::string_view s) {
        if (s.empty()) {
            u8(0);
            return;
        }
        strings_.emplace_back(s);
        u8(static_cast<std::uint8_t>(strings_.size()));
    }
    void append_to(std::string& out) {
        bytes_[1] = static_cast<std::uint8_t>(bytes_.size());
        out.append(bytes_.begin(), bytes_.end());
        for (const auto& s : strings_) {
            out += s;
            out += '\0';
        }
        if (strings_.empty()) out += '\0';
        out += '\0';
    }
    std::size_t size() const {
        std::size_t n = bytes_.size() + 1 + (strings_.empty() ? 1 : 0);
        for (const auto& s : strings_) n += s.size() + 1;
        return n;
    }

private:
    std::vector<std::uint8_t> bytes_;
    std::vector<std::string> strings_;
};

std::uint8_t checksum(std::string_view bytes) {
    std::uint8_t sum = 0;
    for (char c : bytes) sum = static_cast<std::uint8_t>(sum + static_cast<std::uint8_t>(c));
    return static_cast<std::uint8_t>(0x100 - sum);
}

const std::string& at(const DmiStrings& dmi, std::string_view key) {
    auto it = dmi.find(key);
    if (it == dmi.end()) throw Error(fmt::format("SMBIOS table: no value for {}", key));
    return it->second;
}

}  // namespace

SmbiosProcessor host_smbios_processor(std::string_view cpuinfo) {
    SmbiosProcessor cpu;
    for (auto line : split_lines(cpuinfo)) {
        if (line.empty()) break;  // the first processor only
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
        auto value = line.substr(std::min(line.size(), colon + 2));
        if (key == "vendor_id") {
            if (value == "GenuineIntel")
                cpu.manufacturer = "Intel(R) Corporation";
            else if (value == "AuthenticAMD")
                cpu.manufacturer = "Advanced Micro Devices, Inc.";
            else
                cpu.manufacturer = std::string(value.substr(0, 64));
        } else if (key == "model name") {
            cpu.version = std::string(value.substr(0, 64));
        } else if (key == "cpu MHz") {
            unsigned mhz = 0;
            for (char c : value) {
                if (c < '0' || c > '9' || mhz > 60000) break;
                mhz = mhz * 10 + static_cast<unsigned>(c - '0');
            }
            cpu.mhz = static_cast<std::uint16_t>(mhz);
        }
    }
    if (cpu.version.find("Xeon") != std::string::npos) cpu.family = 0xb3;
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid(1, a, b, c, d);
    cpu.signature = a;
    cpu.features = d;
    return cpu;
}

std::string smbios_bios_area(const DmiStrings& dmi, const SmbiosProcessor& cpu, std::uint64_t memory_mib) {
    std::vector<Structure> table;
    std::uint16_t handle = 0;

    Structure bios(0, handle++);
    bios.str(at(dmi, "bios_vendor"));
    bios.str(at(dmi, "bios_version"));
    bios.u16(0xf000);  // starting segment: the BIOS area
    bios.str(at(dmi, "bios_date"));
    bios.u8(0);  // ROM size: 64 KiB
    // ISA, PCI, shadowing, CD boot, selectable boot, EDD; ACPI; BBS.
    bios.u64(0x10 | 0x80 | 0x1000 | 0x8000 | 0x10000 | 0x80000);
    bios.u8(0x01);
    bios.u8(0x01);
    bios.u8(0);  // system BIOS release: not given
    bios.u8(0);
    bios.u8(0xff);  // no embedded controller
    bios.u8(0xff);
    table.push_back(std::move(bios));

    Structure system(1, handle++);
    system.str(at(dmi, "sys_vendor"));
    system.str(at(dmi, "product_name"));
    system.str(at(dmi, "product_version"));
    system.str(at(dmi, "product_serial"));
    for (auto b : smbios_uuid_bytes(at(dmi, "product_uuid"))) system.u8(b);
    system.u8(0x06);  // woken by the power switch
    system.str(at(dmi, "product_sku"));
    system.str(at(dmi, "product_family"));
    table.push_back(std::move(system));

    bool has_board = !at(dmi, "board_vendor").empty() || !at(dmi, "board_name").empty();
    std::uint16_t board_handle = has_board ? handle++ : 0;
    std::uint16_t chassis_handle = handle++;
    if (has_board) {
        Structure board(2, board_handle);
        board.str(at(dmi, "board_vendor"));
        board.str(at(dmi, "board_name"));
        board.str(at(dmi, "board_version"));
        board.str(at(dmi, "board_serial"));
        board.str(at(dmi, "board_asset_tag"));
        board.u8(0x01);  // a hosting board
        board.str("");   // location in chassis
        board.u16(chassis_handle);
        board.u8(0x0a);  // motherboard
        board.u8(0);     // no contained objects
        table.push_back(std::move(board));
    }

    Structure chassis(3, chassis_handle);
    chassis.str(at(dmi, "chassis_vendor"));
    chassis.u8(static_cast<std::uint8_t>(std::stoi(at(dmi, "chassis_type"))));
    chassis.str(at(dmi, "chassis_version"));
    chassis.str(at(dmi, "chassis_serial"));
    chassis.str(at(dmi, "chassis_asset_tag"));
    chassis.u8(0x03);  // boot-up, power supply, thermal: safe
    chassis.u8(0x03);
    chassis.u8(0x03);
    chassis.u8(0x03);  // security: none
    chassis.u32(0);    // OEM
    chassis.u8(0);     // height: unspecified
    chassis.u8(0);     // power cords: unspecified
    chassis.u8(0);     // no contained elements
    chassis.u8(0);
    chassis.str("");  // SKU
    table.push_back(std::move(chassis));

    Structure processor(4, handle++);
    processor.str("CPU 0");
    processor.u8(0x03);  // central processor
    processor.u8(cpu.family);
    processor.str(cpu.manufacturer);
    processor.u32(cpu.signature);
    processor.u32(cpu.features);
    processor.str(cpu.version);
    processor.u8(0);   // voltage: unknown
    processor.u16(0);  // external clock: unknown
    processor.u16(cpu.mhz);
    processor.u16(cpu.mhz);
    processor.u8(0x41);  // populated, enabled
    processor.u8(0x06);  // upgrade: none
    processor.u16(0xffff);
    processor.u16(0xffff);
    processor.u16(0xffff);
    processor.str("");    // serial
    processor.str("");    // asset tag
    processor.str("");    // part number
    processor.u8(1);      // cores
    processor.u8(1);      // enabled
    processor.u8(1);      // threads
    processor.u16(0x04);  // 64-bit capable
    processor.u16(cpu.family);
    table.push_back(std::move(processor));

    std::uint64_t memory_kib = memory_mib * 1024;
    std::uint16_t array_handle = handle++;
    Structure array(16, array_handle);
    array.u8(0x03);  // on the system board
    array.u8(0x03);  // system memory
    array.u8(0x03);  // no error correction
    array.u32(memory_kib < 0x80000000ULL ? static_cast<std::uint32_t>(memory_kib) : 0x80000000U);
    array.u16(0xfffe);  // no error information
    array.u16(1);
    array.u64(memory_kib < 0x80000000ULL ? 0 : memory_mib << 20);
    table.push_back(std::move(array));

    Structure device(17, handle++);
    device.u16(array_handle);
    device.u16(0xfffe);
    device.u16(64);  // total width
    device.u16(64);  // data width
    device.u16(memory_mib < 0x7fff ? static_cast<std::uint16_t>(memory_mib) : 0x7fff);
    device.u8(0x09);  // DIMM
    device.u8(0);
    device.str("DIMM 0");
    device.str("");
    device.u8(0x07);   // RAM
    device.u16(0x02);  // other
    device.u16(0);     // speed: unknown
    device.str("");    // manufacturer
    device.str("");    // serial
    device.str("");    // asset tag
    device.str("");    // part number
    device.u8(0);      // rank: unknown
    device.u32(memory_mib < 0x7fff ? 0 : static_cast<std::uint32_t>(memory_mib));
    device.u16(0);  // configured speed
    device.u16(0);  // voltages: unknown
    device.u16(0);
    device.u16(0);
    table.push_back(std::move(device));

    Structure mapped(19, handle++);
    std::uint64_t end_kib = memory_kib == 0 ? 0 : memory_kib - 1;
    bool fits = end_kib < 0xffffffffULL;
    mapped.u32(0);
    mapped.u32(fits ? static_cast<std::uint32_t>(end_kib) : 0xffffffffU);
    mapped.u16(array_handle);
    mapped.u8(1);
    mapped.u64(0);
    mapped.u64(fits ? 0 : (memory_mib << 20) - 1);
    table.push_back(std::move(mapped));

    Structure boot(32, handle++);
    boot.zeros(6);
    boot.u8(0);  // no errors
    table.push_back(std::move(boot));

    table.emplace_back(127, handle++);

    std::string body;
    std::size_t largest = 0;
    for (auto& s : table) {
        largest = std::max(largest, s.size());
        s.append_to(body);
    }
    constexpr std::size_t kEntrySize = 0x1f;
    constexpr std::size_t kTableOffset = kSmbiosEntryPoint - kBiosAreaStart + 0x20;
    if (kTableOffset + body.size() > kBiosAreaSize) throw Error("SMBIOS table: too large for the BIOS area");

    std::string entry(kEntrySize, '\0');
    auto put16 = [&](std::size_t at_, std::uint32_t v) {
        entry[at_] = static_cast<char>(v & 0xff);
        entry[at_ + 1] = static_cast<char>((v >> 8) & 0xff);
    };
    entry.replace(0, 4, "_SM_");
    entry[5] = static_cast<char>(kEntrySize);
    entry[6] = 2;
    entry[7] = 8;
    put16(8, static_cast<std::uint32_t>(largest));
    entry.replace(0x10, 5, "_DMI_");
    put16(0x16, static_cast<std::uint32_t>(body.size()));
    put16(0x18, kSmbiosEntryPoint + 0x20);
    put16(0x1a, (kSmbiosEntryPoint + 0x20) >> 16);
    put16(0x1c, static_cast<std::uint32_t>(table.size()));
    entry[0x1e] = 0x28;
    entry[0x15] = static_cast<char>(checksum(std::string_view(entry).substr(0x10, 0x0f)));
    entry[4] = static_cast<char>(checksum(entry));

    std::string area(kBiosAreaSize, '\0');
    area.replace(kSmbiosEntryPoint - kBiosAreaStart, entry.size(), entry);
    area.replace(kTableOffset, body.size(), body);
    return area;
}

}  // namespace oyster
