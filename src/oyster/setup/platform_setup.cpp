#include "oyster/setup/platform_setup.h"

#include <unistd.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/persona.h"
#include "oyster/common/process.h"
#include "oyster/common/sha256.h"
#include "oyster/common/unix_time.h"
#include "oyster/sandbox/host_checks.h"
#include "oyster/sandbox/image_spec.h"
#include "oyster/selftest/tool_packages.h"
#include "oyster/web/web_auth.h"

namespace oyster::setup {
namespace {

// The last non-empty line a build script printed: the path it built.
std::filesystem::path last_line_path(const std::string& out) {
    std::string s = out;
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    auto nl = s.rfind('\n');
    return nl == std::string::npos ? s : s.substr(nl + 1);
}

std::filesystem::path run_build_script(const std::string& what, const std::vector<std::string>& argv,
                                       const std::vector<std::string>& env, std::ostream& progress) {
    progress << fmt::format("==> {}\n", what);
    CommandResult r = run_capture(argv, env);
    if (r.exit_code != 0) throw Error(fmt::format("{} failed (exit {}); see the messages above", argv[0], r.exit_code));
    auto path = last_line_path(r.stdout_text);
    if (path.empty() || !std::filesystem::exists(path)) {
        throw Error(fmt::format("{} did not report what it built", argv[0]));
    }
    return path;
}

}  // namespace

std::optional<Platform> run_setup(const Config& cfg, const SetupOptions& options, std::ostream& progress) {
    progress << "==> host checks\n";
    bool all_ok = true;
    for (const auto& c : run_host_checks(cfg.paths.cache_dir, 6ULL << 30)) {
        progress << fmt::format("    [{}] {:<7} {}\n", c.ok ? " ok " : "FAIL", c.name, c.detail);
        all_ok = all_ok && c.ok;
    }
    if (!all_ok) throw Error("host checks failed (see above)");
    if (options.check_only) return std::nullopt;
    if (cfg.web.enabled) {
        // No default credentials: a random token of this installation.
        web::load_or_create_token(web_token_file(cfg));
        progress << fmt::format("==> web UI access token in {} (oyster web token prints it)\n",
                                web_token_file(cfg).string());
        // The UI's assets, from the npm packages the lockfile pins: served
        // by oyster run itself, nothing from a CDN.
        if (run_capture({(data_dir() / "web" / "build.sh").string()}).exit_code != 0) {
            throw Error("building the web UI failed (see above); [web] enabled = false runs without it");
        }
    }

    // The image build runs `oyster lived-in` (image task 85): this binary.
    std::error_code self_ec;
    std::vector<std::string> env = {"OYSTER_CACHE_DIR=" + cfg.paths.cache_dir.string(),
                                    "OYSTER_EXE=" + std::filesystem::read_symlink("/proc/self/exe", self_ec).string()};
    Platform p;
    // Made before the image: the guest's helpers are built with it.
    p.honeylog_key = ensure_honeylog_key(cfg.paths.cache_dir);
    // The persona is read (and its errors shown) before any long build.
    Persona persona = load_persona(persona_path(cfg.guest.persona));
    p.login = resolve_login_policy(cfg, p.honeylog_key);
    p.hostname = persona.hostname;
    // The shown boot's anchor before the image: the image's history ends
    // with the reboot into it (disguise/lived_in.h).
    std::optional<ShownBoot> previous;
    try {
        previous = load_platform(cfg.paths.state_dir).shown_boot;
    } catch (const Error&) {
        // None yet, or from an older Oyster: a new boot moment.
    }
    // The installation's own, whichever state directory this is (platform.h).
    if (std::int64_t kept = load_boot_anchor(cfg.paths.cache_dir, persona.uptime_days); kept > 0) {
        previous = ShownBoot{kept, persona.uptime_days, kept};
    }
    const std::string boot_seed = p.honeylog_key + "\n" + p.hostname;
    const std::int64_t history_anchor = shown_boot_anchor(persona.uptime_days, unix_now(), boot_seed, previous);
    if (history_anchor > 0) save_boot_anchor(cfg.paths.cache_dir, persona.uptime_days, history_anchor);
    nlohmann::json spec = image_spec(persona, p.login, history_anchor);
    p.image_spec_sha256 = image_spec_sha256(spec);
    // The firmware the guest is shown follows the host's (CPUID cannot be
    // hidden) unless the persona says otherwise; serials are derived
    // from the installation's secret, so they are stable and its own.
    DmiHost dmi_host = read_dmi_host();
    p.dmi = guest_dmi(dmi_host, persona.hardware, p.honeylog_key + "\n" + p.hostname);
    progress << fmt::format(
        "==> guest firmware: {} {}, {}{}\n", p.dmi["sys_vendor"], p.dmi["product_name"], dmi_source(dmi_host),
        persona.hardware.empty() ? "" : fmt::format("; {} string(s) from the persona", persona.hardware.size()));
    std::filesystem::create_directories(cfg.paths.cache_dir);
    // Holds passwords: root-only, and gone when setup ends.
    auto spec_file = cfg.paths.cache_dir / fmt::format(".image-spec-{}.json", ::getpid());
    write_file_atomic(spec_file, spec.dump(2) + "\n", 0600);
    struct RemoveOnExit {
        std::filesystem::path path;
        ~RemoveOnExit() {
            std::error_code ec;
            std::filesystem::remove(path, ec);
        }
    } remove_spec{spec_file};
    std::vector<std::string> kargs = {(data_dir() / "kernel" / "build.sh").string()};
    std::vector<std::string> iargs = {(data_dir() / "image" / "build.sh").string(),
                                      "--spec",
                                      spec_file.string(),
                                      "--honeylog-key",
                                      p.honeylog_key,
                                      "--size",
                                      std::to_string(cfg.guest.image_size_mib)};
    if (options.rebuild) {
        kargs.push_back("--force");
        iargs.push_back("--force");
    }
    p.kernel = run_build_script("guest kernel (kernel/build.sh)", kargs, env, progress);
    p.image = run_build_script("guest image (image/build.sh)", iargs, env, progress);

    progress << "==> verifying base image checksum\n";
    p.image_sha256 = read_image_checksum_file(p.image);
    std::string actual = sha256_file(p.image);
    if (actual != p.image_sha256) {
        throw Error(
            fmt::format("{}: sha256 is {}, its .sha256 file says {}: the cached image was modified; "
                        "run `oyster setup --rebuild`",
                        p.image.string(), actual, p.image_sha256));
    }
    p.image_fingerprint = fingerprint_file(p.image);
    p.identity = read_guest_identity(p.image);
    p.shown_boot = shown_boot_at(persona.uptime_days, history_anchor, p.identity.kernel_version, boot_seed);
    // Only the selftests need them, and they may run where there is no
    // way out: fetched here, in the host's namespace.
    progress << "==> packages for `oyster selftest stealth`\n";
    try {
        fetch_selftest_packages(cfg.paths.cache_dir);
    } catch (const Error& e) {
        progress << fmt::format("    warning: {}; the stealth selftest will report the tools missing\n", e.what());
    }
    progress << "==> packages for `oyster selftest containment`\n";
    try {
        fetch_containment_packages(cfg.paths.cache_dir);
    } catch (const Error& e) {
        progress << fmt::format("    warning: {}; the containment selftest will report nmap missing\n", e.what());
    }
    save_platform(cfg.paths.state_dir, p);
    return p;
}

}  // namespace oyster::setup
