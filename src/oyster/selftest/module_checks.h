// The stealth battery's check of the module list: a Debian kernel has the
// drivers of the machine's hardware loaded as modules, so lsmod names the
// NIC's driver, the virtio disk's and the root filesystem's, each a file of
// the kernel package (modinfo finds it), and prints them without an error
// (it reads each one's size, users and holders in /sys/module). UML listed
// none (kernel patch 0036 and disguise/shown_modules.h list them).
#pragma once

#include <string_view>

#include "oyster/selftest/stealth_checks.h"

namespace oyster {

struct ModuleViews {
    std::string_view proc_modules;   // /proc/modules
    std::string_view nic_drivers;    // the sys_class_net section: "eth0 driver=virtio_net ..."
    std::string_view block_devices;  // /sys/block, one name a line
    std::string_view mounts;         // /proc/mounts
    std::string_view on_disk;        // "missing <name>" for each module modinfo cannot find
    std::string_view lsmod;          // lsmod's output, its errors included
    bool present = false;            // every section above was reported
};

// One check, module_list.
CheckResult judge_module_list(const ModuleViews& views);

}  // namespace oyster
