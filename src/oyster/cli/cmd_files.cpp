// `oyster files INTRUSION`: what the intrusion changed on its guest's disk
// (forensics/fs_diff.h), read from the base image and the guest's COW file
// in user space, never mounted.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/common/terminal_text.h"
#include "oyster/forensics/fs_diff.h"
#include "oyster/sandbox/guest_record.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/json_fields.h"

namespace oyster::cli {
namespace {

nlohmann::json entry_json(const std::optional<forensics::FsEntry>& e) {
    if (!e) return nullptr;
    return {{"ino", e->ino},    {"mode", fmt::format("{:o}", e->mode)},
            {"uid", e->uid},    {"gid", e->gid},
            {"size", e->size},  {"mtime", e->mtime},
            {"links", e->links}};
}

}  // namespace

void register_files(CLI::App& app, const ConfigLoader& load) {
    struct Args {
        std::string intrusion;
        bool json = false;
        bool all = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "files", "List the files an intrusion added, changed and deleted on its guest's disk, against the base image");
    cmd->add_option("intrusion", args->intrusion, "Intrusion id (see oyster intrusions)")->required();
    cmd->add_flag("--all", args->all, "Also list what the system changed by itself (logs, caches)");
    cmd->add_flag("--json", args->json, "Print a JSON array of changes");
    cmd->callback([=]() {
        Config cfg = load();
        auto db = open_synced_store(cfg);
        nlohmann::json intrusion = intrusion_or_fail(*db, args->intrusion);
        std::filesystem::path dir = store::str_field(intrusion, "dir");
        if (dir.empty() || !std::filesystem::exists(dir / "guest.json")) {
            throw Error(fmt::format("{}: the intrusion's guest record is gone (pruned?)", dir.string()));
        }
        // The guest's record, not the COW header, names the base image:
        // the record is Oyster's, the COW file the guest's.
        GuestRecord guest = load_guest(dir);
        forensics::DiskView base_disk(guest.image);
        forensics::DiskView guest_disk(guest.image, guest.cow);
        std::vector<std::uint8_t> mbr(512);
        base_disk.read(0, mbr);
        auto part = forensics::first_linux_partition(mbr, base_disk.size());
        if (!part) throw Error(fmt::format("{}: no Linux partition in the base image", guest.image.string()));
        forensics::ExtFs before(base_disk, *part), now(guest_disk, *part);
        auto changes = forensics::diff_filesystems(before, now);

        if (args->json) {
            nlohmann::json arr = nlohmann::json::array();
            for (const auto& c : changes) {
                arr.push_back({{"kind", forensics::kind_name(c.kind)},
                               {"path", c.path},
                               {"what", c.what},
                               {"before", entry_json(c.before)},
                               {"after", entry_json(c.after)},
                               {"sha256", c.sha256.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.sha256)},
                               {"sha256_before",
                                c.sha256_before.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.sha256_before)},
                               {"noise", c.noise.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.noise)}});
            }
            std::cout << arr.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
            return;
        }
        std::size_t noise = 0;
        std::cout << fmt::format("{:<8} {:>7} {:>11} {:>10}  {:<12} {}\n", "CHANGE", "MODE", "OWNER", "SIZE", "SHA256",
                                 "PATH");
        for (const auto& c : changes) {
            if (!c.noise.empty() && !args->all) {
                ++noise;
                continue;
            }
            const auto& e = c.after ? *c.after : *c.before;
            std::string what = c.what.empty() ? "" : " (";
            for (std::size_t i = 0; i < c.what.size(); ++i) what += (i ? ", " : "") + c.what[i];
            if (!c.what.empty()) what += ")";
            const std::string& sha = c.sha256.empty() ? c.sha256_before : c.sha256;
            std::cout << fmt::format("{:<8} {:>7o} {:>11} {:>10}  {:<12} {}{}{}\n", forensics::kind_name(c.kind),
                                     e.mode & 07777, fmt::format("{}:{}", e.uid, e.gid), e.size,
                                     sha.empty() ? "-" : sha.substr(0, 12), terminal_safe(c.path), what,
                                     c.noise.empty() ? "" : " [noise: " + c.noise + "]");
        }
        if (noise > 0) std::cout << fmt::format("({} changes the system makes by itself not shown: --all)\n", noise);
    });
}

}  // namespace oyster::cli
