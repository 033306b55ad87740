// An intrusion: what one source address did in the guest it was given, from
// its first successful login until the guest was shut down for good (it may
// sleep dormant in between, and be woken when its source returns). Its evidence stays
// together in the guest's directory: the record (intrusion.json, written
// atomically on every change), the COW disk, the raw and decoded capture,
// the pcap files and the mail the guest sent (smtp/).
//
// Intrusion ids sort by start time: <UTC yyyymmddThhmmss>-<guest id>.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace oyster {

struct Intrusion {
    std::string id;
    std::string state;  // "open" or "closed"
    std::string source_ip;
    std::string guest_id;
    std::filesystem::path dir;                                        // the guest's directory
    std::int64_t started_at = 0, last_activity_at = 0, ended_at = 0;  // unix seconds
    std::string end_reason;                                           // "idle", "guest exited", "sensor stopped", ...
    std::uint64_t connections = 0;
    std::vector<std::string> pcap_files;  // relative to dir
    std::uint64_t disk_bytes = 0;         // allocated size of dir when closed
    // Open but its guest stopped (sensor/guest_pool.h): since when; 0 while
    // the guest runs. Its source coming back boots it again from its disk.
    std::int64_t dormant_since = 0;
    std::uint32_t boots = 1;  // times its guest was booted for it

    std::filesystem::path record_path() const { return dir / "intrusion.json"; }
};

nlohmann::json to_json(const Intrusion& i);
Intrusion intrusion_from_json(const nlohmann::json& j);

std::string new_intrusion_id(const std::string& guest_id, std::int64_t started_at);

void save_intrusion(const Intrusion& i);

// Closes an open intrusion now for `reason`: records the end, the pcap files
// in <dir>/pcap and the disk it takes, and saves it.
void close_intrusion(Intrusion& i, const std::string& reason);
// nullopt if the directory holds no intrusion record. Throws oyster::Error
// for an unreadable one.
std::optional<Intrusion> load_intrusion(const std::filesystem::path& guest_dir);

// All intrusion records under <state_dir>/guests, oldest first.
std::vector<Intrusion> load_all_intrusions(const std::filesystem::path& state_dir);

// Bytes a directory tree really occupies (allocated blocks: COW files are
// sparse).
std::uint64_t allocated_bytes(const std::filesystem::path& dir);

}  // namespace oyster
