// The jail each UML process runs in, so that an attacker who escapes the
// guest kernel into the UML process (a host process) holds as little as
// possible (docs/threat-model.md):
//   - its own unprivileged uid and gid, kGuestUidBase + the guest's slot:
//     no two live guests share one, and none is root;
//   - no supplementary groups, no_new_privs (setuid programs give nothing);
//   - a mount namespace of its own, where /dev/net/tun is a private node it
//     may open (it can still attach only to the tap made for it);
//   - rlimits: address space (guest memory + headroom), open files,
//     processes per uid (a fork bomb in the guest stops there: each guest
//     process is a host process), no core dumps.
// Files: the guest directory stays root's (mode 0711), so the jailed uid
// cannot unlink or rename the evidence in it (capture, console, records);
// only the COW disk and UML's runtime directory (mconsole socket) are the
// uid's. When the guest stops they are given back to root, so a later guest
// on the same slot (same uid) cannot read them.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "oyster/common/config.h"
#include "oyster/common/process.h"
#include "oyster/sandbox/guest_record.h"

namespace oyster {

inline constexpr uid_t kGuestUidBase = 4057000;

uid_t guest_uid(std::uint32_t slot);

// The restrictions for the UML process of guest `g`.
ProcessJail guest_jail(const Config& cfg, const GuestRecord& g);

// Hands the COW file and the UML runtime directory to the guest's uid and
// closes the guest directory to everyone else. Throws oyster::Error.
void prepare_guest_files(const GuestRecord& g);

// Gives them back to root after the guest has stopped.
void release_guest_files(const GuestRecord& g);

}  // namespace oyster
