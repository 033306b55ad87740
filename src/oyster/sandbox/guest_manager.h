// Booting and stopping guests: one UML process per guest, booted from the
// read-only base image plus a COW file of its own, on a tap of its own.
//
// A guest's lifecycle is recorded in its GuestRecord before and after every
// step that changes the host (tap created, process started, process gone), so
// a crash of the calling process never loses track of a running guest.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/sandbox/platform.h"

namespace oyster {

struct StartOptions {
    // Boot from this existing COW file (a stopped guest's disk) instead of a
    // new one. Its header must name the platform's base image.
    std::optional<std::filesystem::path> reuse_cow;
    // Boot this stopped guest again, in place: same id, directory, disk and
    // capture file (its kernel appends a new stream), a new address. How a
    // dormant guest is woken for its returning source.
    std::optional<GuestRecord> restart;
    bool wait_for_ssh = true;
    // Recorded in GuestRecord::owner.
    std::string owner;
    // Show the image's Debian kernel identity (guest_identity.h). Off only
    // to prove the stealth battery finds what the disguise hides.
    bool disguise = true;
    // Called once the guest's tap exists and before UML starts, so that a
    // packet capture sees the guest's first packet. May throw to abort.
    std::function<void(const GuestRecord&)> on_tap_ready;
};

// Boots a guest and, unless told otherwise, waits until its sshd listens
// (asked of its kernel, never by connecting: sandbox/tcp_listeners.h).
// Throws oyster::Error (with the console's last lines when the guest died)
// and removes what it made on failure, keeping the record and console.
GuestRecord start_guest(const Config& cfg, const Platform& platform, const StartOptions& opts, std::ostream& log);

// Shuts a guest down: ctrl-alt-del through mconsole (the image maps it to a
// clean poweroff), then mconsole halt, then SIGKILL of its process group, each
// after a timeout. Removes its tap; keeps its COW file and console log.
// Waits for its capture writer, then decodes the capture into capture/
// unless `decode_capture` is false (the sensor decodes as records arrive).
GuestRecord stop_guest(const Config& cfg, const std::string& id, std::ostream& log, bool decode_capture = true);

// Records that a running guest's processes were moved to `cpu`
// (sandbox/guest_placement.h); a guest stopped meanwhile keeps its record.
void record_guest_cpu(const Config& cfg, const std::string& id, int cpu);

// Removes the containment table if no guest of this network namespace is
// running or starting (it is shared by all of them).
void release_guest_containment(const Config& cfg);

// Decodes a guest's capture file into <guest dir>/capture/ (events.jsonl,
// tty/, files/), replacing an earlier decode.
void decode_guest_capture(const GuestRecord& g, std::ostream& log);

// All recorded guests; a "running" guest whose process is gone is reported as
// "exited".
std::vector<GuestRecord> list_guests(const Config& cfg);

// The UML command line for a guest (exposed for tests and docs).
std::vector<std::string> uml_command_line(const Config& cfg, const Platform& platform, const GuestRecord& g);

}  // namespace oyster
