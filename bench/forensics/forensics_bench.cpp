// bench/forensics: the forensic analysis of one intrusion on a synthetic
// guest disk (an ext4 base image of BASE_FILES files, and a COW file with
// an intruder's changes: ADDED files added, a tenth as many changed in
// place, a twentieth deleted), made the way a guest's disk is (mke2fs,
// debugfs, the changed sectors as COW). Measured in one run:
//   baseline  SHA-256 of the bytes the intruder added or changed, read
//             from plain host files (the least any content check costs)
//   walk      the base filesystem walked with libext2fs
//   diff      base and guest compared (forensics/fs_diff.h)
//   analysis  the whole analysis (diff, libmagic, evidence store, YARA
//             with the shipped rules, artefacts): intrusion_analysis.h
// Usage: oyster_forensics_bench [BASE_FILES] [ADDED] (default 20000 200).
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include <fmt/format.h>

#include "cow_disk_builder.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/forensics/disk_view.h"
#include "oyster/forensics/fs_diff.h"
#include "oyster/forensics/intrusion_analysis.h"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::mt19937_64 rng(42);

std::string random_bytes(std::size_t n) {
    std::string s(n, '\0');
    for (std::size_t i = 0; i < n; i += 8) {
        std::uint64_t v = rng();
        std::memcpy(s.data() + i, &v, std::min<std::size_t>(8, n - i));
    }
    return s;
}

// Text-like content (scripts, configs): what most of a system's files are.
std::string text_bytes(std::size_t n) {
    static const std::string words[] = {"if ",         "then ",
                                        "echo ",       "fi\n",
                                        "export ",     "PATH=/usr/bin ",
                                        "# comment\n", "value = 1\n",
                                        "[section]\n", "for x in a b c; do ",
                                        "done\n"};
    std::string s;
    while (s.size() < n) s += words[rng() % std::size(words)];
    s.resize(n);
    return s;
}

void write_file(const std::filesystem::path& p, const std::string& data) {
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << data;
}

bool run(const std::vector<std::string>& argv) {
    auto r = oyster::run_capture(argv, {}, oyster::ChildStderr::discard);
    if (r.exit_code != 0) std::fprintf(stderr, "%s failed: %s\n", argv[0].c_str(), r.stdout_text.c_str());
    return r.exit_code == 0;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace oyster;
    std::size_t base_files = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
    std::size_t added = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 200;
    std::size_t changed = std::max<std::size_t>(1, added / 10), deleted = std::max<std::size_t>(1, added / 20);
    char tmpl[] = "/var/tmp/oyster-forensics-bench-XXXXXX";
    if (::mkdtemp(tmpl) == nullptr) return 1;
    std::filesystem::path dir = tmpl;

    // The base: BASE_FILES files, 100 to a directory, 1-16 KiB, mostly text.
    auto t0 = Clock::now();
    std::uint64_t base_bytes = 0;
    for (std::size_t i = 0; i < base_files; ++i) {
        std::size_t n = 1024 + rng() % (15 * 1024);
        base_bytes += n;
        write_file(dir / "root" / fmt::format("usr/share/d{:04}/f{:05}", i / 100, i),
                   i % 8 ? text_bytes(n) : random_bytes(n));
    }
    std::uint64_t fs_mib = std::max<std::uint64_t>(256, (base_bytes * 2 + (std::uint64_t{added} << 17)) >> 20);
    if (!run({"mke2fs", "-q", "-F", "-t", "ext4", "-d", (dir / "root").string(), (dir / "fs.img").string(),
              fmt::format("{}M", fs_mib)})) {
        return 1;
    }
    // The intruder: files added under /tmp/.x (one of 8 MiB, the rest
    // 4-128 KiB binaries), base files rewritten in place, some deleted.
    std::string script;
    std::uint64_t new_bytes = 0;
    std::vector<std::filesystem::path> new_content;
    for (std::size_t i = 0; i < added; ++i) {
        std::size_t n = i == 0 ? std::size_t{8} << 20 : 4096 + rng() % (124 * 1024);
        auto host = dir / "in" / fmt::format("a{:05}", i);
        write_file(host, random_bytes(n));
        new_bytes += n;
        new_content.push_back(host);
        script += fmt::format("write {} /tmp/.x/a{:05}\n", host.string(), i);
    }
    script = "mkdir /tmp\nmkdir /tmp/.x\n" + script;
    for (std::size_t i = 0; i < changed; ++i) {
        std::size_t victim = (i * 97) % base_files;
        auto guest_path = fmt::format("/usr/share/d{:04}/f{:05}", victim / 100, victim);
        auto host = dir / "in" / fmt::format("c{:05}", i);
        write_file(host, text_bytes(std::filesystem::file_size(dir / "root" / guest_path.substr(1))));
        new_bytes += std::filesystem::file_size(host);
        new_content.push_back(host);
        script += fmt::format("rm {0}\nwrite {1} {0}\n", guest_path, host.string());
    }
    for (std::size_t i = 0; i < deleted; ++i) {
        std::size_t victim = (i * 97 + 13) % base_files;
        script += fmt::format("rm /usr/share/d{:04}/f{:05}\n", victim / 100, victim);
    }
    std::filesystem::copy_file(dir / "fs.img", dir / "fs-after.img");
    write_file(dir / "script", script);
    if (!run({"debugfs", "-w", "-f", (dir / "script").string(), (dir / "fs-after.img").string()})) return 1;
    write_file(dir / "disk.img", testing_support::disk_of(testing_support::read_all(dir / "fs.img")));
    auto guest_dir = dir / "guest";
    std::filesystem::create_directories(guest_dir);
    testing_support::make_cow(guest_dir / "disk.cow", dir / "disk.img",
                              testing_support::disk_of(testing_support::read_all(dir / "fs-after.img")));
    std::filesystem::remove(dir / "fs-after.img");
    auto g = testing_support::make_guest_dir(guest_dir, "bench", dir / "disk.img", guest_dir / "disk.cow");
    double setup = seconds_since(t0);

    t0 = Clock::now();
    for (const auto& f : new_content) (void)sha256_file(f);
    double baseline = seconds_since(t0);

    forensics::DiskView base_disk(g.image), guest_disk(g.image, g.cow);
    forensics::Partition part{testing_support::kPartitionStart, base_disk.size() - testing_support::kPartitionStart};
    forensics::ExtFs before(base_disk, part), now(guest_disk, part);
    t0 = Clock::now();
    auto entries = before.walk().size();
    double walk = seconds_since(t0);
    t0 = Clock::now();
    auto changes = forensics::diff_filesystems(before, now);
    double diff = seconds_since(t0);

    forensics::AnalysisOptions options;
    options.evidence_dir = dir / "evidence";
    options.yara_rules = data_dir() / "rules" / "yara";
    t0 = Clock::now();
    auto a = forensics::analyze_intrusion(guest_dir, options);
    double analysis = seconds_since(t0);
    // The same intrusion again: every blob is already in the store (a
    // rescan, or attackers bringing the same files), so none is written.
    t0 = Clock::now();
    auto again = forensics::analyze_intrusion(guest_dir, options);
    double analysis_again = seconds_since(t0);
    std::size_t extracted = 0;
    for (const auto& f : a.files) extracted += f.extracted ? 1 : 0;

    double mb = static_cast<double>(new_bytes) / 1e6;
    std::printf(
        "disk: %zu base files (%.0f MB) in a %llu MiB ext4; intruder: %zu added, %zu changed, %zu deleted "
        "(%.1f MB new content); built in %.1f s\n",
        base_files, static_cast<double>(base_bytes) / 1e6, static_cast<unsigned long long>(fs_mib), added, changed,
        deleted, mb, setup);
    std::printf("baseline, SHA-256 of the new content from host files: %.3f s (%.0f MB/s)\n", baseline, mb / baseline);
    std::printf("walk of the base (libext2fs): %zu entries in %.3f s (%.0f entries/s)\n", entries, walk,
                static_cast<double>(entries) / walk);
    std::printf("diff base vs guest: %zu changes in %.3f s\n", changes.size(), diff);
    std::printf(
        "whole analysis (diff, libmagic, evidence store, %zu YARA rules): %zu files, %zu extracted, "
        "%zu alerts in %.3f s\n",
        a.yara_rule_count, a.files.size(), extracted, a.alerts.size(), analysis);
    std::printf("again, every blob already stored: %zu files in %.3f s\n", again.files.size(), analysis_again);
    std::printf("ratio analysis/baseline: %.2f; again/baseline: %.2f; diff/baseline: %.2f\n", analysis / baseline,
                analysis_again / baseline, diff / baseline);
    std::filesystem::remove_all(dir);
    bool ok = changes.size() >= added + changed + deleted && extracted >= added + changed && a.errors.empty();
    if (!ok)
        std::fprintf(stderr, "unexpected result: %zu changes, %zu extracted, %zu errors\n", changes.size(), extracted,
                     a.errors.size());
    return ok ? 0 : 1;
}
