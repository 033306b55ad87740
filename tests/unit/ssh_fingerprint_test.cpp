#include "oyster/selftest/ssh_fingerprint.h"

#include <gtest/gtest.h>

#include <string>

namespace oyster {
namespace {

// ssh-audit 2.5.0's report of a stock Debian bookworm sshd (lists cut short).
const std::string kSshAudit =
    "{\"banner\": {\"comments\": \"Debian-2+deb12u10\", \"protocol\": [2, 0], \"raw\": \"SSH-2.0-OpenSSH_9.2p1 "
    "Debian-2+deb12u10\", \"software\": \"OpenSSH_9.2p1\"}, \"compression\": [\"none\", \"zlib@openssh.com\"], "
    "\"enc\": [\"chacha20-poly1305@openssh.com\", \"aes128-ctr\"], \"fingerprints\": [{\"hash\": "
    "\"4vcIcpG4ZpLsaX5aBttPetZdoEEla49mTb/rMQMbCrg\", \"hash_alg\": \"SHA256\", \"hostkey\": \"ssh-ed25519\"}, "
    "{\"hash\": \"b8:3e:5e:71:17:54:2c:6e:f9:45:b9:fe:e1:7f:0e:d4\", \"hash_alg\": \"MD5\", \"hostkey\": "
    "\"ssh-ed25519\"}], \"kex\": [{\"algorithm\": \"sntrup761x25519-sha512\"}, {\"algorithm\": "
    "\"sntrup761x25519-sha512@openssh.com\"}, {\"algorithm\": \"curve25519-sha256\"}], \"key\": [{\"algorithm\": "
    "\"rsa-sha2-512\", \"keysize\": 3072}, {\"algorithm\": \"rsa-sha2-256\", \"keysize\": 3072}], \"mac\": "
    "[\"umac-64-etm@openssh.com\", \"umac-128-etm@openssh.com\"], \"target\": \"127.0.0.1\"}";

// Nmap 7.93 -sV with the SSH scripts, against the same sshd (lists cut short).
const std::string kNmap =
    "Starting Nmap 7.93 ( https://nmap.org ) at 2026-12-05 11:28 UTC\n"
    "Nmap scan report for 127.0.0.1\n"
    "Host is up (0.000042s latency).\n"
    "\n"
    "PORT      STATE SERVICE VERSION\n"
    "38022/tcp open  ssh     OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)\n"
    "| ssh2-enum-algos: \n"
    "|   kex_algorithms: (12)\n"
    "|       sntrup761x25519-sha512@openssh.com\n"
    "|       curve25519-sha256\n"
    "|   compression_algorithms: (2)\n"
    "|       none\n"
    "|_      zlib@openssh.com\n"
    "| ssh-auth-methods: \n"
    "|   Supported authentication methods: \n"
    "|     publickey\n"
    "|     password\n"
    "|_    keyboard-interactive\n"
    "| ssh-hostkey: \n"
    "|   256 e71798bb7f49a1827808cd8017b52ec6 (ECDSA)\n"
    "|_  256 b83e5e7117542c6ef945b9fee17f0ed4 (ED25519)\n"
    "Service Info: OS: Linux; CPE: cpe:/o:linux:linux_kernel\n"
    "\n"
    "Service detection performed. Please report any incorrect results at https://nmap.org/submit/ .\n"
    "Nmap done: 1 IP address (1 host up) scanned in 0.45 seconds\n"
    "";

std::string replaced(std::string text, const std::string& from, const std::string& to) {
    auto at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    if (at != std::string::npos) text.replace(at, from.size(), to);
    return text;
}

TEST(SshFingerprint, AnotherServersAddressAndKeysAreNotDifferences) {
    auto stock = normalise_ssh_audit(kSshAudit);
    ASSERT_TRUE(stock.ran) << stock.why;
    for (const auto& line : stock.lines) {
        EXPECT_EQ(line.find("4vcIcpG4"), std::string::npos) << line;
        EXPECT_FALSE(line.starts_with("target")) << line;
    }
    auto other = replaced(replaced(kSshAudit, "4vcIcpG4ZpLsaX5aBttPetZdoEEla49mTb/rMQMbCrg", "AAAA"),
                          "\"target\": \"127.0.0.1\"", "\"target\": \"192.0.2.2\"");
    EXPECT_TRUE(compare_ssh_reports("ssh_audit", "", normalise_ssh_audit(other), stock).pass);

    auto nmap = normalise_nmap(kNmap);
    ASSERT_TRUE(nmap.ran) << nmap.why;
    EXPECT_EQ(nmap.lines.front(), "PORT/tcp open ssh OpenSSH 9.2p1 Debian 2+deb12u10 (protocol 2.0)");
    EXPECT_NE(std::find(nmap.lines.begin(), nmap.lines.end(), "| 256 (ECDSA)"), nmap.lines.end());
    auto guest = replaced(replaced(replaced(kNmap, "38022/tcp open  ssh", "22/tcp    open  ssh"),
                                   "e71798bb7f49a1827808cd8017b52ec6", "0123456789abcdef0123456789abcdef"),
                          "Host is up (0.000042s latency)", "Host is up (0.0011s latency)");
    guest = replaced(guest, "Service Info:", "MAC Address: 00:1B:21:65:8D:CC (Intel Corporate)\nService Info:");
    auto check = compare_ssh_reports("nmap_ssh", "", normalise_nmap(guest), nmap);
    EXPECT_TRUE(check.pass) << check.detail;

    // Nmap prints scripts as they finish: another order is the same report.
    auto auth_at = kNmap.find("| ssh-auth-methods:");
    auto keys_at = kNmap.find("| ssh-hostkey:");
    auto info_at = kNmap.find("Service Info:");
    auto algos_at = kNmap.find("| ssh2-enum-algos:");
    auto reordered = kNmap.substr(0, algos_at) + kNmap.substr(auth_at, keys_at - auth_at) +
                     kNmap.substr(keys_at, info_at - keys_at) + kNmap.substr(algos_at, auth_at - algos_at) +
                     kNmap.substr(info_at);
    check = compare_ssh_reports("nmap_ssh", "", normalise_nmap(reordered), nmap);
    EXPECT_TRUE(check.pass) << check.detail;
}

TEST(SshFingerprint, WhatAScannerSeesDifferentFails) {
    auto stock_audit = normalise_ssh_audit(kSshAudit);
    auto reordered = replaced(kSshAudit, "\"enc\": [\"chacha20-poly1305@openssh.com\", \"aes128-ctr\"]",
                              "\"enc\": [\"aes128-ctr\", \"chacha20-poly1305@openssh.com\"]");
    auto check = compare_ssh_reports("ssh_audit", "", normalise_ssh_audit(reordered), stock_audit);
    EXPECT_FALSE(check.pass);
    EXPECT_NE(check.detail.find("aes128-ctr"), std::string::npos) << check.detail;
    auto other_version = replaced(kSshAudit, "Debian-2+deb12u10\", \"protocol", "Debian-2+deb12u3\", \"protocol");
    EXPECT_FALSE(compare_ssh_reports("ssh_audit", "", normalise_ssh_audit(other_version), stock_audit).pass);

    auto stock_nmap = normalise_nmap(kNmap);
    // Debian's sshd_config turns keyboard-interactive off; sshd's compiled
    // default offers it.
    auto fewer = replaced(replaced(kNmap, "|     password\n|_    keyboard-interactive", "|_    password"), "", "");
    check = compare_ssh_reports("nmap_ssh", "", normalise_nmap(fewer), stock_nmap);
    EXPECT_FALSE(check.pass);
    EXPECT_NE(check.detail.find("keyboard-interactive"), std::string::npos) << check.detail;
    auto rsa = replaced(kNmap, "|_  256 b83e5e7117542c6ef945b9fee17f0ed4 (ED25519)",
                        "|   256 b83e5e7117542c6ef945b9fee17f0ed4 (ED25519)\n|_  3072 "
                        "SHA256:4vcIcpG4ZpLsaX5aBttPetZdoEEla49mTb/rMQMbCrg (RSA)");
    check = compare_ssh_reports("nmap_ssh", "", normalise_nmap(rsa), stock_nmap);
    EXPECT_FALSE(check.pass);
    EXPECT_NE(check.detail.find("3072 (RSA)"), std::string::npos) << check.detail;
}

TEST(SshFingerprint, WhatCannotBeReadFails) {
    EXPECT_FALSE(normalise_ssh_audit("not json").ran);
    EXPECT_FALSE(normalise_ssh_audit("[1, 2]").ran);
    EXPECT_FALSE(normalise_nmap("Starting Nmap 7.93\nNmap done: 1 IP address (0 hosts up)").ran);
    SshToolReport missing;
    missing.why = "ssh-audit is not installed on the host";
    auto check = compare_ssh_reports("ssh_audit", "", missing, normalise_ssh_audit(kSshAudit));
    EXPECT_FALSE(check.pass);
    EXPECT_EQ(check.detail, "on the guest: ssh-audit is not installed on the host");
    EXPECT_FALSE(compare_ssh_reports("ssh_audit", "", normalise_ssh_audit(kSshAudit), missing).pass);
}

}  // namespace
}  // namespace oyster
