#include "oyster/selftest/guest_tools.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "oyster/common/text_lines.h"

namespace oyster {

BroughtTools bring_tools(const GuestShell& shell, const std::map<std::string, std::filesystem::path>& cached,
                         const std::vector<std::string>& skip, std::vector<std::filesystem::path> extra_files,
                         const std::string& dir, std::ostream& log) {
    auto listing = shell.run("dpkg-query -W -f='${Package}\\n'").stdout_text;
    std::set<std::string, std::less<>> installed;
    for (auto name : split_lines(listing)) installed.emplace(name);
    BroughtTools out;
    std::vector<std::filesystem::path> files;
    for (const auto& [name, deb] : cached) {
        if (installed.contains(name) || std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
        out.packages.push_back(name);
        files.push_back(deb);
    }
    files.insert(files.end(), extra_files.begin(), extra_files.end());
    if (files.empty()) return out;
    log << fmt::format("selftest: copying {} files into the guest\n", files.size());
    shell.copy_in(files, dir);
    if (!out.packages.empty()) {
        // dpkg's status, not tail's: the output is cut, the verdict is not.
        auto r =
            shell.run(fmt::format("cd {} && out=$(DEBIAN_FRONTEND=noninteractive dpkg -i *.deb 2>&1); rc=$?; "
                                  "printf '%s\\n' \"$out\" | tail -n 5; exit $rc",
                                  dir));
        out.installed = r.exit_code == 0;
        out.dpkg_output = without_trailing_space(r.stdout_text);
    }
    return out;
}

std::string remove_tools(const GuestShell& shell, const std::vector<std::string>& packages, const std::string& dir) {
    std::string purge = fmt::format("rm -rf {}", dir);
    if (!packages.empty()) purge = fmt::format("dpkg --purge {} >/dev/null 2>&1; {}", fmt::join(packages, " "), purge);
    shell.run(purge);
    auto still = shell.run(
        fmt::format("for p in {}; do dpkg-query -W -f='${{Status}}\\n' \"$p\" 2>/dev/null | grep -q ' installed$' && "
                    "echo \"$p\"; done; ls -d {} 2>/dev/null; true",
                    fmt::join(packages, " "), dir));
    return without_trailing_space(still.stdout_text);
}

}  // namespace oyster
