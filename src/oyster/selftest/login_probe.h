// Whether the credentials public honeypot detectors try get a login: each
// of public_default_credentials() (sandbox/login_policy.h) over real
// OpenSSH from the host, judged as its source's first attempt. A detector
// tries a handful from a fresh address and calls a server a honeypot when
// root:123456 works; root after N failures must not be what it meets.
#pragma once

#include "oyster/selftest/guest_shell.h"
#include "oyster/selftest/stealth_checks.h"

namespace oyster {

// `shell` is root's in the guest at `guest_ip`; it holds the guest's
// failure count still for the run (so every attempt is a first one) and
// lets it go after. Throws oyster::Error only when that shell fails.
CheckResult probe_public_credentials(const GuestShell& shell, const std::string& guest_ip);

}  // namespace oyster
