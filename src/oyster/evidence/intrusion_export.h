// `oyster export`: one intrusion's evidence in one archive, for a case file
// or another analyst: its events from the store, the guest's raw and
// decoded capture (terminal recordings as asciicast and Cowrie tty_log,
// executed files by SHA-256), the packet captures, the mail it tried to
// send, its records and console, the forensic analysis with the files it
// took into the evidence store (evidence/<sha256>), and a MANIFEST.json
// listing every member with its size and SHA-256 (and the intrusion's
// sessions, files and alerts). The COW disk is left out (its size; it stays
// in the guest's directory).
#pragma once

#include <cstdint>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "oyster/store/sql_db.h"

namespace oyster::evidence {

struct ExportResult {
    std::uint64_t members = 0;
    std::uint64_t bytes = 0;   // of the members' contents
    bool decoded_now = false;  // the guest had no decode: its capture was decoded for the export
};

// Writes the archive of `intrusion` (an object of store::find_intrusion)
// to `out` (a tar, gzip-compressed when `gzip`), all members under
// "<intrusion id>/". The archive appears complete or not at all (written
// beside `out`, then renamed). Throws oyster::Error.
ExportResult export_intrusion(store::SqlDb& db, const nlohmann::json& intrusion, const std::filesystem::path& out,
                              bool gzip);

}  // namespace oyster::evidence
