// Runs an intrusion's forensic analysis (intrusion_analysis.h) in a child
// process: `oyster forensics-worker`, started from the running binary with
// limits (CPU time, address space, file size, descriptors, no core, no new
// privileges, its own pid namespace). libext2fs, libmagic and libyara then parse what
// an intruder shaped in a process whose crash or hang costs only the
// analysis, never the sensor that runs the guests.
#pragma once

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/config.h"
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

// Runs `oyster_exe` with worker_arguments() (from the oyster process
// itself: "/proc/self/exe", which execs this very binary even after an
// upgrade replaced the file), its output appended to
// <guest_dir>/forensics/worker.log, waits for it and returns the analysis
// it wrote. Throws oyster::Error with the log's last line when it failed,
// was killed, or passed a limit.
nlohmann::json run_analysis_worker(const std::filesystem::path& oyster_exe, const std::filesystem::path& guest_dir,
                                   const AnalysisOptions& options, const WorkerLimits& limits = {});

// The worker's side: analyses and writes analysis_file(guest_dir)
// atomically.
void analysis_worker_main(const std::filesystem::path& guest_dir, const AnalysisOptions& options);

}  // namespace oyster::forensics
