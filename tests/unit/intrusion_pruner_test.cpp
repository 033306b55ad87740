#include "oyster/sensor/intrusion_pruner.h"

#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "oyster/common/sha256.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/sandbox/guest_record.h"
#include "temp_dir.h"

namespace oyster::sensor {
namespace {

class IntrusionPrunerTest : public testing::TempDirTest {
protected:
    std::filesystem::path state() const { return dir / "state"; }
    std::filesystem::path evidence() const { return dir / "evidence"; }

    // A blob of `kib` KiB in the evidence store; returns its hash.
    std::string blob(char fill, std::size_t kib) {
        auto src = dir / "src";
        std::ofstream(src, std::ios::binary) << std::string(kib << 10, fill);
        return evidence::EvidenceStore(evidence()).put_file(src);
    }

    // A guest directory holding a closed or open intrusion whose analysis
    // extracted `blobs`, and `kib` KiB of capture.
    Intrusion intrusion(const std::string& id, const std::string& state_name, std::vector<std::string> blobs,
                        std::size_t kib = 64) {
        GuestRecord g;
        g.id = id;
        g.state = "stopped";
        g.owner = "sensor";
        g.dir = state() / "guests" / id;
        std::filesystem::create_directories(g.dir / "forensics");
        save_guest(g);
        Intrusion i;
        i.id = "20261204T0000" + id + "-" + id;
        i.state = state_name;
        i.guest_id = id;
        i.source_ip = "203.0.113.7";
        i.dir = g.dir;
        save_intrusion(i);
        std::ofstream(g.dir / "capture.bin", std::ios::binary) << std::string(kib << 10, 'c');
        nlohmann::json files = nlohmann::json::array();
        for (const auto& sha : blobs) files.push_back({{"change", "added"}, {"sha256", sha}, {"extracted", true}});
        // A hash the worker did not extract names nothing to keep.
        files.push_back({{"change", "deleted"}, {"sha256", std::string(64, 'a')}, {"extracted", false}});
        std::ofstream(g.dir / "forensics" / "analysis.json") << nlohmann::json{{"files", files}}.dump();
        return i;
    }
};

TEST_F(IntrusionPrunerTest, WithinBudgetNothingGoes) {
    intrusion("aa0001", "closed", {blob('x', 8)});
    auto r = prune_to_budget(state(), evidence(), 1ULL << 30, [](const Intrusion&) { return false; });
    EXPECT_TRUE(r.pruned.empty());
    EXPECT_GT(r.used_before, 64u << 10);
    EXPECT_TRUE(std::filesystem::exists(state() / "guests" / "aa0001"));
}

// The oldest closed intrusion goes with the blob only it named; the blob
// it shared with a later one stays; open and busy intrusions stay.
TEST_F(IntrusionPrunerTest, TheOldestClosedGoesWithTheBlobsOnlyItNamed) {
    std::string own = blob('o', 256), shared = blob('s', 256), later = blob('l', 8);
    intrusion("aa0001", "closed", {own, shared});
    intrusion("aa0002", "open", {}, 512);
    auto busy = intrusion("aa0003", "closed", {});
    intrusion("aa0004", "closed", {shared, later});
    evidence::EvidenceStore store(evidence());
    // Over by a little: the first closed intrusion (capture + its own blob) is enough.
    auto before = prune_to_budget(state(), evidence(), 1ULL << 40, [](const Intrusion&) { return false; });
    auto r = prune_to_budget(state(), evidence(), before.used_before - (100u << 10),
                             [&](const Intrusion& i) { return i.dir == busy.dir; });
    ASSERT_EQ(r.pruned.size(), 1u);
    EXPECT_EQ(r.pruned[0].intrusion.guest_id, "aa0001");
    EXPECT_EQ(r.pruned[0].blobs_removed, 1u);
    EXPECT_EQ(r.pruned[0].error, "");
    EXPECT_GE(r.pruned[0].bytes, (64u + 256u) << 10);
    EXPECT_LE(r.used_after, r.budget);
    EXPECT_FALSE(std::filesystem::exists(state() / "guests" / "aa0001"));
    EXPECT_FALSE(store.contains(own));
    EXPECT_TRUE(store.contains(shared));
    EXPECT_TRUE(store.contains(later));

    // Far over: every closed intrusion not being analysed goes, the open one
    // and the busy one stay, and the last holder's blobs go with it.
    r = prune_to_budget(state(), evidence(), 1, [&](const Intrusion& i) { return i.dir == busy.dir; });
    ASSERT_EQ(r.pruned.size(), 1u);
    EXPECT_EQ(r.pruned[0].intrusion.guest_id, "aa0004");
    EXPECT_EQ(r.pruned[0].blobs_removed, 2u);
    EXPECT_FALSE(store.contains(shared));
    EXPECT_FALSE(store.contains(later));
    EXPECT_TRUE(std::filesystem::exists(state() / "guests" / "aa0002"));
    EXPECT_TRUE(std::filesystem::exists(state() / "guests" / "aa0003"));
}

// The analysis is the jailed worker's word: a malformed one names nothing.
TEST_F(IntrusionPrunerTest, AMalformedAnalysisNamesNothing) {
    auto i = intrusion("aa0001", "closed", {});
    std::ofstream(i.dir / "forensics" / "analysis.json")
        << R"({"files": [{"sha256": "../../etc/passwd", "extracted": true}, 7, {"sha256": 5, "extracted": true}],
              "artefacts": {"kind": "evidence"}})";
    EXPECT_TRUE(evidence_named_by(i.dir).empty());
    std::ofstream(i.dir / "forensics" / "analysis.json") << "[1, 2";
    EXPECT_TRUE(evidence_named_by(i.dir).empty());
}

}  // namespace
}  // namespace oyster::sensor
