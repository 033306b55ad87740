#include "oyster/selftest/tool_packages.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "oyster/common/error.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"

namespace oyster {

namespace {

// apt-get download of those of `wanted` that `dir` lacks.
void download_missing(const std::vector<std::string>& wanted, const std::filesystem::path& dir) {
    auto have = cached_packages(dir);
    std::vector<std::string> missing;
    for (const auto& name : wanted) {
        if (!have.contains(name)) missing.push_back(name);
    }
    if (missing.empty()) return;
    std::filesystem::create_directories(dir);
    // apt-get download writes into the current directory; a shell sets it.
    std::vector<std::string> download = {"sh", "-c", "cd \"$1\" && shift && exec apt-get download -q \"$@\"", "sh",
                                         dir.string()};
    download.insert(download.end(), missing.begin(), missing.end());
    auto d = run_capture(download, {}, ChildStderr::inherit);
    if (d.exit_code != 0) {
        throw Error(fmt::format("apt-get download {} failed (exit {})", fmt::join(missing, " "), d.exit_code));
    }
}

// What apt would install for `tools` on a system with no package: a
// consistent set, alternatives resolved (a dependency closure cannot choose
// among nmap's five libblas.so.3 providers). The guest's own packages are
// left out when the tools are brought in (selftest/guest_tools.h).
std::vector<std::string> resolve_install_set(const std::vector<std::string>& tools) {
    std::vector<std::string> argv = {"apt-get", "-s",
                                     "-o",      "Dir::State::status=/dev/null",
                                     "-o",      "Debug::NoLocking=1",
                                     "install", "--no-install-recommends"};
    argv.insert(argv.end(), tools.begin(), tools.end());
    auto r = run_capture(argv, {}, ChildStderr::discard);
    auto wanted = parse_simulated_install(r.stdout_text);
    if (r.exit_code != 0 || wanted.empty()) {
        throw Error(fmt::format("apt-get -s install {} failed (exit {})", fmt::join(tools, " "), r.exit_code));
    }
    return wanted;
}

}  // namespace

std::filesystem::path selftest_debs_dir(const std::filesystem::path& cache_dir) {
    return cache_dir / "selftest" / "debs";
}

std::filesystem::path containment_debs_dir(const std::filesystem::path& cache_dir) {
    return cache_dir / "selftest" / "containment-debs";
}

std::vector<std::string> parse_simulated_install(std::string_view apt_get_output) {
    std::set<std::string> names;
    for (auto line : split_lines(apt_get_output)) {
        if (!line.starts_with("Inst ")) continue;
        auto rest = line.substr(5);
        auto name = rest.substr(0, rest.find(' '));
        if (name.empty() || name.find_first_of("/\t") != std::string_view::npos) continue;
        names.emplace(name);
    }
    return {names.begin(), names.end()};
}

std::map<std::string, std::filesystem::path> cached_selftest_packages(const std::filesystem::path& cache_dir) {
    return cached_packages(selftest_debs_dir(cache_dir));
}

std::map<std::string, std::filesystem::path> cached_packages(const std::filesystem::path& dir) {
    std::map<std::string, std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
        auto name = entry.path().filename().string();
        if (!name.ends_with(".deb") || name.find('_') == std::string::npos) continue;
        out[name.substr(0, name.find('_'))] = entry.path();
    }
    return out;
}

void fetch_selftest_packages(const std::filesystem::path& cache_dir) {
    auto wanted = resolve_install_set(kStealthTools);
    wanted.emplace_back(kStockSshPackage);
    download_missing(wanted, selftest_debs_dir(cache_dir));
}

void fetch_containment_packages(const std::filesystem::path& cache_dir) {
    download_missing(resolve_install_set(kContainmentTools), containment_debs_dir(cache_dir));
}

}  // namespace oyster
