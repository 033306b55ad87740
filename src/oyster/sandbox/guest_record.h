// What Oyster knows about one guest, kept in <state_dir>/guests/<id>/guest.json
// (written atomically, so a crash of the CLI or the sensor never leaves a torn
// record) next to the guest's COW file and console log.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace oyster {

struct GuestRecord {
    std::string id;
    std::string state;  // "running" or "stopped"
    pid_t pid = 0;
    std::uint64_t pid_start_time = 0;
    std::uint32_t slot = 0;
    std::string tap;
    std::string host_ip, guest_ip;  // the gateway (shared, common/ipv4.h) and the guest's address
    unsigned prefix_len = 0;        // of the subnet the guest is shown
    std::string mac;
    std::filesystem::path dir;  // <state_dir>/guests/<id>
    std::filesystem::path cow;
    std::filesystem::path kernel, image;
    std::uint64_t netns_inode = 0;                // network namespace the tap lives in
    std::int64_t started_at = 0, stopped_at = 0;  // unix seconds
    std::int64_t boot_ms = 0;                     // UML start to SSH banner
    // "sensor" for guests `oyster run` owns (it re-adopts them after a
    // restart); empty for guests started from the command line.
    std::string owner;
    // The host CPU its processes are pinned to; -1: not pinned
    // (sandbox/guest_placement.h).
    int cpu = -1;
    // The capture writer draining the guest's capture pipe
    // (capture/capture_writer.h); 0: capture off, or a guest from before it.
    pid_t writer_pid = 0;
    std::uint64_t writer_start_time = 0;
    // The console writer draining the UML process's stdout and stderr into
    // console.log (capture/console_writer.h); 0: a guest from before it.
    pid_t console_writer_pid = 0;
    std::uint64_t console_writer_start_time = 0;

    std::filesystem::path console_log() const { return dir / "console.log"; }
    // Raw capture stream the guest kernel writes, and where it is decoded.
    std::filesystem::path capture_file() const { return dir / "capture.bin"; }
    std::filesystem::path capture_dir() const { return dir / "capture"; }
    // When the host received each part of capture.bin (capture/receive_times.h).
    std::filesystem::path capture_times_file() const { return dir / "capture.times"; }
    // How far the sensor's capture followers have read capture.bin
    // (sensor/capture_follower.h).
    std::filesystem::path capture_progress_file() const { return dir / "capture.progress"; }
    std::filesystem::path capture_writer_log() const { return dir / "capture-writer.log"; }
    std::filesystem::path console_writer_log() const { return dir / "console-writer.log"; }
    std::filesystem::path uml_dir() const { return dir / "uml"; }
    // Empty on the host: the UML process's jail root is assembled on it in
    // the process's own mount namespace (jail/guest_jail.h).
    std::filesystem::path jail_dir() const { return dir / "jail"; }
    std::filesystem::path mconsole_socket() const { return uml_dir() / id / "mconsole"; }
    std::filesystem::path record_path() const { return dir / "guest.json"; }
    std::filesystem::path pcap_dir() const { return dir / "pcap"; }
};

nlohmann::json to_json(const GuestRecord& g);
GuestRecord guest_from_json(const nlohmann::json& j);

void save_guest(const GuestRecord& g);
GuestRecord load_guest(const std::filesystem::path& guest_dir);

// All guests under <state_dir>/guests, ordered by start time. Unreadable
// records are reported on stderr and skipped, not fatal.
std::vector<GuestRecord> load_all_guests(const std::filesystem::path& state_dir);

}  // namespace oyster
