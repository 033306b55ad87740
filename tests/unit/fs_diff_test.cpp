// File forensics against real ext4 images: mke2fs builds a base disk,
// debugfs makes an intruder's changes to a copy, and the sectors that
// differ become a COW file as the UML block driver writes them. Read
// through the overlay, the diff must list exactly those changes, an edit
// that kept size and mtime included.
#include "oyster/forensics/fs_diff.h"

#include "oyster/capture/guest_noise.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "cow_disk_builder.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/forensics/analysis_worker.h"
#include "oyster/forensics/intrusion_analysis.h"
#include "temp_dir.h"

namespace oyster::forensics {
namespace {

using testing_support::disk_of;
using testing_support::kPartitionStart;
using testing_support::make_cow;
using testing_support::read_all;

void write_file(const std::filesystem::path& p, const std::string& data) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

void run(const std::vector<std::string>& argv) {
    auto r = run_capture(argv, {}, ChildStderr::discard);
    ASSERT_EQ(r.exit_code, 0) << argv[0] << ": " << r.stdout_text;
}

class FsDiffTest : public testing::TempDirTest {
protected:
    std::string hosts_edit = "6.6.6.6   localhost\n";

    // disk.img (a base with a small Debian-like tree) and disk.cow (what an
    // intruder did to it, as the UML block driver would have written it).
    void build_intruded_disk() {
        auto root = dir / "root";
        write_file(root / "etc/passwd", "root:x:0:0:root:/root:/bin/bash\n");
        write_file(root / "etc/hosts", "127.0.0.1 localhost\n");
        write_file(root / "usr/bin/tool", std::string(5000, 't'));
        write_file(root / "home/web/old-report.txt", "quarterly numbers\n");
        write_file(root / "var/log/syslog", "boot\n");
        std::filesystem::create_directories(root / "root");
        run({"mke2fs", "-q", "-F", "-t", "ext4", "-b", "1024", "-d", root.string(), (dir / "fs.img").string(), "16M"});

        // The intruder, as debugfs: a download, a new user line, a deletion,
        // SSH key persistence, a setuid bit, a log line.
        write_file(dir / "in/tool.bin",
                   "\x7f"
                   "ELF payload " +
                       std::string(3000, 'x'));
        write_file(dir / "in/passwd", "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/bash\n");
        write_file(dir / "in/keys", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ attacker@example\n");
        write_file(dir / "in/syslog", "boot\nsshd: Accepted password for root\n");
        std::filesystem::copy_file(dir / "fs.img", dir / "fs-after.img");
        write_file(dir / "script", fmt::format("write {0}/in/tool.bin /root/tool.bin\n"
                                               "rm /etc/passwd\n"
                                               "write {0}/in/passwd /etc/passwd\n"
                                               "rm /home/web/old-report.txt\n"
                                               "mkdir /root/.ssh\n"
                                               "write {0}/in/keys /root/.ssh/authorized_keys\n"
                                               "sif /usr/bin/tool mode 0104755\n"
                                               "rm /var/log/syslog\n"
                                               "write {0}/in/syslog /var/log/syslog\n",
                                               dir.string()));
        run({"debugfs", "-w", "-f", (dir / "script").string(), (dir / "fs-after.img").string()});
        // And an edit that keeps size, mtime and inode: only the data block.
        auto blocks = run_capture({"debugfs", "-R", "blocks /etc/hosts", (dir / "fs-after.img").string()}, {},
                                  ChildStderr::discard);
        std::uint64_t block = std::stoull(blocks.stdout_text.substr(blocks.stdout_text.find_first_of("0123456789")));
        std::string after_fs = read_all(dir / "fs-after.img");
        const std::string& hosts = hosts_edit;
        ASSERT_EQ(hosts.size(), std::string("127.0.0.1 localhost\n").size());
        after_fs.replace(block * 1024, hosts.size(), hosts);  // 1 KiB blocks (mke2fs -b 1024)

        write_file(dir / "disk.img", disk_of(read_all(dir / "fs.img")));
        make_cow(dir / "disk.cow", dir / "disk.img", disk_of(after_fs));
    }

    // The intruded disk as a closed intrusion's guest directory, with a
    // decoded capture: the download run twice (its content stored), the
    // base image's /usr/bin/tool once, and a line no decoder writes. The
    // YARA rules: the shipped ones and one for the download.
    struct Intrusion {
        std::filesystem::path guest_dir;
        AnalysisOptions options;
        std::string tool, tool_sha, base_sha;
    };
    Intrusion intruded_guest_dir() {
        build_intruded_disk();
        auto guest_dir = dir / "guest";
        testing_support::make_guest_dir(guest_dir, "20261127T000000-g-test", dir / "disk.img", dir / "disk.cow");
        std::string tool = read_all(dir / "in/tool.bin"), base_tool(5000, 't');
        std::string tool_sha = sha256_text(tool), base_sha = sha256_text(base_tool);
        write_file(guest_dir / "capture/files" / tool_sha, tool);
        write_file(guest_dir / "capture/files" / base_sha, base_tool);
        write_file(guest_dir / "capture/events.jsonl",
                   fmt::format(R"({{"type":"exec","seq":10,"path":"/root/tool.bin","argv":["./tool.bin"]}}
{{"type":"exec_content","exec_seq":10,"sha256":"{0}","complete":true,"stored":"files/{0}"}}
{{"type":"exec","seq":12,"path":"/root/tool.bin","argv":["./tool.bin"],"sha256":"{0}"}}
{{"type":"exec","seq":13,"path":"/usr/bin/tool","argv":["tool"]}}
{{"type":"exec_content","exec_seq":13,"sha256":"{1}","complete":true,"stored":"files/{1}"}}
{{"type":"exec_content","exec_seq":14,"sha256":"../../etc/shadow","complete":true}}
not json
)",
                               tool_sha, base_sha));
        auto rules = dir / "rules";
        std::filesystem::copy(std::filesystem::path(OYSTER_SOURCE_DIR) / "rules/yara", rules);
        write_file(rules / "test_download.yar",
                   "rule test_download { meta: description = \"the test's download\" severity = \"critical\"\n"
                   "strings: $p = \"ELF payload\" condition: $p at 1 }\n");

        AnalysisOptions options;
        options.evidence_dir = dir / "evidence";
        options.yara_rules = rules;
        return {guest_dir, options, tool, tool_sha, base_sha};
    }
};

TEST_F(FsDiffTest, ListsExactlyWhatTheIntruderChanged) {
    build_intruded_disk();
    DiskView base_disk(dir / "disk.img");
    DiskView guest_disk(dir / "disk.img", dir / "disk.cow");
    std::vector<std::uint8_t> mbr(512);
    base_disk.read(0, mbr);
    auto part = first_linux_partition(mbr, base_disk.size());
    ASSERT_TRUE(part);
    EXPECT_EQ(part->offset, kPartitionStart);
    ExtFs before(base_disk, *part), now(guest_disk, *part);

    std::map<std::string, FileChange> changes;
    for (auto& c : diff_filesystems(before, now)) changes.emplace(c.path, std::move(c));
    std::map<std::string, std::string> kinds;
    for (const auto& [path, c] : changes) kinds[path] = kind_name(c.kind);
    EXPECT_EQ(kinds, (std::map<std::string, std::string>{{"/etc/hosts", "changed"},
                                                         {"/etc/passwd", "changed"},
                                                         {"/home/web/old-report.txt", "deleted"},
                                                         {"/root/.ssh", "added"},
                                                         {"/root/.ssh/authorized_keys", "added"},
                                                         {"/root/tool.bin", "added"},
                                                         {"/usr/bin/tool", "changed"},
                                                         {"/var/log/syslog", "changed"}}));
    EXPECT_EQ(changes["/root/tool.bin"].sha256, sha256_file(dir / "in/tool.bin"));
    EXPECT_EQ(changes["/etc/passwd"].sha256, sha256_file(dir / "in/passwd"));
    EXPECT_EQ(changes["/etc/hosts"].what, std::vector<std::string>{"content"});
    EXPECT_EQ(changes["/etc/hosts"].sha256, sha256_text(hosts_edit));
    EXPECT_EQ(changes["/usr/bin/tool"].what, std::vector<std::string>{"mode"});
    EXPECT_EQ(changes["/usr/bin/tool"].after->mode & 07777, 04755);
    EXPECT_EQ(changes["/home/web/old-report.txt"].sha256_before, sha256_text("quarterly numbers\n"));
    EXPECT_EQ(changes["/var/log/syslog"].noise, "/var/log/*");
    EXPECT_EQ(changes["/root/.ssh/authorized_keys"].noise, "");
}

// The whole analysis on the same disk: content types, the evidence store,
// executed files (one from the base image, one brought in), YARA alerts
// from the shipped rules and from a rule written for the download, and the
// artefacts listed with their hashes.
TEST_F(FsDiffTest, AnalysisTypesExtractsAndScans) {
    auto [guest_dir, options, tool, tool_sha, base_sha] = intruded_guest_dir();
    auto a = analyze_intrusion(guest_dir, options);
    EXPECT_EQ(a.intrusion_id, "20261127T000000-g-test");
    EXPECT_TRUE(a.errors.empty()) << a.errors.front();
    EXPECT_GE(a.yara_rule_count, 10U);

    std::map<std::string, AnalyzedFile> by_key;
    for (const auto& f : a.files) by_key[f.change + " " + f.path] = f;
    ASSERT_TRUE(by_key.contains("added /root/tool.bin"));
    const auto& download = by_key["added /root/tool.bin"];
    EXPECT_TRUE(download.extracted);
    EXPECT_EQ(download.sha256, tool_sha);
    EXPECT_EQ(download.mime, "application/octet-stream");  // "\x7fELF" and then no ELF header
    evidence::EvidenceStore store(options.evidence_dir);
    EXPECT_EQ(read_all(store.path_for(tool_sha)), tool);
    EXPECT_EQ(by_key["added /root/.ssh/authorized_keys"].type, "OpenSSH ED25519 public key");
    EXPECT_EQ(by_key["changed /etc/passwd"].mime, "text/plain");
    EXPECT_EQ(by_key["changed /etc/passwd"].type, "ASCII text");
    EXPECT_TRUE(by_key["changed /etc/passwd"].extracted);
    EXPECT_EQ(by_key["added /root/.ssh"].type, "directory");
    EXPECT_FALSE(by_key["changed /var/log/syslog"].extracted);  // noise is not taken
    EXPECT_FALSE(by_key["changed /usr/bin/tool"].extracted);    // only its mode changed
    EXPECT_FALSE(by_key["deleted /home/web/old-report.txt"].extracted);

    ASSERT_TRUE(by_key.contains("executed /root/tool.bin"));
    EXPECT_EQ(by_key["executed /root/tool.bin"].executions, 2U);
    EXPECT_FALSE(by_key["executed /root/tool.bin"].in_base_image);
    ASSERT_TRUE(by_key.contains("executed /usr/bin/tool"));
    EXPECT_TRUE(by_key["executed /usr/bin/tool"].in_base_image);
    EXPECT_TRUE(store.contains(base_sha));
    EXPECT_EQ(std::count_if(a.files.begin(), a.files.end(), [](const auto& f) { return f.change == "executed"; }), 2);

    std::set<std::string> alerts;
    for (const auto& al : a.alerts) alerts.insert(al.rule + " " + al.change + " " + al.path);
    EXPECT_EQ(alerts,
              (std::set<std::string>{"ssh_authorized_key_added added /root/.ssh/authorized_keys",
                                     "test_download added /root/tool.bin", "test_download executed /root/tool.bin"}));
    for (const auto& al : a.alerts) {
        if (al.rule == "test_download") {
            EXPECT_EQ(al.severity, "critical");
        }
        if (al.rule == "ssh_authorized_key_added") {
            EXPECT_EQ(al.rule_file, "ssh_persistence.yar");
        }
    }

    std::map<std::string, std::string> artefacts;
    for (const auto& art : a.artefacts) artefacts[art.kind + " " + art.path] = art.sha256;
    EXPECT_EQ(artefacts["capture_events capture/events.jsonl"], sha256_file(guest_dir / "capture/events.jsonl"));
    EXPECT_EQ(artefacts["evidence " + store.path_for(tool_sha).string()], tool_sha);

    // Again (a rescan, or the next intrusion bringing the same files): the
    // blobs already stored are typed and scanned from the store, with the
    // same answer as when they were extracted.
    auto again = analyze_intrusion(guest_dir, options);
    ASSERT_EQ(again.files.size(), a.files.size());
    for (std::size_t i = 0; i < a.files.size(); ++i) {
        EXPECT_EQ(again.files[i].extracted, a.files[i].extracted) << a.files[i].path;
        EXPECT_EQ(again.files[i].type, a.files[i].type) << a.files[i].path;
        EXPECT_EQ(again.files[i].sha256, a.files[i].sha256) << a.files[i].path;
    }
    EXPECT_EQ(again.alerts.size(), a.alerts.size());

    auto j = to_json(a);
    EXPECT_EQ(j["files"].size(), a.files.size());
    EXPECT_EQ(j["alerts"].size(), 3U);
}

// What the sensor runs: the oyster binary's forensics worker, in its jail
// (an unprivileged uid in a user namespace of its own, no capabilities, no
// network, no host file but what it was given), gives the analysis the
// process itself gives, and says from inside how it is confined. Root's
// private files (the disks 0600, the guest directory 0700) are readable to
// it only through its idmapped view, and what it wrote is root's.
TEST_F(FsDiffTest, TheJailedWorkerGivesTheSameAnalysis) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (the worker's namespaces)";
    auto [guest_dir, options, tool, tool_sha, base_sha] = intruded_guest_dir();
    auto in_process = analyze_intrusion(guest_dir, options);
    std::filesystem::remove_all(options.evidence_dir);
    for (const auto& [path, mode] : {std::pair{dir / "disk.img", 0600}, {dir / "disk.cow", 0600}, {guest_dir, 0700}}) {
        ASSERT_EQ(::chmod(path.c_str(), static_cast<mode_t>(mode)), 0) << path;
    }

    auto j = run_analysis_worker(OYSTER_FORENSICS_WORKER, guest_dir, options);
    auto log = read_all(guest_dir / "forensics/worker.log");
    EXPECT_NE(
        log.find("forensics worker: capabilities none, user namespace own, network lo, host /etc/shadow hidden\n"),
        std::string::npos)
        << log;
    EXPECT_EQ(log.find("no user namespace"), std::string::npos) << log;
    struct stat analysis_stat {};
    ASSERT_EQ(::stat(analysis_file(guest_dir).c_str(), &analysis_stat), 0);
    EXPECT_EQ(analysis_stat.st_uid, 0U);
    EXPECT_EQ(analysis_stat.st_gid, 0U);
    EXPECT_EQ(j["intrusion_id"], "20261127T000000-g-test");
    EXPECT_EQ(j["errors"], nlohmann::json::array()) << j["errors"].dump();
    std::set<std::string> worker_files, process_files;
    auto text = [](const nlohmann::json& f, const char* key) {
        return f.contains(key) && f[key].is_string() ? f[key].get<std::string>() : std::string();
    };
    for (const auto& f : j["files"]) {
        worker_files.insert(
            fmt::format("{} {} {} {}", text(f, "change"), text(f, "path"), text(f, "sha256"), text(f, "file_type")));
    }
    for (const auto& f : in_process.files) {
        process_files.insert(fmt::format("{} {} {} {}", f.change, f.path, f.sha256, f.type));
    }
    EXPECT_EQ(worker_files, process_files);
    EXPECT_EQ(j["alerts"].size(), in_process.alerts.size());
    evidence::EvidenceStore store(options.evidence_dir);
    EXPECT_EQ(read_all(store.path_for(tool_sha)), tool);
    struct stat blob_stat {};
    ASSERT_EQ(::stat(store.path_for(tool_sha).c_str(), &blob_stat), 0);
    EXPECT_EQ(blob_stat.st_uid, 0U);
    // It wrote only its own output: the blobs came into the store after it
    // ended, its own store is gone, and its evidence artefacts name the
    // store's place for each hash.
    EXPECT_FALSE(std::filesystem::exists(guest_dir / "forensics/blobs"));
    bool tool_listed = false;
    for (const auto& art : j["artefacts"]) {
        if (art["kind"] != "evidence") continue;
        EXPECT_EQ(art["path"], store.path_for(art["sha256"].get<std::string>()).string());
        tool_listed = tool_listed || art["sha256"] == tool_sha;
    }
    EXPECT_TRUE(tool_listed);
    // The jail's root was assembled on a directory of its own, and nothing
    // of it is left.
    for (const auto& e : std::filesystem::directory_iterator(guest_dir / "forensics")) {
        EXPECT_FALSE(e.path().filename().string().starts_with(".jail")) << e.path();
    }
}

// A host that cannot give the worker an idmapped view (here its COW disk
// is on ramfs, which has no idmapped mounts) still gets its analysis: the
// worker runs as host uid 0 without capabilities, and its log says why
// before anything else.
TEST_F(FsDiffTest, WithoutIdmappedMountsTheWorkerRunsAsRootAndSaysWhy) {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (mounts, the worker's namespaces)";
    auto [guest_dir, options, tool, tool_sha, base_sha] = intruded_guest_dir();
    // In a child with a mount namespace of its own: nothing shows on the host.
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        auto ram = dir / "ram";
        std::filesystem::create_directories(ram);
        if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
            ::mount("none", ram.c_str(), "ramfs", 0, nullptr) != 0) {
            ::_exit(2);
        }
        std::error_code ec;
        std::filesystem::copy_file(dir / "disk.cow", ram / "disk.cow", ec);
        if (ec || ::mount((ram / "disk.cow").c_str(), (dir / "disk.cow").c_str(), nullptr, MS_BIND, nullptr) != 0) {
            ::_exit(3);
        }
        try {
            auto j = run_analysis_worker(OYSTER_FORENSICS_WORKER, guest_dir, options);
            if (j["files"].empty() || !j["errors"].empty()) ::_exit(4);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "%s\n", e.what());
            ::_exit(5);
        }
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    auto log = read_all(guest_dir / "forensics/worker.log");
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status << "\n" << log;
    auto why = log.find(
        "oyster: no user namespace for the forensics worker (it runs as host uid 0 without "
        "capabilities): idmapped mount of " +
        (dir / "disk.cow").string() + ": Invalid argument\n");
    auto summary = log.find(
        "forensics worker: capabilities none, user namespace host, network lo, host /etc/shadow "
        "hidden\n");
    EXPECT_NE(why, std::string::npos) << log;
    EXPECT_NE(summary, std::string::npos) << log;
    EXPECT_LT(why, summary) << log;
}

TEST_F(FsDiffTest, AForeignOrCutDiskIsRefused) {
    write_file(dir / "junk.img", std::string(4U << 20, 'j'));
    DiskView junk(dir / "junk.img");
    std::vector<std::uint8_t> s0(512);
    junk.read(0, s0);
    EXPECT_FALSE(first_linux_partition(s0, junk.size()));
    EXPECT_THROW(ExtFs(junk, Partition{0, junk.size()}), Error);
    std::vector<std::uint8_t> past(16);
    EXPECT_THROW(junk.read(junk.size() - 8, past), Error);
}

// A rule only marks what the system writes by itself; what an intruder
// leaves in /tmp or /run is never noise.
TEST(NoiseRule, MarksOnlyWhatTheSystemWritesByItself) {
    EXPECT_EQ(capture::noise_rule("/var/log/auth.log"), "/var/log/*");
    EXPECT_EQ(capture::noise_rule("/run/systemd/sessions/c1"), "/run/systemd/*");
    EXPECT_EQ(capture::noise_rule("/run/motd.dynamic"), "motd");
    EXPECT_EQ(capture::noise_rule("/run/log/journal/3a77/system.journal"), "/run/log/journal/*");
    EXPECT_EQ(capture::noise_rule("/run/sshd.pid"), "/run/*.pid");
    EXPECT_EQ(capture::noise_rule("/run/x/payload.pid"), "");
    EXPECT_EQ(capture::noise_rule("/run/x.sh"), "");
    EXPECT_EQ(capture::noise_rule("/tmp/dropper.sh"), "");
    EXPECT_EQ(capture::noise_rule("/root/.bash_history"), "");
    EXPECT_EQ(capture::noise_rule("/var/backups/dpkg.status.0"), "dpkg-db-backup");
    EXPECT_EQ(capture::noise_rule("/var/backups/alternatives.tar.3.gz"), "dpkg-db-backup");
    EXPECT_EQ(capture::noise_rule("/var/backups/dpkg.status.0.sh"), "");
    EXPECT_EQ(capture::noise_rule("/var/backups/passwd.bak"), "");
    EXPECT_EQ(capture::noise_rule("/var/backups/loot.tar"), "");
}

}  // namespace
}  // namespace oyster::forensics
