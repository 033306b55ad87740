// `oyster setup`'s work, apart from its command line: the host checks, the
// web UI's token and assets, the installation's secrets and shown boot, the
// guest kernel and image (kernel/build.sh and image/build.sh, each cached
// by content), the image's checksum, the selftests' packages, and the
// platform record `oyster guest start` and `oyster run` read
// (sandbox/platform.h). Idempotent: a second run reuses every cache.
#pragma once

#include <optional>
#include <ostream>

#include "oyster/common/config.h"
#include "oyster/sandbox/platform.h"

namespace oyster::setup {

struct SetupOptions {
    bool rebuild = false;     // kernel and image built again even when cached
    bool check_only = false;  // the host checks alone
};

// Runs setup for `cfg`, its progress (a "==> step" line per step) on
// `progress`; the build scripts' own progress goes to this process's
// standard error as they print it. Returns the platform
// it recorded, or nothing with check_only. Throws oyster::Error naming the
// step that failed.
std::optional<Platform> run_setup(const Config& cfg, const SetupOptions& options, std::ostream& progress);

}  // namespace oyster::setup
