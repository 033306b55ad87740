// Keeps the sensor's evidence within sensor.disk_budget_mib. The guests'
// directories the sensor owns and the evidence store count together;
// over the budget, closed intrusions go, oldest first, each with the
// evidence blobs that no remaining intrusion's analysis names (a blob two
// intrusions brought stays while either is kept). Open intrusions, and
// those `busy` says are being analysed, are never pruned.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "oyster/evidence/intrusion_record.h"

namespace oyster::sensor {

struct PrunedIntrusion {
    Intrusion intrusion;
    std::uint64_t bytes = 0;        // its directory and blobs, allocated
    std::size_t blobs_removed = 0;  // evidence blobs only it named
    std::string error;              // why it could not be removed, or empty
};

struct PruneResult {
    std::uint64_t budget = 0, used_before = 0, used_after = 0;
    std::vector<PrunedIntrusion> pruned;  // and failed attempts, with error set
};

PruneResult prune_to_budget(const std::filesystem::path& state_dir, const std::filesystem::path& evidence_dir,
                            std::uint64_t budget, const std::function<bool(const Intrusion&)>& busy);

// The evidence blobs (SHA-256s) an intrusion's analysis says it extracted
// into the store; empty without a readable analysis. The analysis comes
// from a jailed worker and is read as untrusted: only well-formed hashes.
std::set<std::string> evidence_named_by(const std::filesystem::path& guest_dir);

}  // namespace oyster::sensor
