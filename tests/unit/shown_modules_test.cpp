#include "oyster/disguise/shown_modules.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "oyster/common/error.h"
#include "oyster/common/text_lines.h"
#include "oyster/disguise/guest_identity.h"

namespace oyster {
namespace {

// As image/tasks/17-shown-modules.sh records them from Debian's 6.1 kernel
// (part of the list), in load order.
constexpr const char* kModules = R"json([
    {"name": "virtio_ring", "size": 28672, "deps": [], "users": 0},
    {"name": "virtio", "size": 12288, "deps": [], "users": 0},
    {"name": "virtio_blk", "size": 24576, "deps": ["virtio_ring", "virtio"], "users": 2},
    {"name": "failover", "size": 12288, "deps": [], "users": 0},
    {"name": "net_failover", "size": 20480, "deps": ["failover"], "users": 0},
    {"name": "virtio_net", "size": 61440, "deps": ["net_failover", "virtio_ring", "virtio"], "users": 0},
    {"name": "ext4", "size": 827392, "deps": [], "users": 1}
])json";

std::string fmt_module(int i) {
    return R"({"name": "m)" + std::to_string(i) + R"(", "size": 4096, "deps": [], "users": 0})";
}

std::vector<ShownModule> modules() {
    return parse_shown_modules(nlohmann::json::parse(kModules), "identity.json");
}

// Newest first, as /proc/modules lists loaded modules: users plus the
// modules using it, those newest first, addresses rising in load order.
TEST(ShownModules, ListsThemAsProcModulesDoes) {
    auto text = shown_modules_text(modules(), "0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a77");
    auto lines = split_lines(text);
    ASSERT_EQ(lines.size(), 7u);
    EXPECT_TRUE(lines[0].starts_with("ext4 827392 1 - ffffffffc")) << lines[0];
    EXPECT_TRUE(lines[1].starts_with("virtio_net 61440 0 - ")) << lines[1];
    EXPECT_TRUE(lines[4].starts_with("virtio_blk 24576 2 - ")) << lines[4];
    EXPECT_TRUE(lines[5].starts_with("virtio 12288 2 virtio_net,virtio_blk, ")) << lines[5];
    EXPECT_TRUE(lines[6].starts_with("virtio_ring 28672 2 virtio_net,virtio_blk, ")) << lines[6];
    auto address = [](std::string_view line) {
        return std::stoull(std::string(line.substr(line.rfind(' ') + 1)), nullptr, 16);
    };
    // virtio_ring first, a guard page after it, then virtio.
    EXPECT_EQ(address(lines[5]) - address(lines[6]), 28672u + 4096u);
    EXPECT_GE(address(lines[6]), 0xffffffffc0001000ULL);
    EXPECT_LE(address(lines[6]), 0xffffffffc0400000ULL);
    // Another installation, another base; the same one, the same.
    EXPECT_NE(shown_modules_text(modules(), "another"), shown_modules_text(modules(), "0b6f5c1e"));
    EXPECT_EQ(shown_modules_text(modules(), "0b6f5c1e"), shown_modules_text(modules(), "0b6f5c1e"));
    EXPECT_EQ(shown_modules_text({}, "x"), "");
}

// What reaches the guest's kernel is checked: a bad entry names the module.
TEST(ShownModules, RejectsWhatTheKernelShouldNotShow) {
    auto error_of = [](const std::string& text) {
        try {
            parse_shown_modules(nlohmann::json::parse(text), "identity.json");
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_NE(error_of(R"([{"name": "Virtio", "size": 4096, "deps": [], "users": 0}])").find("modules[0]: name"),
              std::string::npos);
    EXPECT_NE(error_of(R"([{"name": "a b", "size": 4096, "deps": [], "users": 0}])").find("name"), std::string::npos);
    EXPECT_NE(error_of(R"([{"name": "x", "size": 4095, "deps": [], "users": 0}])").find("(x): size"),
              std::string::npos);
    EXPECT_NE(error_of(R"([{"name": "x", "size": -4096, "deps": [], "users": 0}])").find("size"), std::string::npos);
    EXPECT_NE(
        error_of(R"([{"name": "x", "size": 4096, "deps": ["y"], "users": 0}])").find("not a module listed before"),
        std::string::npos);
    EXPECT_NE(error_of(R"([{"name": "x", "size": 4096, "deps": [], "users": 0},
                           {"name": "x", "size": 4096, "deps": [], "users": 0}])")
                  .find("listed twice"),
              std::string::npos);
    EXPECT_NE(error_of(R"([{"name": "x", "size": 4096, "deps": [], "users": 5000}])").find("users"), std::string::npos);
    EXPECT_NE(error_of(R"({"name": "x"})").find("not an array"), std::string::npos);
    std::string many = "[";
    for (int i = 0; i <= 200; ++i) many += (i ? "," : "") + fmt_module(i);
    EXPECT_NE(error_of(many + "]").find("at most 200"), std::string::npos);
}

// identity.json carries them through setup's platform record and back.
TEST(ShownModules, GoThroughTheIdentityAndBack) {
    std::string json = R"json({"kernel_release": "6.1.0-56-amd64",
        "kernel_version": "#1 SMP PREEMPT_DYNAMIC Debian 6.1.192-2 (2026-10-30)",
        "root_uuid": "0b6f5c1e-8a54-4c8e-9a49-0d5e4b1f2a77", "modules": )json" +
                       std::string(kModules) + "}";
    auto id = parse_guest_identity(json, "identity.json");
    ASSERT_EQ(id.modules.size(), 7u);
    auto again = parse_guest_identity(guest_identity_json(id), "platform.json");
    EXPECT_EQ(shown_modules_text(again.modules, "s"), shown_modules_text(id.modules, "s"));
    // With them, when the image build began (the selftest's build window).
    EXPECT_EQ(id.build_started, 0);
    auto started = nlohmann::json::parse(json);
    started["build_started"] = 1796536600;
    EXPECT_EQ(parse_guest_identity(guest_identity_json(parse_guest_identity(started.dump(), "i")), "p").build_started,
              1796536600);
    started["build_started"] = -1;
    EXPECT_THROW(parse_guest_identity(started.dump(), "identity.json"), Error);
    // An image from before the list shows none.
    json = json.substr(0, json.find(", \"modules\"")) + "}";
    EXPECT_TRUE(parse_guest_identity(json, "identity.json").modules.empty());
}

}  // namespace
}  // namespace oyster
