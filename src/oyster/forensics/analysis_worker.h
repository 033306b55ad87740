// Runs an intrusion's forensic analysis (intrusion_analysis.h) in a child
// process: `oyster-forensics-worker`, a small program installed beside
// `oyster` that links only the analysis (forensics_worker_main.cpp), in a
// jail (worker_jail()) with limits (CPU time, address space, file size,
// descriptors, no core). libext2fs, libmagic and libyara then parse what an
// intruder shaped in a process whose crash or hang costs only the analysis,
// never the sensor that runs the guests, and whose compromise (a parser bug
// turned into code execution) reaches only what the analysis must touch.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/config.h"
#include "oyster/forensics/intrusion_analysis.h"
#include "oyster/jail/process_jail.h"
#include "oyster/jail/worker_jail.h"

namespace oyster::forensics {

struct WorkerLimits {
    std::chrono::seconds cpu{600};
    std::chrono::seconds wall{1800};
};

// oyster-forensics-worker, beside the running program.
std::filesystem::path worker_program();

// What [forensics] in `cfg` asks for, defaults resolved.
AnalysisOptions analysis_options(const Config& cfg);

// The command line that runs the analysis of `guest_dir` with `options`
// (the child's argv, after the executable).
std::vector<std::string> worker_arguments(const std::filesystem::path& guest_dir, const AnalysisOptions& options);

// The worker's jail on this host (jail/worker_jail.h) for the analysis of
// `guest_dir` with `options`: in the user namespace `user_namespace_fd`
// (whose uid 0 is kForensicsWorkerUid) or, when it is -1, as host uid 0
// without capabilities. The root is assembled on `staging`, an empty host
// directory.
ProcessJail worker_jail(const std::filesystem::path& worker_exe, const std::filesystem::path& guest_dir,
                        const AnalysisOptions& options, const std::filesystem::path& staging,
                        int user_namespace_fd = -1);

// What the calling process can reach, as it sees it: "capabilities none,
// user namespace own, network lo, host /etc/shadow hidden" in the worker's
// jail ("user namespace own": host root's files are nobody's to it, so it
// is not host root). The worker writes it to its log first, so a jail that
// stopped applying shows.
std::string confinement_summary();

// Runs `worker_exe` (worker_program(), or a build's) with
// worker_arguments() in worker_jail(), in a user namespace made for the
// run; as host uid 0 without capabilities only when the host cannot give
// it one (user namespaces disabled, a filesystem without idmapped mounts),
// which its log says first, its output appended to
// <guest_dir>/forensics/worker.log, waits for it and returns the analysis
// it wrote. Throws oyster::Error with the log's last line when it failed,
// was killed, or passed a limit.
nlohmann::json run_analysis_worker(const std::filesystem::path& worker_exe, const std::filesystem::path& guest_dir,
                                   const AnalysisOptions& options, const WorkerLimits& limits = {});

// The worker's side: analyses and writes analysis_file(guest_dir)
// atomically.
void analysis_worker_main(const std::filesystem::path& guest_dir, const AnalysisOptions& options);

}  // namespace oyster::forensics
