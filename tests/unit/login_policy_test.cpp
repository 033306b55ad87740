#include "oyster/sandbox/login_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "temp_dir.h"

using namespace oyster;

namespace {

std::vector<std::string> shipped_list() {
    return load_password_list(data_dir() / "image" / "common-passwords.txt");
}

bool is_public_default(const std::string& password) {
    auto d = public_default_credentials();
    return std::any_of(d.begin(), d.end(), [&](const LoginConfig::Account& a) { return a.password == password; });
}

}  // namespace

// The shipped list, comments left out, in its order (most common first).
// Of its 3,546 entries one is the empty password, which no draw could use.
TEST(LoginPolicy, LoadsTheShippedList) {
    auto list = shipped_list();
    EXPECT_EQ(list.size(), 3545u);
    EXPECT_EQ(list[0], "123456");
    EXPECT_TRUE(std::none_of(list.begin(), list.end(), [](const std::string& p) { return p.starts_with("#!"); }));
}

// What detectors try first never comes out, and installations differ.
TEST(LoginPolicy, DrawsPerInstallationPastTheListsHead) {
    auto list = shipped_list();
    std::set<std::string> head(list.begin(), list.begin() + 100);
    std::set<std::string> passwords;
    std::set<std::uint32_t> counts;
    for (int i = 0; i < 200; ++i) {
        std::string secret = fmt::format("{:016x}", 0x9e3779b97f4a7c15ULL * static_cast<unsigned>(i + 1));
        std::string p = drawn_root_password(secret, list);
        EXPECT_FALSE(head.contains(p)) << p;
        EXPECT_FALSE(is_public_default(p)) << p;
        EXPECT_GE(p.size(), 6u);
        EXPECT_LE(p.size(), 16u);
        EXPECT_EQ(p.find(':'), std::string::npos);
        EXPECT_NE(std::find(list.begin(), list.end(), p), list.end());
        // The same secret always draws the same.
        EXPECT_EQ(drawn_root_password(secret, list), p);
        passwords.insert(p);
        std::uint32_t n = drawn_root_after_failures(secret);
        EXPECT_GE(n, 2u);
        EXPECT_LE(n, 6u);
        counts.insert(n);
    }
    // Spread over the list, and every count of the range met.
    EXPECT_GT(passwords.size(), 180u);
    EXPECT_EQ(counts.size(), 5u);
}

TEST(LoginPolicy, ResolvesOnlyWhatIsDrawn) {
    auto list = shipped_list();
    Config cfg;
    LoginPolicy a = resolve_login_policy(cfg, "0123456789abcdef", list);
    LoginPolicy b = resolve_login_policy(cfg, "fedcba9876543210", list);
    ASSERT_EQ(a.accounts.size(), 1u);
    EXPECT_EQ(a.accounts[0].user, "root");
    // The account's drawn password is root's shadow password too.
    EXPECT_EQ(a.accounts[0].password, a.root_password);
    EXPECT_NE(a.root_password, b.root_password);
    EXPECT_EQ(a.root_after_failures, drawn_root_after_failures("0123456789abcdef"));

    // What the operator fixes stays fixed.
    cfg.guest.root_password = "s3cret";
    cfg.login.accounts = {{"root", "hunter2"}, {"deploy", "drawn"}};
    cfg.login.root_after_failures = 0;
    LoginPolicy fixed = resolve_login_policy(cfg, "0123456789abcdef", list);
    EXPECT_EQ(fixed.root_password, "s3cret");
    EXPECT_EQ(fixed.accounts[0].password, "hunter2");
    EXPECT_EQ(fixed.accounts[1].password, a.root_password);
    EXPECT_EQ(fixed.root_after_failures, 0u);
}

class PasswordListTest : public oyster::testing::TempDirTest {};

TEST_F(PasswordListTest, RefusesAListTooShortToDrawFrom) {
    write_file_atomic(dir / "short.txt", "#!comment\n123456\npassword\n");
    try {
        load_password_list(dir / "short.txt");
        ADD_FAILURE() << "a two-password list was taken";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("short.txt"), std::string::npos) << e.what();
    }
    EXPECT_THROW(load_password_list(dir / "missing.txt"), Error);
}
