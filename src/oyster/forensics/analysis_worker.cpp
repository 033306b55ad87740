#include "oyster/forensics/analysis_worker.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <fstream>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"

namespace oyster::forensics {
namespace {

std::string last_line(const std::filesystem::path& log) {
    std::ifstream in(log);
    std::string line, last;
    while (std::getline(in, line)) {
        if (!line.empty()) last = line;
    }
    return last.size() > 500 ? last.substr(0, 500) : last;
}

}  // namespace

AnalysisOptions analysis_options(const Config& cfg) {
    AnalysisOptions o;
    o.evidence_dir = cfg.forensics.evidence_dir.empty() ? cfg.paths.state_dir / "evidence" : cfg.forensics.evidence_dir;
    o.yara_rules = cfg.forensics.yara_rules.empty() ? data_dir() / "rules" / "yara" : cfg.forensics.yara_rules;
    o.max_extract_bytes = std::uint64_t{cfg.forensics.max_extract_mib} << 20;
    return o;
}

std::vector<std::string> worker_arguments(const std::filesystem::path& guest_dir, const AnalysisOptions& options) {
    std::vector<std::string> args = {"forensics-worker",    guest_dir.string(),
                                     "--evidence-dir",      options.evidence_dir.string(),
                                     "--max-extract-bytes", std::to_string(options.max_extract_bytes)};
    if (!options.yara_rules.empty()) {
        args.emplace_back("--yara-rules");
        args.push_back(options.yara_rules.string());
    }
    return args;
}

nlohmann::json run_analysis_worker(const std::filesystem::path& oyster_exe, const std::filesystem::path& guest_dir,
                                   const AnalysisOptions& options, const WorkerLimits& limits) {
    auto out_dir = guest_dir / "forensics";
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    if (ec) throw Error(fmt::format("{}: {}", out_dir.string(), ec.message()));
    std::filesystem::remove(analysis_file(guest_dir), ec);
    auto log = out_dir / "worker.log";
    std::vector<std::string> argv = {oyster_exe.string()};
    for (auto& a : worker_arguments(guest_dir, options)) argv.push_back(std::move(a));

    ProcessJail jail;
    auto cpu = static_cast<rlim_t>(limits.cpu.count());
    // Blobs up to the extraction limit, and the analysis file.
    rlim_t fsize = std::max<rlim_t>(options.max_extract_bytes, rlim_t{256} << 20) + (rlim_t{64} << 20);
    jail.limits = {{RLIMIT_CPU, cpu}, {RLIMIT_CORE, 0}, {RLIMIT_NOFILE, 256}, {RLIMIT_FSIZE, fsize}};
#if !defined(__SANITIZE_ADDRESS__)
    // Memory: a hostile filesystem's sizes must not make libext2fs take the
    // host's memory (YARA maps a blob whole: room for the largest one).
    // Not under AddressSanitizer, whose shadow memory is terabytes of
    // address space.
    jail.limits.emplace_back(RLIMIT_AS, (rlim_t{4} << 30) + 2 * static_cast<rlim_t>(options.max_extract_bytes));
#endif
    jail.no_new_privs = true;
    jail.new_pid_namespace = true;
    pid_t pid = spawn_session(argv, log, {}, -1, &jail);

    auto deadline = std::chrono::steady_clock::now() + limits.wall;
    int status = 0;
    while (true) {
        pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) throw_errno("waitpid (forensics worker)");
        if (std::chrono::steady_clock::now() >= deadline) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, &status, 0);
            throw Error(fmt::format("forensics worker for {} passed its {} s wall-clock limit; killed",
                                    guest_dir.string(), limits.wall.count()));
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (WIFSIGNALED(status)) {
        throw Error(fmt::format("forensics worker for {} killed by signal {}{}", guest_dir.string(), WTERMSIG(status),
                                WTERMSIG(status) == SIGXCPU ? " (CPU limit)" : ""));
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        throw Error(fmt::format("forensics worker for {} failed: {}", guest_dir.string(), last_line(log)));
    }
    auto j = nlohmann::json::parse(read_file(analysis_file(guest_dir)), nullptr, false);
    if (!j.is_object()) throw Error(fmt::format("{}: not an analysis", analysis_file(guest_dir).string()));
    return j;
}

void analysis_worker_main(const std::filesystem::path& guest_dir, const AnalysisOptions& options) {
    auto a = analyze_intrusion(guest_dir, options);
    std::filesystem::create_directories(guest_dir / "forensics");
    write_file_atomic(analysis_file(guest_dir),
                      to_json(a).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", 0640);
}

}  // namespace oyster::forensics
