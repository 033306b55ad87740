// Personas: the shipped ones load and avoid known honeypot defaults; every
// key is read; mistakes are errors naming the file, the key and the problem.
#include <gtest/gtest.h>

#include <algorithm>

#include "oyster/common/config.h"
#include "oyster/common/paths.h"
#include "oyster/common/persona.h"
#include "oyster/sandbox/image_spec.h"
#include "temp_dir.h"

namespace oyster {
namespace {

std::string error_of(const std::string& toml) {
    try {
        parse_persona(toml, "p.toml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "no error";
}

TEST(Persona, ReadsEveryKey) {
    Persona p = parse_persona(R"(
hostname = "db-3"
domain = "corp.example.net"
timezone = "America/Chicago"
motd = "Welcome\n"
packages = ["postgresql", "telnetd"]
[[users]]
name = "alice"
uid = 1000
full_name = "Alice Smith,,,"
shell = "/bin/zsh"
groups = ["sudo"]
password = "s3cret"
history = ["ls", "sudo -i"]
[[files]]
path = "/srv/notes.txt"
content = "hello"
mode = "0600"
owner = "alice:alice"
)",
                              "p.toml");
    EXPECT_EQ(p.hostname, "db-3");
    EXPECT_EQ(p.domain, "corp.example.net");
    EXPECT_EQ(p.timezone, "America/Chicago");
    EXPECT_EQ(p.motd, "Welcome\n");
    EXPECT_EQ(p.packages, (std::vector<std::string>{"postgresql", "telnetd"}));
    ASSERT_EQ(p.users.size(), 1u);
    EXPECT_EQ(p.users[0].name, "alice");
    EXPECT_EQ(p.users[0].uid, 1000u);
    EXPECT_EQ(p.users[0].shell, "/bin/zsh");
    EXPECT_EQ(p.users[0].groups, (std::vector<std::string>{"sudo"}));
    EXPECT_EQ(p.users[0].password, "s3cret");
    EXPECT_EQ(p.users[0].history.size(), 2u);
    ASSERT_EQ(p.files.size(), 1u);
    EXPECT_EQ(p.files[0].mode, 0600u);
    EXPECT_EQ(p.files[0].owner, "alice:alice");
    auto j = persona_json(p);
    EXPECT_EQ(j["files"][0]["mode"], "0600");
    EXPECT_EQ(j["users"][0]["history"][1], "sudo -i");
}

TEST(Persona, MistakesNameTheKey) {
    EXPECT_EQ(error_of("domain = \"x.net\"\n"), "p.toml: hostname: is required");
    EXPECT_EQ(error_of("hostname = \"a\"\ncolour = \"red\"\n"), "p.toml:2: colour: unknown key");
    EXPECT_NE(error_of("hostname = \"bad host\"\n").find("hostname"), std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\ndomain = \"x..net\"\n").find("domain"), std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\ntimezone = \"../../etc/passwd\"\n").find("timezone"), std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\npackages = [\"Bad Pkg\"]\n").find("packages"), std::string::npos);
    EXPECT_EQ(error_of("hostname = \"a\"\n[[users]]\nname = \"bob\"\n"), "p.toml:2: users[0].uid: is required");
    EXPECT_NE(error_of("hostname = \"a\"\n[[users]]\nname = \"root\"\nuid = 1000\n").find("users[0].name"),
              std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\n[[users]]\nname = \"bob\"\nuid = 0\n").find("users[0].uid"),
              std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\n[[users]]\nname = \"b\"\nuid = 1000\n[[users]]\nname = \"c\"\nuid = 1000\n")
                  .find("uid 1000 is listed twice"),
              std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\n[[users]]\nname = \"b\"\nuid = 1000\npassword = \"a:b\"\n")
                  .find("users[0].password"),
              std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\n[[files]]\npath = \"/proc/cpuinfo\"\ncontent = \"\"\n").find("files[0].path"),
              std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\n[[files]]\npath = \"/etc/../x\"\ncontent = \"\"\n").find("files[0].path"),
              std::string::npos);
    EXPECT_NE(
        error_of("hostname = \"a\"\n[[files]]\npath = \"/x\"\ncontent = \"\"\nmode = \"999\"\n").find("files[0].mode"),
        std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\n[[files]]\npath = \"/x\"\n").find("files[0].content"), std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\nusers = 3\n").find("users"), std::string::npos);
}

// ZHtrap and similar botnets match Cowrie's defaults (hostname svr04, users
// phil and richard); the shipped persona must not look like any of them.
TEST(Persona, ShippedDefaultIsNoKnownHoneypot) {
    Persona p = load_persona(OYSTER_TEST_DATA "/../../../image/personas/default.toml");
    for (const char* bad : {"svr04", "srv04", "localhost", "honeypot", "ubuntu"}) EXPECT_NE(p.hostname, bad);
    for (const auto& u : p.users) {
        for (const char* bad : {"phil", "richard", "cowrie", "kippo", "admin", "user", "test"}) {
            EXPECT_NE(u.name, bad);
        }
    }
    EXPECT_FALSE(p.users.empty());
    EXPECT_TRUE(std::any_of(p.packages.begin(), p.packages.end(), [](const auto& s) { return s == "telnetd"; }));
}

// An embedded device's root logs in to BusyBox's ash; the image links the
// applet (image/tasks/45-persona.sh), the persona only names the shell.
TEST(Persona, RootShellIsTheDefaultsOrAnAbsolutePath) {
    EXPECT_EQ(parse_persona("hostname = \"a\"\n", "t.toml").root_shell, "/bin/bash");
    EXPECT_EQ(parse_persona("hostname = \"a\"\nroot_shell = \"/bin/ash\"\n", "t.toml").root_shell, "/bin/ash");
    EXPECT_NE(error_of("hostname = \"a\"\nroot_shell = \"ash\"\n").find("root_shell"), std::string::npos);
    EXPECT_NE(error_of("hostname = \"a\"\nroot_shell = \"/bin/busybox sh\"\n").find("root_shell"), std::string::npos);
    Persona gw = load_persona(OYSTER_TEST_DATA "/../../../image/personas/gateway.toml");
    EXPECT_EQ(gw.root_shell, "/bin/ash");
    EXPECT_TRUE(std::any_of(gw.packages.begin(), gw.packages.end(), [](const auto& s) { return s == "busybox"; }));
    EXPECT_EQ(persona_json(gw)["root_shell"], "/bin/ash");
}

class ImageSpecTest : public testing::TempDirTest {};

// What the image is built from: persona, login policy and root's password.
// A change in any of them is a different image, and booting the old one is
// refused with a message that says what to do.
TEST_F(ImageSpecTest, ChangesWithPersonaAndPolicy) {
    write_file_atomic(dir / "p.toml", "hostname = \"box\"\n");
    Config cfg;
    cfg.guest.persona = (dir / "p.toml").string();
    Platform platform;
    platform.honeylog_key = "0123456789abcdef";
    LoginPolicy login = resolve_login_policy(cfg, platform.honeylog_key);
    auto spec = image_spec(cfg, login, 0);
    EXPECT_EQ(spec["persona"]["hostname"], "box");
    // A persona that names no kernel package gets Debian's.
    EXPECT_EQ(spec["persona"]["packages"], nlohmann::json::array({"linux-image-amd64"}));
    // The drawn values, drawn: what the image's hook and /etc/shadow get.
    EXPECT_EQ(spec["login"]["accounts"][0]["user"], "root");
    EXPECT_EQ(spec["login"]["accounts"][0]["password"], login.root_password);
    EXPECT_EQ(spec["login"]["root_password"], login.root_password);
    EXPECT_EQ(spec["login"]["root_after_failures"], login.root_after_failures);
    platform.image_spec_sha256 = image_spec_sha256(spec);
    EXPECT_NO_THROW(check_image_spec(cfg, platform));

    // Another history (the shown boot's anchor moved) is another image.
    platform.shown_boot.anchor = 1792897929;
    EXPECT_THROW(check_image_spec(cfg, platform), Error);
    EXPECT_EQ(image_spec(cfg, login, 1792897929)["history"]["anchor"], 1792897929);
    platform.shown_boot.anchor = 0;

    // Another installation's secret draws another policy.
    platform.honeylog_key = "fedcba9876543210";
    EXPECT_THROW(check_image_spec(cfg, platform), Error);
    platform.honeylog_key = "0123456789abcdef";
    cfg.login.root_after_failures = 0;
    EXPECT_THROW(check_image_spec(cfg, platform), Error);
    cfg.login.root_after_failures.reset();
    write_file_atomic(dir / "p.toml", "hostname = \"box2\"\n");
    try {
        check_image_spec(cfg, platform);
        ADD_FAILURE() << "a changed persona was accepted";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("oyster setup"), std::string::npos) << e.what();
    }
    cfg.guest.persona = (dir / "missing.toml").string();
    EXPECT_THROW(image_spec(cfg, login, 0), ConfigError);

    // One it names is kept, and nothing is added.
    write_file_atomic(dir / "k.toml", "hostname = \"box\"\npackages = [\"nginx\", \"linux-image-cloud-amd64\"]\n");
    cfg.guest.persona = (dir / "k.toml").string();
    EXPECT_EQ(image_spec(cfg, login, 0)["persona"]["packages"],
              nlohmann::json::array({"nginx", "linux-image-cloud-amd64"}));
}

// The boot's anchor is the installation's, per uptime setting, whatever
// state directory asks: so the images of one cache agree.
TEST_F(ImageSpecTest, BootAnchorsAreKeptBesideTheSecret) {
    EXPECT_EQ(load_boot_anchor(dir, 41), 0);
    save_boot_anchor(dir, 41, 1792897766);
    save_boot_anchor(dir, 7, 1795000000);
    EXPECT_EQ(load_boot_anchor(dir, 41), 1792897766);
    EXPECT_EQ(load_boot_anchor(dir, 7), 1795000000);
    EXPECT_EQ(load_boot_anchor(dir, 3), 0);
    write_file_atomic(dir / "shown-boots.json", "[1, 2]");
    EXPECT_THROW(load_boot_anchor(dir, 41), Error);
}

}  // namespace
}  // namespace oyster
