#include "oyster/forensics/intrusion_analysis.h"

#include <chrono>
#include <fstream>
#include <map>
#include <set>

#include <fmt/chrono.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/capture/guest_noise.h"
#include "oyster/capture/tty_replay.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/sha256.h"
#include "oyster/common/text_lines.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/forensics/disk_view.h"
#include "oyster/forensics/file_type.h"
#include "oyster/forensics/fs_diff.h"
#include "oyster/forensics/partition_table.h"
#include "oyster/forensics/yara_rules.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/store/json_fields.h"

namespace oyster::forensics {
namespace {

using nlohmann::json;

// An exec event is a few KiB (argv is bounded by the kernel side); a
// longer line in the decoded capture is not one of the decoder's.
constexpr std::size_t kMaxCaptureLine = 1U << 20;

std::string utc_now() {
    auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    return fmt::format("{:%Y-%m-%dT%H:%M:%S}Z", now);
}

// Streams one regular file of the guest into the evidence store, keeping
// its start for typing. Returns the blob's SHA-256 ("" when not extracted).
struct Extracted {
    std::string sha256;
    std::vector<std::uint8_t> head;
    bool whole = false;
};

Extracted extract(const ExtFs& fs, const FsEntry& e, const evidence::EvidenceStore& store, std::uint64_t max_bytes) {
    Extracted x;
    bool take = e.size <= max_bytes;
    std::optional<evidence::EvidenceStore::Writer> writer;
    if (take) writer.emplace(store);
    std::uint64_t limit = take ? e.size : std::min<std::uint64_t>(e.size, FileTyper::kSniffBytes);
    fs.read(e.ino, limit, [&](const std::uint8_t* p, std::size_t n) {
        if (x.head.size() < FileTyper::kSniffBytes) {
            std::size_t keep = std::min(n, FileTyper::kSniffBytes - x.head.size());
            x.head.insert(x.head.end(), p, p + keep);
        }
        if (writer) writer->write(p, n);
    });
    if (writer) {
        x.sha256 = writer->commit();
        x.whole = true;
    }
    return x;
}

struct ExecutedFile {
    std::string path;
    std::uint64_t executions = 0;
    bool complete = true;
};

// A file the guest kernel kept before a call destroyed its content.
struct KeptFile {
    std::string path, syscall;
    bool complete = true;
};

// What the decoder stored in files/<sha256>, out of the decoded capture's
// events: executed files with the path each was run from, and kept files
// with the path and the call that was about to destroy them.
struct CapturedFiles {
    std::map<std::string, ExecutedFile> executed;
    std::map<std::string, KeptFile> kept;
};

CapturedFiles captured_files(const std::filesystem::path& decoded_dir) {
    CapturedFiles out;
    std::ifstream in(decoded_dir / "events.jsonl");
    if (!in) return out;
    std::map<std::uint64_t, std::string> path_of_exec;  // exec seq -> path
    std::map<std::uint64_t, KeptFile> kept_by_seq;
    std::map<std::string, std::uint64_t> runs_of_path;
    std::string line;
    while (getline_bounded(in, line, kMaxCaptureLine)) {
        if (line.size() > kMaxCaptureLine) continue;
        auto j = json::parse(line, nullptr, false);
        if (!j.is_object()) continue;
        std::string type = j.value("type", "");
        auto seq = j.find(type == "exec" || type == "kept" ? "seq" : "exec_seq");
        std::optional<std::uint64_t> seq_value;
        if (seq != j.end() && seq->is_number_unsigned()) seq_value = seq->get<std::uint64_t>();
        if (type == "exec") {
            std::string path = store::str_field(j, "path");
            if (path.empty()) continue;
            ++runs_of_path[path];
            if (seq_value) path_of_exec[*seq_value] = path;
        } else if (type == "kept") {
            if (seq_value)
                kept_by_seq[*seq_value] = {store::str_field(j, "path"), store::str_field(j, "syscall"), true};
        } else if (type == "exec_content" || type == "kept_content") {
            std::string sha = store::str_field(j, "sha256");
            if (!is_sha256_hex(sha)) continue;
            bool complete = j.value("complete", false);
            if (type == "exec_content") {
                auto& f = out.executed[sha];
                if (seq_value) {
                    if (auto p = path_of_exec.find(*seq_value); p != path_of_exec.end()) f.path = p->second;
                }
                f.complete = complete;
            } else {
                auto& f = out.kept[sha];
                if (seq_value) {
                    if (auto k = kept_by_seq.find(*seq_value); k != kept_by_seq.end()) f = k->second;
                }
                f.complete = complete;
            }
        }
    }
    for (auto& [sha, f] : out.executed) {
        if (auto r = runs_of_path.find(f.path); r != runs_of_path.end()) f.executions = r->second;
    }
    return out;
}

// What a kept file's content was about to be lost to.
std::string kept_because(const std::string& syscall) {
    if (syscall.starts_with("unlink")) return "unlinked";
    if (syscall.starts_with("rename")) return "replaced by a rename";
    return "truncated";
}

std::string hash_or_empty(const std::filesystem::path& p, std::vector<std::string>& errors) {
    try {
        return sha256_file(p);
    } catch (const std::exception& e) {
        errors.push_back(e.what());
        return {};
    }
}

void add_artefact(IntrusionAnalysis& a, const std::filesystem::path& guest_dir, const std::filesystem::path& file,
                  const std::string& kind, std::optional<std::uint64_t> tty_seq = std::nullopt) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec) || std::filesystem::is_symlink(file, ec)) return;
    Artefact art;
    art.kind = kind;
    art.path = std::filesystem::relative(file, guest_dir, ec).string();
    art.size = std::filesystem::file_size(file, ec);
    art.sha256 = hash_or_empty(file, a.errors);
    art.tty_seq = tty_seq;
    a.artefacts.push_back(std::move(art));
}

void list_artefacts(IntrusionAnalysis& a, const std::filesystem::path& guest_dir, const GuestRecord& guest) {
    add_artefact(a, guest_dir, guest.capture_file(), "capture");
    add_artefact(a, guest_dir, guest.capture_dir() / "events.jsonl", "capture_events");
    add_artefact(a, guest_dir, guest.console_log(), "console");
    for (const auto& r : capture::list_tty_recordings(guest.capture_dir())) {
        add_artefact(a, guest_dir, r.cast, "asciicast", r.seq);
        add_artefact(a, guest_dir, guest.capture_dir() / "tty" / (r.name + ".ttylog"), "tty_log", r.seq);
    }
    std::error_code ec;
    for (const auto& [sub, kind] : {std::pair{"pcap", "pcap"}, std::pair{"smtp", "mail"}}) {
        std::vector<std::filesystem::path> found;
        for (const auto& e : std::filesystem::directory_iterator(guest_dir / sub, ec)) found.push_back(e.path());
        std::sort(found.begin(), found.end());
        for (const auto& f : found) add_artefact(a, guest_dir, f, kind);
    }
}

}  // namespace

IntrusionAnalysis analyze_intrusion(const std::filesystem::path& guest_dir, const AnalysisOptions& options) {
    auto t0 = std::chrono::steady_clock::now();
    IntrusionAnalysis a;
    a.analyzed_at = utc_now();
    {
        auto j = json::parse(read_file(guest_dir / "intrusion.json"), nullptr, false);
        if (j.is_object() && j.contains("id") && j["id"].is_string()) a.intrusion_id = j["id"].get<std::string>();
    }
    GuestRecord guest = load_guest(guest_dir);
    evidence::EvidenceStore store(options.evidence_dir);
    FileTyper typer;
    std::optional<YaraRules> rules;
    if (!options.yara_rules.empty()) {
        rules.emplace(options.yara_rules);
        a.yara_rule_count = rules->rule_count();
    }
    auto scan = [&](AnalyzedFile& f) {
        if (!rules || !f.extracted) return;
        try {
            for (auto& m : rules->scan(store.path_for(f.sha256), {f.path, f.change})) {
                a.alerts.push_back(
                    {m.rule, m.rule_file, m.tags, m.description, m.severity, f.path, f.sha256, f.change});
            }
        } catch (const Error& e) {
            a.errors.push_back(e.what());
        }
    };

    // The guest's record, not the COW header, names the base image: the
    // record is Oyster's, the COW file the guest's.
    DiskView base_disk(guest.image);
    DiskView guest_disk(guest.image, guest.cow);
    std::vector<std::uint8_t> mbr(512);
    base_disk.read(0, mbr);
    auto part = first_linux_partition(mbr, base_disk.size());
    if (!part) throw Error(fmt::format("{}: no Linux partition in the base image", guest.image.string()));
    ExtFs before(base_disk, *part), now(guest_disk, *part);
    if (const JournalOverlay* j = now.journal()) {
        a.journal = IntrusionAnalysis::JournalReplay{j->transactions, j->blocks.size(), j->revoked, j->end};
    }

    for (auto& c : diff_filesystems(before, now)) {
        AnalyzedFile f;
        f.change = kind_name(c.kind);
        f.path = std::move(c.path);
        f.what = std::move(c.what);
        f.before = std::move(c.before);
        f.after = std::move(c.after);
        f.sha256 = std::move(c.sha256);
        f.sha256_before = std::move(c.sha256_before);
        f.noise = std::move(c.noise);
        bool regular = f.after && (f.after->mode & 0170000) == 0100000;
        bool content_new =
            f.change == "added" || (f.change == "changed" && !f.sha256.empty() && f.sha256 != f.sha256_before);
        if (regular && f.noise.empty() && content_new && !f.sha256.empty() && store.contains(f.sha256)) {
            // Brought before (by this or another intrusion): the blob is
            // there, by its hash; typed from it, not written again.
            auto t = typer.type_of_file(store.path_for(f.sha256));
            f.type = std::move(t.description);
            f.mime = std::move(t.mime);
            f.extracted = true;
            scan(f);
        } else if (regular && f.noise.empty() && content_new) {
            try {
                auto x = extract(now, *f.after, store, options.max_extract_bytes);
                auto t = x.whole ? typer.type_of_file(store.path_for(x.sha256)) : typer.type_of(x.head);
                f.type = std::move(t.description);
                f.mime = std::move(t.mime);
                if (x.whole) {
                    f.extracted = true;
                    f.sha256 = x.sha256;
                } else {
                    f.note = fmt::format("larger than {} bytes: not extracted or scanned", options.max_extract_bytes);
                }
            } catch (const std::exception& e) {
                a.errors.push_back(fmt::format("{}: {}", f.path, e.what()));
            }
            scan(f);
        } else if (f.after && (f.after->mode & 0170000) == 0040000) {
            f.type = "directory";
            f.mime = "inode/directory";
        } else if (f.after && (f.after->mode & 0170000) == 0120000) {
            f.type = "symbolic link";
            f.mime = "inode/symlink";
        }
        a.files.push_back(std::move(f));
    }

    // A file the decoder stored, named by the hash it computed of it: a
    // blob of that name is these bytes, and is not copied again.
    auto keep_captured = [&](AnalyzedFile& f, bool complete) {
        auto stored = guest.capture_dir() / "files" / f.sha256;
        std::error_code ec;
        if (!std::filesystem::is_regular_file(stored, ec)) return false;
        if (!complete) f.note = "the capture holds only the start of this file";
        try {
            f.extracted = store.contains(f.sha256) || store.put_file(stored) == f.sha256;
            auto t = typer.type_of_file(stored);
            f.type = std::move(t.description);
            f.mime = std::move(t.mime);
        } catch (const std::exception& e) {
            a.errors.push_back(fmt::format("{} {}: {}", f.change, f.path, e.what()));
        }
        return true;
    };
    auto captured = captured_files(guest.capture_dir());
    std::set<std::string> on_disk;  // content the disk still holds, listed above
    for (const auto& f : a.files) {
        if (f.extracted) on_disk.insert(f.sha256);
    }
    for (const auto& [sha, x] : captured.kept) {
        // Content that is still on the disk is listed as added or changed;
        // this is what the intruder removed or overwrote.
        if (on_disk.contains(sha)) continue;
        AnalyzedFile f;
        f.change = "kept";
        f.path = x.path;
        f.sha256 = sha;
        f.what = {kept_because(x.syscall)};
        f.noise = capture::noise_rule(f.path);
        if (!keep_captured(f, x.complete)) continue;
        if (f.noise.empty()) scan(f);
        a.files.push_back(std::move(f));
    }
    for (const auto& [sha, x] : captured.executed) {
        AnalyzedFile f;
        f.change = "executed";
        f.path = x.path;
        f.sha256 = sha;
        f.executions = x.executions;
        if (!keep_captured(f, x.complete)) continue;
        try {
            if (auto base = before.lookup(f.path); base && (base->mode & 0170000) == 0100000) {
                Sha256Stream h;
                before.read(base->ino, base->size, [&](const std::uint8_t* p, std::size_t n) { h.update(p, n); });
                f.in_base_image = h.hex_digest() == sha;
            }
        } catch (const std::exception& e) {
            a.errors.push_back(fmt::format("executed {}: the base image's copy: {}", f.path, e.what()));
        }
        scan(f);
        a.files.push_back(std::move(f));
    }

    list_artefacts(a, guest_dir, guest);
    std::map<std::string, bool> blob_listed;
    for (const auto& f : a.files) {
        if (!f.extracted || blob_listed[f.sha256]) continue;
        blob_listed[f.sha256] = true;
        std::error_code ec;
        auto blob = store.path_for(f.sha256);
        a.artefacts.push_back({"evidence", blob.string(), std::filesystem::file_size(blob, ec), f.sha256, {}});
    }
    a.duration_ms = static_cast<std::uint64_t>(
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count());
    return a;
}

namespace {

json entry_json(const std::optional<FsEntry>& e) {
    if (!e) return nullptr;
    return {{"ino", e->ino},    {"mode", fmt::format("{:o}", e->mode)},
            {"uid", e->uid},    {"gid", e->gid},
            {"size", e->size},  {"mtime", e->mtime},
            {"links", e->links}};
}

json or_null(const std::string& s) {
    return s.empty() ? json(nullptr) : json(s);
}

}  // namespace

json to_json(const AnalyzedFile& f) {
    json j = {{"change", f.change},
              {"path", f.path},
              {"what", f.what},
              {"before", entry_json(f.before)},
              {"after", entry_json(f.after)},
              {"sha256", or_null(f.sha256)},
              {"sha256_before", or_null(f.sha256_before)},
              {"noise", or_null(f.noise)},
              {"file_type", or_null(f.type)},
              {"mime", or_null(f.mime)},
              {"extracted", f.extracted},
              {"note", or_null(f.note)}};
    if (f.change == "executed") {
        j["executions"] = f.executions;
        j["in_base_image"] = f.in_base_image;
    }
    return j;
}

json to_json(const IntrusionAnalysis& a) {
    json files = json::array(), alerts = json::array(), artefacts = json::array();
    for (const auto& f : a.files) files.push_back(to_json(f));
    for (const auto& al : a.alerts) {
        alerts.push_back({{"rule", al.rule},
                          {"rule_file", al.rule_file},
                          {"tags", al.tags},
                          {"description", al.description},
                          {"severity", al.severity},
                          {"path", al.path},
                          {"sha256", al.sha256},
                          {"change", al.change}});
    }
    for (const auto& art : a.artefacts) {
        json j = {{"kind", art.kind}, {"path", art.path}, {"size", art.size}, {"sha256", or_null(art.sha256)}};
        if (art.tty_seq) j["tty_seq"] = *art.tty_seq;
        artefacts.push_back(std::move(j));
    }
    json journal = nullptr;
    if (a.journal) {
        journal = {{"transactions", a.journal->transactions},
                   {"blocks", a.journal->blocks},
                   {"revoked", a.journal->revoked},
                   {"end", or_null(a.journal->end)}};
    }
    return {{"version", 1},
            {"intrusion_id", a.intrusion_id},
            {"analyzed_at", a.analyzed_at},
            {"duration_ms", a.duration_ms},
            {"yara_rules", a.yara_rule_count},
            {"journal_replay", journal},
            {"files", files},
            {"alerts", alerts},
            {"artefacts", artefacts},
            {"errors", a.errors}};
}

}  // namespace oyster::forensics
