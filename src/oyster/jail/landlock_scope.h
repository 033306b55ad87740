// Landlock scoping (host kernels 6.12 and later, Landlock ABI 6): a process
// that restricts itself can no longer connect or send to an abstract unix
// socket, nor signal a process, created outside its own Landlock domain.
//
// Why it matters here: the UML process shares the sensor's network
// namespace (it needs its tap there), and abstract unix sockets belong to a
// network namespace, not to a filesystem: a mount namespace does not hide
// them. The UML seccomp filter must allow sendto (the mconsole replies with
// it), so without scoping an attacker who took over the UML process could
// send datagrams to any abstract socket of the host's services. Path-bound
// sockets are not affected (the jail's mount namespace decides those).
#pragma once

#include <cstdint>

namespace oyster {

inline constexpr std::uint64_t kLandlockScopeAbstractUnix = 1U << 0;
inline constexpr std::uint64_t kLandlockScopeSignal = 1U << 1;

// The host kernel's Landlock ABI version; 0 when Landlock is missing or
// disabled (not in the lsm= list).
int landlock_abi();

// True when the kernel can scope abstract unix sockets and signals.
bool landlock_can_scope();

// Restricts the calling process (and all it starts) to `scopes`. Only system
// calls: safe between fork and execve. Needs no_new_privs (or
// CAP_SYS_ADMIN). Returns the failing step, or nullptr.
const char* landlock_restrict_scopes(std::uint64_t scopes);

}  // namespace oyster
