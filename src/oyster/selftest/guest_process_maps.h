// The containment selftest's look, from the host, at the host processes a
// guest's processes run in. A guest process runs natively in a host process
// of its own and can read every host mapping of it, whatever the guest
// kernel's page tables say, so each must map nothing but the guest's own
// memory (the UML process's physical-memory file, the stub included) and
// the host's vsyscall page, which cannot be removed. Kernel patch 0039
// unmaps what the clone from the UML process copied (its host stack, with
// its command line and environment, libc's data, the vDSO).
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// The check "guest_process_maps" over the UML process's /proc/<pid>/maps
// text and its descendants' (pid, maps text). A child that maps what the UML
// process maps from its own binary shares the UML process's memory (one of
// its helpers) and is not a guest process. Fails when no guest process is
// found, or names the first foreign mapping.
CheckResult judge_guest_process_maps(const std::string& uml_maps,
                                     const std::vector<std::pair<pid_t, std::string>>& children_maps);

// Reads the maps of `uml_pid` and of its descendants (the children of
// every thread, down the tree) and judges them. A process that exits while
// being read is skipped.
CheckResult check_guest_process_maps(pid_t uml_pid);

}  // namespace oyster
