#include "oyster/jail/worker_jail.h"

#include "oyster/common/process.h"
#include "oyster/jail/landlock_scope.h"
#include "oyster/jail/seccomp_policy.h"

namespace oyster {
namespace {

bool inside(const std::filesystem::path& p, const std::filesystem::path& dir) {
    auto rel = p.lexically_normal().lexically_relative(dir.lexically_normal());
    return !rel.empty() && *rel.begin() != "..";
}

std::string normal(const std::filesystem::path& p) {
    return std::filesystem::absolute(p).lexically_normal().string();
}

}  // namespace

ProcessJail worker_jail(const WorkerJailSpec& spec) {
    ProcessJail jail;
    jail.user_namespace_fd = spec.user_namespace_fd;
    // Root's private files, shown as the worker's own in its user namespace.
    bool own = spec.user_namespace_fd >= 0;
    jail.no_new_privs = true;
    jail.new_pid_namespace = true;
    jail.new_net_namespace = true;
    jail.new_ipc_uts_namespaces = true;
    jail.drop_capabilities = true;
    if (landlock_can_scope()) jail.landlock_scopes = kLandlockScopeAbstractUnix | kLandlockScopeSignal;
    jail.seccomp_program = forensics_worker_seccomp_program(seccomp_violation_from_environment());
    jail.clean_environment = true;
    jail.root_staging = spec.staging.string();
    using Kind = JailEntry::Kind;
    const auto& program = spec.program;
    jail.root.push_back({Kind::bind_read_only, program.string(), program.string(), true});
    for (const auto& lib : shared_libraries_of(program.string()))
        jail.root.push_back({Kind::bind_read_only, lib, lib, true});
    for (const char* dev : {"/dev/null", "/dev/urandom"}) jail.root.push_back({Kind::bind_device, dev, dev});
    for (const auto& f : spec.magic_databases) jail.root.push_back({Kind::bind_read_only, normal(f), f.string()});
    if (!spec.yara_rules.empty()) {
        jail.root.push_back({Kind::bind_read_only, normal(spec.yara_rules), spec.yara_rules.string(), false, own});
    }
    jail.root.push_back({Kind::bind_read_only, normal(spec.image), spec.image.string(), false, own});
    jail.root.push_back({Kind::bind_read_only, normal(spec.guest_dir), spec.guest_dir.string(), false, own});
    if (!inside(std::filesystem::absolute(spec.cow), std::filesystem::absolute(spec.guest_dir))) {
        jail.root.push_back({Kind::bind_read_only, normal(spec.cow), spec.cow.string(), false, own});
    }
    jail.root.push_back({Kind::bind_writable, normal(spec.guest_dir / "forensics"),
                         (spec.guest_dir / "forensics").string(), false, own});
    jail.root.push_back({Kind::bind_writable, normal(spec.evidence_dir), spec.evidence_dir.string(), false, own});
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer's runtime reads /proc/self/maps; the production build
    // has no /proc.
    jail.root.push_back({Kind::proc, "/proc", ""});
#endif
    return jail;
}

}  // namespace oyster
