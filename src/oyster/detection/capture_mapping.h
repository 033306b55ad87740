// What Sigma rules see of a guest: its capture records as events of the
// log sources Oyster feeds, with the field names of Sysmon for Linux, which
// SigmaHQ's Linux rules are written against (docs/detection.md):
//
// - process_creation (an exec): Image, CommandLine, CurrentDirectory,
//   User, ProcessId, ParentProcessId, ParentImage, ParentCommandLine,
//   ParentUser;
// - file_event (a file opened for writing, created, linked, renamed to,
//   a directory made): TargetFilename, SourceFilename (a rename's old name),
//   Image, ProcessId, User;
// - file_delete (unlink, rmdir): TargetFilename, Image, ProcessId, User,
//   and Oyster's TargetImageRunning ("true" when a live process runs the
//   file deleted: a dropper removing its binary once started);
// - network_connection (a connect that sent a packet: succeeded, under
//   way, refused or timed out; a scanner's misses count): DestinationIp,
//   DestinationPort, Protocol, Initiated ("true"), Image, ProcessId, User;
// - login (Oyster's own: an SSH or telnet login attempt the guest's PAM
//   reported): TargetUserName, Password, SourceIp, SourcePort, Service,
//   Success ("true" or "false").
//
// A parent is known from the execs and forks the table has seen: the
// follower feeds it every record from the guest's boot on, reported or
// not. A process whose exec it never saw (a sensor restarted mid-session
// reads on from where it stopped) has an empty Image, never a made-up one.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "oyster/capture/capture_records.h"
#include "oyster/detection/sigma_event.h"

namespace oyster::detection {

// The fields each category has; null for a category Oyster does not feed.
const std::vector<std::string_view>* category_fields(std::string_view category);
// The categories, in the order docs/detection.md lists them.
const std::vector<std::string_view>& fed_categories();

// What each live process of one guest runs, by thread-group id. Bounded:
// a guest root forking without end must not grow the sensor's memory.
class ProcessTable {
public:
    static constexpr std::size_t kMaxProcesses = 1 << 16;
    // Shared, not copied: every fork copies its parent's entry.
    struct Process {
        std::shared_ptr<const std::string> image, command_line;
        std::uint32_t uid = 0;
    };

    // Updates the table from an exec, fork or exit; other records pass.
    void observe(const capture::Record& r);
    const Process* find(std::uint32_t tgid) const;
    // True when a live process runs the file at `image`.
    bool runs(const std::string& image) const { return images_.contains(image); }
    std::size_t size() const { return processes_.size(); }

private:
    void set(std::uint32_t tgid, Process p);
    void erase(std::uint32_t tgid);

    std::unordered_map<std::uint32_t, Process> processes_;
    std::unordered_map<std::string, std::size_t> images_;  // live processes per image
};

// The Sigma event a record is, or none. Call before the table observes
// the record: an exec's parent is the table's entry for its parent then.
std::optional<SigmaEvent> sigma_event_for(const capture::Record& r, const ProcessTable& processes);

// "root" for uid 0, else the number: the guest's user names are the
// guest's, and a guest root can rewrite its /etc/passwd.
std::string user_name(std::uint32_t uid);

}  // namespace oyster::detection
