#include "oyster/selftest/tool_packages.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <set>

#include "oyster/common/error.h"
#include "oyster/common/process.h"
#include "oyster/common/text_lines.h"

namespace oyster {

std::vector<std::string> parse_depends_closure(std::string_view apt_cache_output) {
    std::set<std::string> names;
    for (auto line : split_lines(apt_cache_output)) {
        if (line.empty() || line.front() == ' ' || line.front() == '<') continue;
        if (line.find_first_of(" \t/") != std::string_view::npos) continue;
        names.emplace(line);
    }
    return {names.begin(), names.end()};
}

std::filesystem::path selftest_debs_dir(const std::filesystem::path& cache_dir) {
    return cache_dir / "selftest" / "debs";
}

std::map<std::string, std::filesystem::path> cached_selftest_packages(const std::filesystem::path& cache_dir) {
    std::map<std::string, std::filesystem::path> out;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(selftest_debs_dir(cache_dir), ec)) {
        auto name = entry.path().filename().string();
        if (!name.ends_with(".deb") || name.find('_') == std::string::npos) continue;
        out[name.substr(0, name.find('_'))] = entry.path();
    }
    return out;
}

void fetch_selftest_packages(const std::filesystem::path& cache_dir) {
    std::vector<std::string> argv = {"apt-cache",       "depends",       "--recurse",
                                     "--no-recommends", "--no-suggests", "--no-conflicts",
                                     "--no-breaks",     "--no-replaces", "--no-enhances"};
    argv.insert(argv.end(), kStealthTools.begin(), kStealthTools.end());
    auto r = run_capture(argv, {}, ChildStderr::discard);
    if (r.exit_code != 0) {
        throw Error(fmt::format("apt-cache depends {} failed (exit {})", fmt::join(kStealthTools, " "), r.exit_code));
    }
    auto wanted = parse_depends_closure(r.stdout_text);
    wanted.emplace_back(kStockSshPackage);
    auto have = cached_selftest_packages(cache_dir);
    std::vector<std::string> missing;
    for (const auto& name : wanted) {
        if (!have.contains(name)) missing.push_back(name);
    }
    if (missing.empty()) return;
    auto dir = selftest_debs_dir(cache_dir);
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

}  // namespace oyster
