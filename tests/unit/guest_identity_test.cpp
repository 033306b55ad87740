#include "oyster/disguise/guest_identity.h"

#include <gtest/gtest.h>

#include "oyster/common/error.h"

namespace oyster {
namespace {

constexpr const char* kDebian =
    R"json({"kernel_release": "6.1.0-56-amd64",
        "kernel_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-30)",
        "root_uuid": "0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a77"})json";

TEST(GuestIdentity, ShowsTheDebianKernelAndItsBootLine) {
    auto id = parse_guest_identity(kDebian, "identity.json");
    EXPECT_EQ(id.kernel_release, "6.1.0-56-amd64");
    EXPECT_EQ(shown_command_line(id),
              "BOOT_IMAGE=/boot/vmlinuz-6.1.0-56-amd64 root=UUID=0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a77 ro quiet");
    auto env = shown_identity_env(id);
    ASSERT_EQ(env.size(), 3u);
    EXPECT_EQ(env[0], "UML_SHOWN_RELEASE=6.1.0-56-amd64");
    EXPECT_EQ(env[1], "UML_SHOWN_VERSION=#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-30)");
    EXPECT_EQ(env[2].rfind("UML_SHOWN_CMDLINE=BOOT_IMAGE=", 0), 0u);
}

// Each error names the file and the key; nothing unfit for a command line
// or a utsname field gets through.
TEST(GuestIdentity, RejectsWhatTheKernelCouldNotShow) {
    auto error_of = [](const std::string& text) {
        try {
            parse_guest_identity(text, "img/identity.json");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    const std::string uuid = R"("root_uuid": "0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a77")";
    const std::string version = R"("kernel_version": "#1 SMP")";
    EXPECT_EQ(error_of("[]"), "img/identity.json: not a JSON object");
    EXPECT_EQ(error_of("{"), "img/identity.json: not a JSON object");
    EXPECT_NE(error_of("{" + version + "," + uuid + "}").find("img/identity.json: kernel_release"), std::string::npos);
    for (const char* bad :
         {"", "6.1 amd64", "../x", "6.1.0\\n", "1234567890123456789012345678901234567890123456789012345678901234x"}) {
        auto text = std::string(R"({"kernel_release": ")") + bad + "\"," + version + "," + uuid + "}";
        EXPECT_NE(error_of(text).find("kernel_release"), std::string::npos) << bad;
    }
    auto release = std::string(R"("kernel_release": "6.1.0-56-amd64")");
    EXPECT_NE(error_of("{" + release + R"(, "kernel_version": "", )" + uuid + "}").find("kernel_version"),
              std::string::npos);
    EXPECT_NE(error_of("{" + release + R"(, "kernel_version": 5, )" + uuid + "}").find("kernel_version"),
              std::string::npos);
    for (const char* bad : {"0B6F5C1E-8A54-4C8E-9A49-0D5E4B1F2A77", "0b6f5c1e8a544c8e9a490d5e4b1f2a77", "x",
                            "0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a7 "}) {
        auto text = "{" + release + "," + version + R"(, "root_uuid": ")" + bad + "\"}";
        EXPECT_NE(error_of(text).find("root_uuid"), std::string::npos) << bad;
    }
}

}  // namespace
}  // namespace oyster
