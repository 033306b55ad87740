#include "oyster/disguise/guest_dmi.h"

#include <gtest/gtest.h>

#include <fstream>

#include "oyster/common/config.h"
#include "oyster/common/error.h"
#include "oyster/common/persona.h"

namespace oyster {
namespace {

DmiHost with_hypervisor(std::string sig) {
    DmiHost h;
    h.hypervisor = std::move(sig);
    return h;
}

TEST(GuestDmi, FollowsTheHypervisorCpuidNames) {
    auto bhyve = guest_dmi(with_hypervisor("bhyve bhyve "), {}, "s");
    EXPECT_EQ(bhyve["bios_vendor"], "BHYVE");  // what systemd-detect-virt matches
    EXPECT_EQ(bhyve["sys_vendor"], "FreeBSD");
    auto kvm = guest_dmi(with_hypervisor(std::string("KVMKVMKVM\0\0\0", 12)), {}, "s");
    EXPECT_EQ(kvm["sys_vendor"], "QEMU");
    auto bare = guest_dmi(DmiHost{}, {}, "s");
    EXPECT_EQ(bare["sys_vendor"], "Supermicro");
    EXPECT_EQ(bare["chassis_type"], "17");
    for (auto key : kDmiKeys) EXPECT_TRUE(bare.contains(key)) << key;
}

TEST(GuestDmi, MirrorsTheHostsOwnStringsButNeverItsSerialsOrUuid) {
    DmiHost host = with_hypervisor("");
    host.sysfs = {{"sys_vendor", "Dell Inc."},   {"product_name", "PowerEdge R640"},
                  {"product_serial", "7XK2Q52"}, {"product_uuid", "4c4c4544-0058-4b10-8032-b7c04f513532"},
                  {"chassis_type", "23"},        {"board_serial", "/7XK2Q52/CNFCP0099200SW/"}};
    auto dmi = guest_dmi(host, {}, "installation-a");
    EXPECT_EQ(dmi["sys_vendor"], "Dell Inc.");
    EXPECT_EQ(dmi["product_name"], "PowerEdge R640");
    EXPECT_EQ(dmi["chassis_type"], "23");
    EXPECT_NE(dmi["product_serial"], "7XK2Q52");
    EXPECT_EQ(dmi["product_serial"].size(), 7U);
    for (std::size_t i = 0; i < 7; ++i) {
        EXPECT_EQ(std::isdigit(static_cast<unsigned char>(dmi["product_serial"][i])) != 0,
                  std::isdigit(static_cast<unsigned char>(host.sysfs["product_serial"][i])) != 0);
    }
    EXPECT_EQ(dmi["board_serial"].front(), '/');  // the shape is kept
    EXPECT_NE(dmi["product_uuid"], host.sysfs["product_uuid"]);
    EXPECT_EQ(check_dmi_value("product_uuid", dmi["product_uuid"]), "");
    // Stable for one installation, different for another.
    EXPECT_EQ(guest_dmi(host, {}, "installation-a"), dmi);
    auto other = guest_dmi(host, {}, "installation-b");
    EXPECT_NE(other["product_serial"], dmi["product_serial"]);
    EXPECT_NE(other["product_uuid"], dmi["product_uuid"]);
}

TEST(GuestDmi, PersonaOverridesWin) {
    DmiStrings persona = {{"sys_vendor", "HPE"}, {"product_serial", "CZJ1234ABC"}};
    auto dmi = guest_dmi(with_hypervisor("bhyve bhyve "), persona, "s");
    EXPECT_EQ(dmi["sys_vendor"], "HPE");
    EXPECT_EQ(dmi["product_serial"], "CZJ1234ABC");
    EXPECT_EQ(dmi["product_name"], "BHYVE");
}

TEST(GuestDmi, VmwareSerialIsMadeFromTheUuid) {
    auto dmi = guest_dmi(with_hypervisor("VMwareVMware"), {}, "s");
    ASSERT_TRUE(dmi["product_serial"].starts_with("VMware-")) << dmi["product_serial"];
    EXPECT_EQ(dmi["product_serial"].size(),
              std::string("VMware-56 4d 8a 3c 1b 2f 4e 7d-9a 0b 1c 2d 3e 4f 50 61").size());
}

TEST(GuestDmi, HostileHostStringsAreCleaned) {
    DmiHost host;
    host.sysfs = {{"sys_vendor", std::string("Ev\x01il\xff", 6)},
                  {"product_name", std::string(200, 'x')},
                  {"chassis_type", "99"},
                  {"bios_date", "2021-10-17"}};
    auto dmi = guest_dmi(host, {}, "s");
    EXPECT_EQ(dmi["bios_date"], "");
    EXPECT_EQ(dmi["sys_vendor"], "Ev?il?");
    EXPECT_EQ(dmi["product_name"].size(), 64U);
    EXPECT_EQ(dmi["chassis_type"], "1");
}

TEST(GuestDmi, ValueChecks) {
    EXPECT_EQ(check_dmi_value("sys_vendor", "Dell Inc."), "");
    EXPECT_NE(check_dmi_value("sys_vendor", std::string(65, 'a')), "");
    EXPECT_NE(check_dmi_value("sys_vendor", "tab\there"), "");
    EXPECT_NE(check_dmi_value("product_uuid", "4C4C4544-0058-4B10-8032-B7C04F513532"), "");
    EXPECT_NE(check_dmi_value("chassis_type", "0"), "");
    EXPECT_NE(check_dmi_value("bios_date", "2021-10-17"), "");
    EXPECT_EQ(check_dmi_value("bios_date", "10/17/2021"), "");
}

TEST(GuestDmi, UuidBytesAreSmbiosOrdered) {
    auto b = smbios_uuid_bytes("00112233-4455-6677-8899-aabbccddeeff");
    std::array<std::uint8_t, 16> want = {0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66,
                                         0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
    EXPECT_EQ(b, want);
}

TEST(GuestDmi, JsonRoundTripAndErrorsNameTheKey) {
    auto dmi = guest_dmi(with_hypervisor("bhyve bhyve "), {}, "s");
    EXPECT_EQ(parse_dmi_json(dmi_json(dmi), "platform.json"), dmi);
    auto j = dmi_json(dmi);
    j.erase("board_name");
    try {
        parse_dmi_json(j, "platform.json");
        FAIL();
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("platform.json: board_name"), std::string::npos) << e.what();
    }
}

TEST(PersonaHardware, ReadsAndChecksTheTable) {
    auto p = parse_persona("hostname = \"h\"\n[hardware]\nsys_vendor = \"Dell Inc.\"\nchassis_type = 23\n", "p.toml");
    EXPECT_EQ(p.hardware["sys_vendor"], "Dell Inc.");
    EXPECT_EQ(p.hardware["chassis_type"], "23");
    try {
        parse_persona("hostname = \"h\"\n[hardware]\nvendor = \"x\"\n", "p.toml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("p.toml:3: hardware.vendor: unknown key"), std::string::npos) << e.what();
    }
    try {
        parse_persona("hostname = \"h\"\n[hardware]\nproduct_uuid = \"nope\"\n", "p.toml");
        FAIL();
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("hardware.product_uuid"), std::string::npos) << e.what();
    }
}

}  // namespace
}  // namespace oyster
