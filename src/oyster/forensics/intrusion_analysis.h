// The forensic analysis of one intrusion, run once its guest has stopped
// (and on demand): what the intruder changed on the disk (fs_diff.h), each
// file typed by content (file_type.h), the content of every added or
// changed file and of every executed file (the decoded capture's files/)
// taken into the content-addressed evidence store, each blob scanned with
// the operator's YARA rules (yara_rules.h), and the intrusion's artefacts
// (capture, recordings, pcaps, mail) listed with their SHA-256.
//
// The result is written to <guest dir>/forensics/analysis.json (atomically)
// and is what the sensor turns into `forensic_file`, `alert`, `artefact`
// and `forensics_done` events (docs/forensics.md).
//
// Everything read here is the attacker's: the filesystem, the capture
// directory's index and events. The sensor runs the analysis in a child
// process of its own (analysis_worker.h), so a parser that trips over
// crafted input takes down that child, not the sensor.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "oyster/forensics/ext_fs.h"

namespace oyster::forensics {

struct AnalysisOptions {
    std::filesystem::path evidence_dir;  // the evidence store's root
    std::filesystem::path yara_rules;    // a rules directory; empty: no scan
    // Larger files are listed (and typed from their start) but not taken
    // into the evidence store or scanned.
    std::uint64_t max_extract_bytes = std::uint64_t{64} << 20;
};

struct AnalyzedFile {
    std::string change;  // "added", "changed", "deleted", "executed", "kept" (content removed)
    std::string path;    // in the guest
    std::vector<std::string> what;
    std::optional<FsEntry> before, after;
    std::string sha256, sha256_before;
    std::string noise;       // the noise rule that matched, or empty
    std::string type, mime;  // libmagic; empty for deletions and non-regular files
    bool extracted = false;  // the content (sha256) is in the evidence store
    std::string note;        // why the content was not extracted, or empty
    // Executed files: how often, and whether the base image has this very
    // file at this path (a system program, not something brought in).
    std::uint64_t executions = 0;
    bool in_base_image = false;
};

struct Alert {
    std::string rule, rule_file;
    std::vector<std::string> tags;
    std::string description, severity;
    std::string path, sha256, change;  // the file it matched
};

struct Artefact {
    std::string kind;  // capture, capture_events, asciicast, tty_log, pcap, mail, console, evidence
    std::string path;  // relative to the guest directory; evidence: the blob's absolute path
    std::uint64_t size = 0;
    std::string sha256;
    std::optional<std::uint64_t> tty_seq;  // recordings: the tty_open record's seq
};

struct IntrusionAnalysis {
    std::string intrusion_id;
    std::string analyzed_at;  // RFC 3339 UTC
    std::uint64_t duration_ms = 0;
    std::size_t yara_rule_count = 0;
    std::vector<AnalyzedFile> files;  // changes in fs_diff order, then executed files
    std::vector<Alert> alerts;
    std::vector<Artefact> artefacts;
    std::vector<std::string> errors;  // a step that failed and what the analysis lacks for it
    // The guest's filesystem needed recovery: its journal's committed
    // transactions were replayed (ext4_journal.h) before the diff.
    struct JournalReplay {
        std::uint64_t transactions = 0, blocks = 0, revoked = 0;
        std::string end;  // why the scan stopped early, if it did
    };
    std::optional<JournalReplay> journal;
};

// Throws oyster::Error when the guest's disk or the rules cannot be read;
// a single file that cannot be read, typed or scanned is an entry in
// `errors`, not a failure.
IntrusionAnalysis analyze_intrusion(const std::filesystem::path& guest_dir, const AnalysisOptions& options);

nlohmann::json to_json(const IntrusionAnalysis& a);
nlohmann::json to_json(const AnalyzedFile& f);

inline std::filesystem::path analysis_file(const std::filesystem::path& guest_dir) {
    return guest_dir / "forensics" / "analysis.json";
}

}  // namespace oyster::forensics
