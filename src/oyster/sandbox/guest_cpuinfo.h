// The /proc/cpuinfo a guest shows. Guest code runs on the host's processor,
// so the host's own entry is the truthful one: the guest kernel (patch 0005)
// prints the entry the jail gives it as its /proc/cpuinfo, renumbered. This
// prepares that entry from the host's file: the first processor only, with
// the topology of the one-CPU machine the guest is, and without the
// `hypervisor` flag the host's own virtualization would add (the guest
// claims to be the machine, not a VM on it; CPUID executed in the guest
// still tells the truth, see docs/personas.md).
#pragma once

#include <string>
#include <string_view>

namespace oyster {

std::string guest_cpuinfo(std::string_view host_cpuinfo);

}  // namespace oyster
