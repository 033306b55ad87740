// The /proc/cpuinfo a guest shows. Guest code runs on the host's processor,
// so the host's own entry is the truthful one: the guest kernel (patch 0005)
// prints the entry the jail gives it as its /proc/cpuinfo, renumbered. This
// prepares that entry from the host's file: the first processor only, with
// the topology of the one-CPU machine the guest is. The `hypervisor` flag
// stays as the host has it: CPUID executed in the guest reports the host's
// hypervisor, which cannot be hidden without CPUID faulting, so on a VM host
// the guest passes for a VM, consistently (docs/stealth.md).
#pragma once

#include <string>
#include <string_view>

namespace oyster {

std::string guest_cpuinfo(std::string_view host_cpuinfo);

}  // namespace oyster
