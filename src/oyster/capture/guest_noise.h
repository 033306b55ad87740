// Which paths of a Debian guest change by themselves while it runs, with
// or without an attacker (logs, caches, systemd's state, pid files, the
// daily jobs' backups): the forensic diff marks such changes as noise,
// and the store's listings leave out kept contents of such files. The
// rules are docs/forensics.md's.
#pragma once

#include <string>

namespace oyster::capture {

// The noise rule a path matches ("" for none).
std::string noise_rule(const std::string& path);

}  // namespace oyster::capture
