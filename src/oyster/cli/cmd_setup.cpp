// `oyster setup`: host checks, guest kernel build, guest image build, each
// cached; records the result for `oyster guest start`. Idempotent. The work
// is setup/platform_setup.h's; this prints what it recorded.
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "oyster/cli/commands.h"
#include "oyster/common/unix_time.h"
#include "oyster/setup/platform_setup.h"

namespace oyster::cli {

void register_setup(CLI::App& app, const ConfigLoader& load) {
    auto* cmd = app.add_subcommand("setup", "Check the host, build (or reuse) the guest kernel and image");
    auto opt = std::make_shared<setup::SetupOptions>();
    cmd->add_flag("--rebuild", opt->rebuild, "Rebuild kernel and image even when cached");
    cmd->add_flag("--check-only", opt->check_only, "Only run the host checks");
    cmd->callback([=]() {
        auto recorded = setup::run_setup(load(), *opt, std::cerr);
        if (!recorded) return;
        const Platform& p = *recorded;
        std::cerr << fmt::format("==> ready\n    kernel {}\n    image  {}\n    sha256 {}\n    shown  Linux {} {}\n",
                                 p.kernel.string(), p.image.string(), p.image_sha256, p.identity.kernel_release,
                                 p.identity.kernel_version);
        if (p.shown_boot.boot_time > 0) {
            std::cerr << fmt::format("    booted {} days ago (the persona's uptime; guests show the time since)\n",
                                     (unix_now() - p.shown_boot.boot_time) / 86400);
        }
        std::vector<std::string> pairs;
        for (const auto& a : p.login.accounts) pairs.push_back(a.user + ":" + a.password);
        std::cerr << fmt::format("    login  {}; root after {} failures from one address{}\n",
                                 pairs.empty() ? "no account" : fmt::format("{}", fmt::join(pairs, " ")),
                                 p.login.root_after_failures, p.login.root_after_failures == 0 ? " (never)" : "");
    });
}

}  // namespace oyster::cli
