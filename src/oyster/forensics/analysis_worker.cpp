#include "oyster/forensics/analysis_worker.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <thread>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/paths.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/common/write_all.h"
#include "oyster/evidence/evidence_store.h"
#include "oyster/forensics/file_type.h"
#include "oyster/jail/process_jail.h"
#include "oyster/jail/user_namespace.h"
#include "oyster/sandbox/guest_record.h"

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

// The worker program's real path (a link resolved: the jail binds the
// file itself, as a bind's source must be a mount of the worker's own
// mount namespace). After an upgrade replaced the file, the worker is the
// new binary (its arguments are kept compatible).
std::filesystem::path program_path(const std::filesystem::path& exe) {
    std::error_code ec;
    auto real = exe == "/proc/self/exe" ? std::filesystem::read_symlink(exe, ec) : std::filesystem::canonical(exe, ec);
    if (ec) throw Error(fmt::format("{}: {}", exe.string(), ec.message()));
    std::string s = real.string();
    constexpr std::string_view kDeleted = " (deleted)";
    if (s.ends_with(kDeleted)) s.resize(s.size() - kDeleted.size());
    return s;
}

// Appends `line` to the worker's log, never through a symlink (the worker
// writes its directory).
void append_to_log(const std::filesystem::path& log, const std::string& line) {
    FdGuard fd(::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW | O_CLOEXEC, 0640));
    std::string text = line + "\n";
    if (fd.get() >= 0) (void)write_all(fd.get(), text.data(), text.size());
}

}  // namespace

ProcessJail worker_jail(const std::filesystem::path& worker_exe, const std::filesystem::path& guest_dir,
                        const AnalysisOptions& options, const std::filesystem::path& staging, int user_namespace_fd) {
    GuestRecord guest = load_guest(guest_dir);
    return worker_jail(WorkerJailSpec{.program = program_path(worker_exe),
                                      .magic_databases = magic_database_files(),
                                      .yara_rules = options.yara_rules,
                                      .image = guest.image,
                                      .guest_dir = guest_dir,
                                      .cow = guest.cow,
                                      .evidence_dir = options.evidence_dir,
                                      .staging = staging,
                                      .user_namespace_fd = user_namespace_fd});
}

std::string confinement_summary() {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
    bool no_caps = ::syscall(SYS_capget, &header, data) == 0;
    for (const auto& d : data) no_caps = no_caps && d.effective == 0 && d.permitted == 0;
    std::string nets;
    if (auto* names = ::if_nameindex()) {
        for (auto* n = names; n->if_index != 0; ++n) nets += (nets.empty() ? "" : " ") + std::string(n->if_name);
        ::if_freenameindex(names);
    }
    std::error_code ec;
    bool shadow = std::filesystem::exists("/etc/shadow", ec);
    // /dev/null is host root's: in a user namespace that does not map host
    // root it reads as the overflow id, not 0.
    struct stat null_stat {};
    bool own_namespace = ::stat("/dev/null", &null_stat) == 0 && null_stat.st_uid != 0;
    return fmt::format("capabilities {}, user namespace {}, network {}, host /etc/shadow {}", no_caps ? "none" : "some",
                       own_namespace ? "own" : "host", nets.empty() ? "none" : nets, shadow ? "visible" : "hidden");
}

std::filesystem::path worker_program() {
    return program_beside_self("oyster-forensics-worker");
}

AnalysisOptions analysis_options(const Config& cfg) {
    AnalysisOptions o;
    o.evidence_dir = evidence_dir(cfg);
    o.yara_rules = cfg.forensics.yara_rules.empty() ? data_dir() / "rules" / "yara" : cfg.forensics.yara_rules;
    o.max_extract_bytes = std::uint64_t{cfg.forensics.max_extract_mib} << 20;
    return o;
}

std::vector<std::string> worker_arguments(const std::filesystem::path& guest_dir, const AnalysisOptions& options) {
    std::vector<std::string> args = {guest_dir.string(), "--evidence-dir", options.evidence_dir.string(),
                                     "--max-extract-bytes", std::to_string(options.max_extract_bytes)};
    if (!options.yara_rules.empty()) {
        args.emplace_back("--yara-rules");
        args.push_back(options.yara_rules.string());
    }
    return args;
}

namespace {

// The worker's jail on this host: in a user namespace made for the run
// when the host can make one and bind every file the worker needs through
// it; otherwise as host uid 0, and its log says why first. `ns` keeps the
// namespace for the spawn.
ProcessJail worker_jail_here(const std::filesystem::path& worker_exe, const std::filesystem::path& guest_dir,
                             const AnalysisOptions& options, const std::filesystem::path& staging,
                             const std::filesystem::path& log, FdGuard& ns) {
    std::string refusal;
    try {
        ns = make_user_namespace(kForensicsWorkerUid, kForensicsWorkerUid);
    } catch (const Error& e) {
        refusal = e.what();
    }
    if (ns.get() >= 0) {
        ProcessJail jail = worker_jail(worker_exe, guest_dir, options, staging, ns.get());
        refusal = idmapped_refusal(jail);
        if (refusal.empty()) return jail;
        ns.reset();
    }
    append_to_log(log,
                  "oyster: no user namespace for the forensics worker (it runs as host uid 0 without "
                  "capabilities): " +
                      refusal);
    return worker_jail(worker_exe, guest_dir, options, staging);
}

}  // namespace

nlohmann::json run_analysis_worker(const std::filesystem::path& worker_exe, const std::filesystem::path& given_dir,
                                   const AnalysisOptions& given_options, const WorkerLimits& limits) {
    // The worker starts in its jail's "/": relative paths would not lead
    // where they lead here.
    auto guest_dir = std::filesystem::absolute(given_dir);
    AnalysisOptions options = given_options;
    if (!options.yara_rules.empty()) options.yara_rules = std::filesystem::absolute(options.yara_rules);
    auto out_dir = guest_dir / "forensics";
    // The worker writes only its own output: the files it takes go to a
    // store of its own under forensics/, and from there into the evidence
    // store by their content's hash once it has ended, so a worker taken
    // over by a crafted filesystem cannot replace another intrusion's
    // evidence.
    evidence::EvidenceStore evidence(std::filesystem::absolute(given_options.evidence_dir));
    options.evidence_dir = out_dir / "blobs";
    std::error_code ec;
    std::filesystem::remove_all(options.evidence_dir, ec);
    for (const auto& dir : {out_dir, options.evidence_dir}) {
        std::filesystem::create_directories(dir, ec);
        if (ec) throw Error(fmt::format("{}: {}", dir.string(), ec.message()));
    }
    struct RemoveBlobs {
        std::filesystem::path dir;
        ~RemoveBlobs() {
            std::error_code ignored;
            std::filesystem::remove_all(dir, ignored);
        }
    } remove_blobs{options.evidence_dir};
    std::filesystem::remove(analysis_file(guest_dir), ec);
    auto log = out_dir / "worker.log";
    // The jail's root is assembled on an empty directory of its own (in the
    // worker's mount namespace only): one per run, as a --rescan may run
    // beside the sensor's worker.
    std::string staging = (out_dir / ".jail-XXXXXX").string();
    if (::mkdtemp(staging.data()) == nullptr) throw_errno("mkdtemp " + staging);
    struct RemoveStaging {
        std::string dir;
        ~RemoveStaging() { ::rmdir(dir.c_str()); }
    } remove_staging{staging};

    FdGuard user_namespace;
    ProcessJail jail = worker_jail_here(worker_exe, guest_dir, options, staging, log, user_namespace);
    std::vector<std::string> argv = {program_path(worker_exe).string()};
    for (auto& a : worker_arguments(guest_dir, options)) argv.push_back(std::move(a));
    // Only what the sanitizer builds are tuned with; nothing else of the
    // sensor's environment.
    std::vector<std::string> env;
    for (const char* name : {"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"}) {
        if (const char* v = std::getenv(name)) env.push_back(std::string(name) + "=" + v);
    }

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
    pid_t pid = spawn_session(argv, log, env, -1, &jail);

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
    // Written by the worker: a symlink there must not make the sensor read
    // (and report) a host file.
    auto j = nlohmann::json::parse(read_regular_file(analysis_file(guest_dir)), nullptr, false);
    if (!j.is_object()) throw Error(fmt::format("{}: not an analysis", analysis_file(guest_dir).string()));
    evidence.take_from(options.evidence_dir);
    // Its evidence artefacts name the worker's own store: the evidence
    // store's place for the hash instead (where readers look anyway).
    if (auto arts = j.find("artefacts"); arts != j.end() && arts->is_array()) {
        for (auto& art : *arts) {
            if (!art.is_object() || art.value("kind", "") != "evidence") continue;
            auto sha = art.find("sha256");
            if (sha != art.end() && sha->is_string() && is_sha256_hex(sha->get<std::string>())) {
                art["path"] = evidence.path_for(sha->get<std::string>()).string();
            } else {
                art["path"] = "";
            }
        }
    }
    return j;
}

void analysis_worker_main(const std::filesystem::path& guest_dir, const AnalysisOptions& options) {
    // In the log, so a jail that stopped applying shows (the integration
    // test reads it).
    std::cerr << "forensics worker: " << confinement_summary() << std::endl;
    auto a = analyze_intrusion(guest_dir, options);
    std::filesystem::create_directories(guest_dir / "forensics");
    write_file_atomic(analysis_file(guest_dir),
                      to_json(a).dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", 0640);
}

}  // namespace oyster::forensics
