// `oyster lived-in`: image task 60-lived-in's entry point (not listed in
// --help). Writes the persona machine's history into the image's rootfs
// (disguise/lived_in_rootfs.h), ending at the shown boot that `oyster
// setup` will record for this image: the same anchor, kernel and seed.
#include <cstdlib>
#include <ctime>
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/disguise/guest_identity.h"
#include "oyster/disguise/lived_in_rootfs.h"
#include "oyster/disguise/shown_uptime.h"

namespace oyster::cli {

void register_lived_in(CLI::App& app, const ConfigLoader& /*load*/) {
    struct Args {
        std::string rootfs, spec, identity, change_times;
        std::int64_t built_after = 0;
    };
    auto a = std::make_shared<Args>();
    auto* cmd = app.add_subcommand("lived-in",
                                   "Write the persona machine's history into an image's rootfs "
                                   "(run by image/build.sh, not by hand)");
    cmd->group("");  // not listed in --help: an internal entry point
    cmd->add_option("--rootfs", a->rootfs, "The image's root filesystem directory")->required();
    cmd->add_option("--spec", a->spec, "The image spec oyster setup wrote")->required();
    cmd->add_option("--identity", a->identity, "The image's identity.json (the shown kernel)")->required();
    cmd->add_option("--built-after", a->built_after, "Unix time the build started: files from then on are redated")
        ->required();
    cmd->add_option("--change-times", a->change_times,
                    "Where to write the install time and each file's change and birth times, for the disk task")
        ->required();
    cmd->callback([a]() {
        const char* key = std::getenv("OYSTER_HONEYLOG_KEY");
        if (key == nullptr || *key == '\0')
            throw Error("lived-in: OYSTER_HONEYLOG_KEY is not set (image/build.sh sets it)");
        nlohmann::json spec;
        try {
            spec = nlohmann::json::parse(read_file(a->spec));
        } catch (const nlohmann::json::exception& e) {
            throw Error(fmt::format("{}: not an image spec: {}", a->spec, e.what()));
        }
        GuestIdentity identity = parse_guest_identity(read_file(a->identity), a->identity);
        const auto& persona = spec.at("persona");
        std::string hostname = persona.at("hostname").get<std::string>();
        auto days = spec.value("/history/uptime_days"_json_pointer, 0U);
        std::int64_t anchor = spec.value("/history/anchor"_json_pointer, std::int64_t{0});
        // As `oyster setup` computes it once the image is built.
        ShownBoot boot = shown_boot_at(days, anchor, identity.kernel_version, std::string(key) + "\n" + hostname);

        disguise::RootfsHistoryOptions o;
        o.rootfs = a->rootfs;
        o.seed = fmt::format("{}\n{}", key, hostname);
        o.boot_time = boot.boot_time;
        // The past ends where the build began: nothing of it may fall in the
        // build's own window, which the stealth selftest looks for.
        o.now = a->built_after > 0 ? a->built_after - 1 : static_cast<std::int64_t>(std::time(nullptr));
        o.build_started = a->built_after;
        o.kernel_release = identity.kernel_release;
        auto r = disguise::apply_lived_in(o);
        // The disk task dates the filesystem's own creation to the install.
        write_file_atomic(a->change_times, fmt::format("installed {}\n{}", r.installed, r.change_times), 0600);
        std::cout << fmt::format("lived-in: installed {} days before the shown boot; {} files written, {} redated\n",
                                 ((boot.boot_time > 0 ? boot.boot_time : o.now) - r.installed) / 86400, r.files_written,
                                 r.files_redated);
    });
}

}  // namespace oyster::cli
