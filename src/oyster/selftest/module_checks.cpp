#include "oyster/selftest/module_checks.h"

#include <set>
#include <string>

#include <fmt/format.h>

#include "oyster/common/text_lines.h"

namespace oyster {
namespace {

// The first word of each line.
std::set<std::string, std::less<>> listed_modules(std::string_view proc_modules) {
    std::set<std::string, std::less<>> out;
    for (auto line : split_lines(proc_modules)) {
        auto name = line.substr(0, line.find(' '));
        if (!name.empty()) out.emplace(name);
    }
    return out;
}

// The drivers the guest's hardware and root need, as module names.
std::set<std::string, std::less<>> needed_modules(const ModuleViews& v) {
    std::set<std::string, std::less<>> out;
    for (auto line : split_lines(v.nic_drivers)) {
        if (!line.starts_with("eth")) continue;
        auto at = line.find(" driver=");
        if (at == std::string_view::npos) continue;
        auto driver = line.substr(at + 8);
        driver = driver.substr(0, driver.find(' '));
        if (!driver.empty()) out.emplace(driver);
    }
    for (auto line : split_lines(v.block_devices)) {
        if (line.starts_with("vd")) out.emplace("virtio_blk");
    }
    for (auto line : split_lines(v.mounts)) {
        // "device mountpoint type ...": the root's type.
        auto first = line.find(' ');
        if (first == std::string_view::npos || line.substr(first + 1, 2) != "/ ") continue;
        auto type = line.substr(first + 3);
        type = type.substr(0, type.find(' '));
        if (type == "ext4" || type == "xfs" || type == "btrfs") out.emplace(type);
    }
    return out;
}

}  // namespace

CheckResult judge_module_list(const ModuleViews& v) {
    CheckResult out{"module_list",
                    "lsmod lists the drivers of the NIC, the disk and the root filesystem, each a module file of the "
                    "kernel package",
                    false, ""};
    if (!v.present) {
        out.detail =
            "a section is missing (proc_modules, lsmod, sys_class_net, sys_block, proc_mounts, modules_on_disk)";
        return out;
    }
    auto listed = listed_modules(v.proc_modules);
    auto needed = needed_modules(v);
    std::string missing;
    for (const auto& name : needed) {
        if (!listed.contains(name)) missing += (missing.empty() ? "" : ", ") + name;
    }
    auto first_gone = split_lines(v.on_disk);
    std::string lsmod_error;
    for (auto line : split_lines(v.lsmod)) {
        if (lsmod_error.empty() &&
            (line.find("ERROR") != std::string_view::npos || line.find(" -2 ") != std::string_view::npos))
            lsmod_error = std::string(line);
    }
    if (listed.empty()) {
        out.detail = "no module listed";
    } else if (needed.empty()) {
        out.detail = "no NIC driver, virtio disk or root filesystem type seen to judge by";
    } else if (!missing.empty()) {
        out.detail = fmt::format("{} modules listed, not {}", listed.size(), missing);
    } else if (!v.lsmod.starts_with("Module ") || !lsmod_error.empty()) {
        out.detail =
            "lsmod: " + (lsmod_error.empty() ? std::string(v.lsmod.substr(0, v.lsmod.find('\n'))) : lsmod_error);
    } else if (!first_gone.empty() && !first_gone[0].empty()) {
        out.detail = fmt::format("listed but not in the kernel package: {}", first_gone[0]);
    } else {
        out.pass = true;
        std::string names;
        for (const auto& n : needed) names += (names.empty() ? "" : ", ") + n;
        out.detail = fmt::format("{} modules listed, among them {}", listed.size(), names);
    }
    return out;
}

}  // namespace oyster
