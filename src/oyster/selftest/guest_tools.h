// Bringing tools into a selftest's guest for the run and taking them out
// after: the packages of a cache directory (selftest/tool_packages.h) the
// guest lacks are copied in and installed with dpkg, then purged, and the
// directory they came in is removed, so nothing of the run stays.
#pragma once

#include <filesystem>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "oyster/common/process.h"
#include "oyster/selftest/guest_shell.h"

namespace oyster {

struct BroughtTools {
    std::vector<std::string> packages;  // installed for the run
    bool installed = true;              // dpkg -i succeeded (true when none were needed)
    std::string dpkg_output;            // its last lines
};

// Copies those of `cached` the guest lacks (but `skip`), and `extra_files`,
// into `dir` in the guest, and installs the packages. Throws oyster::Error
// when ssh fails.
BroughtTools bring_tools(const GuestShell& shell, const std::map<std::string, std::filesystem::path>& cached,
                         const std::vector<std::string>& skip, std::vector<std::filesystem::path> extra_files,
                         const std::string& dir, std::ostream& log);

// Purges `packages` and removes `dir`; what is still there afterwards
// (empty: nothing).
std::string remove_tools(const GuestShell& shell, const std::vector<std::string>& packages, const std::string& dir);

}  // namespace oyster
