// The launcher's side of a guest's jail (jail/guest_jail.h): what its
// record and the configuration say the UML process gets.
#pragma once

#include <sys/resource.h>

#include "oyster/common/config.h"
#include "oyster/jail/guest_jail.h"
#include "oyster/sandbox/guest_record.h"

namespace oyster {

// The files of guest `g` its jail hands to its uid and back.
GuestJailFiles guest_jail_files(const GuestRecord& g);

// The jail of `g`'s UML process: its files, kernel and image, the memory
// `[guest]` gives, its CPU (or every guest CPU when it has none yet), the
// host's CPU as UML is to read it, and what all guests may take of the
// host's memory.
GuestJailSpec guest_jail_spec(const Config& cfg, const GuestRecord& g);

// guest_file_size_limit() for `g`: its base image's size (or the configured
// one when it cannot be read) and its memory.
rlim_t guest_file_size_limit(const Config& cfg, const GuestRecord& g);

}  // namespace oyster
