// Runs an intrusion's forensic analysis (intrusion_analysis.h) in a child
// process: `oyster forensics-worker`, started from the running binary in a
// jail (worker_jail()) with limits (CPU time, address space, file size,
// descriptors, no core). libext2fs, libmagic and libyara then parse what an
// intruder shaped in a process whose crash or hang costs only the analysis,
// never the sensor that runs the guests, and whose compromise (a parser bug
// turned into code execution) reaches only what the analysis must touch.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/config.h"
#include "oyster/common/process.h"
#include "oyster/forensics/intrusion_analysis.h"

namespace oyster::forensics {

struct WorkerLimits {
    std::chrono::seconds cpu{600};
    std::chrono::seconds wall{1800};
};

// What [forensics] in `cfg` asks for, defaults resolved.
AnalysisOptions analysis_options(const Config& cfg);

// The command line that runs the analysis of `guest_dir` with `options`
// (the child's argv, after the executable).
std::vector<std::string> worker_arguments(const std::filesystem::path& guest_dir, const AnalysisOptions& options);

// The worker's jail (common/process.h): uid 0 for root's files in its view
// but no capabilities and no_new_privs; its own pid, mount and network
// namespaces (no network but a loopback); a root holding only the program
// and its libraries, /dev/null and urandom, libmagic's database and the
// YARA rules (read-only), the base image and the guest directory
// (read-only), and, writable, the guest's forensics/ directory and the
// evidence store. No other host file, no /proc (but under AddressSanitizer,
// whose runtime reads it: a read-only one of its own), no /sys. The root is
// assembled on `staging`, an empty host directory.
ProcessJail worker_jail(const std::filesystem::path& oyster_exe, const std::filesystem::path& guest_dir,
                        const AnalysisOptions& options, const std::filesystem::path& staging);

// What the calling process can reach, as it sees it: "capabilities none,
// network lo, host /etc/shadow hidden" in the worker's jail. The worker
// writes it to its log first, so a jail that stopped applying shows.
std::string confinement_summary();

// Runs `oyster_exe` with worker_arguments() in worker_jail() (from the
// oyster process itself: "/proc/self/exe", which names the running
// binary's file), its output appended to
// <guest_dir>/forensics/worker.log, waits for it and returns the analysis
// it wrote. Throws oyster::Error with the log's last line when it failed,
// was killed, or passed a limit.
nlohmann::json run_analysis_worker(const std::filesystem::path& oyster_exe, const std::filesystem::path& guest_dir,
                                   const AnalysisOptions& options, const WorkerLimits& limits = {});

// The worker's side: analyses and writes analysis_file(guest_dir)
// atomically.
void analysis_worker_main(const std::filesystem::path& guest_dir, const AnalysisOptions& options);

}  // namespace oyster::forensics
