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
// text and those of the guest's other host threads (tid, maps text). One
// that maps what the UML process maps from its own binary shares the UML
// process's memory (one of its helpers) and is not a guest process. Fails
// when no guest process is found, or names the first foreign mapping.
CheckResult judge_guest_process_maps(const std::string& uml_maps,
                                     const std::vector<std::pair<pid_t, std::string>>& children_maps);

// Reads the maps of `uml_pid` and of every other thread in the guest's
// cgroup (jail/guest_cgroup.h: the guest's processes however they were
// made, kernel patch 0041's template and what it forks included) and
// judges them. A thread that exits while being read is skipped.
CheckResult check_guest_process_maps(pid_t uml_pid, const std::string& guest_id);

}  // namespace oyster
