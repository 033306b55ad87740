#include "oyster/sensor/intrusion_pruner.h"

#include <map>

#include <nlohmann/json.hpp>

#include "oyster/common/paths.h"
#include "oyster/common/sha256.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/forensics/intrusion_analysis.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/store/json_fields.h"

namespace oyster::sensor {

using nlohmann::json;

std::set<std::string> evidence_named_by(const std::filesystem::path& guest_dir) {
    std::set<std::string> out;
    json a;
    try {
        a = json::parse(read_regular_file(forensics::analysis_file(guest_dir)), nullptr, false);
    } catch (const std::exception&) {
        return out;
    }
    if (!a.is_object()) return out;
    auto add = [&out](const json& o) {
        if (auto sha = store::str_field(o, "sha256"); is_sha256_hex(sha)) out.insert(sha);
    };
    if (auto files = a.find("files"); files != a.end() && files->is_array()) {
        for (const auto& f : *files) {
            if (store::bool_field(f, "extracted")) add(f);
        }
    }
    if (auto arts = a.find("artefacts"); arts != a.end() && arts->is_array()) {
        for (const auto& art : *arts) {
            if (store::str_field(art, "kind") == "evidence") add(art);
        }
    }
    return out;
}

PruneResult prune_to_budget(const std::filesystem::path& state_dir, const std::filesystem::path& evidence_dir,
                            std::uint64_t budget, const std::function<bool(const Intrusion&)>& busy) {
    PruneResult r;
    r.budget = budget;
    // One walk per guest directory: the sizes found here decide what goes.
    std::map<std::filesystem::path, std::uint64_t> bytes;
    for (const auto& g : load_all_guests(state_dir)) {
        if (g.owner != "sensor") continue;
        r.used_before += bytes[g.dir] = allocated_bytes(g.dir);
    }
    std::error_code ec;
    if (std::filesystem::is_directory(evidence_dir, ec)) r.used_before += allocated_bytes(evidence_dir);
    r.used_after = r.used_before;
    if (r.used_after <= budget) return r;

    auto intrusions = load_all_intrusions(state_dir);
    // Which blobs each intrusion still here names, read once, when the
    // first pruned intrusion has blobs of its own to let go.
    std::map<std::filesystem::path, std::set<std::string>> named;
    bool named_read = false;
    evidence::EvidenceStore store(evidence_dir);
    // Oldest first (ids sort by start time); open intrusions are never pruned.
    for (const auto& i : intrusions) {
        if (r.used_after <= budget) break;
        if (i.state != "closed" || busy(i)) continue;
        PrunedIntrusion p{i, bytes.contains(i.dir) ? bytes[i.dir] : allocated_bytes(i.dir), 0, {}};
        auto blobs = evidence_named_by(i.dir);
        std::filesystem::remove_all(i.dir, ec);
        if (ec) {
            p.bytes = 0;
            p.error = ec.message();
            r.pruned.push_back(std::move(p));
            continue;
        }
        if (!blobs.empty() && !named_read) {
            for (const auto& other : intrusions) named[other.dir] = evidence_named_by(other.dir);
            named_read = true;
        }
        named.erase(i.dir);
        for (const auto& sha : blobs) {
            bool kept = false;
            for (const auto& [dir, shas] : named) kept = kept || shas.contains(sha);
            if (kept) continue;
            try {
                std::uint64_t freed = store.remove(sha);
                p.bytes += freed;
                p.blobs_removed += freed > 0 ? 1 : 0;
            } catch (const std::exception& e) {
                p.error = e.what();
            }
        }
        r.used_after -= std::min(r.used_after, p.bytes);
        r.pruned.push_back(std::move(p));
    }
    return r;
}

}  // namespace oyster::sensor
