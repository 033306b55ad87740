// `oyster export INTRUSION`: the intrusion's evidence in one archive
// (evidence/intrusion_export.h).
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/evidence/intrusion_export.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"

namespace oyster::cli {

void register_export(CLI::App& app, const ConfigLoader& load) {
    struct Args {
        std::string intrusion;
        std::string out;
        bool no_gzip = false;
        bool json = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "export",
        "Write one intrusion's evidence to a tar: events, capture, terminal recordings, executed files, "
        "pcaps, mail, MANIFEST.json with SHA-256s");
    cmd->add_option("intrusion", args->intrusion, "Intrusion id (see oyster intrusions)")->required();
    cmd->add_option("-o,--output", args->out, "Archive to write (default: ./<intrusion>.tar.gz, or .tar)");
    cmd->add_flag("--no-gzip", args->no_gzip, "Write an uncompressed tar");
    cmd->add_flag("--json", args->json, "Print {archive, members, bytes, capture_decoded_for_export} as JSON");
    cmd->callback([=]() {
        Config cfg = load();
        auto db = open_synced_store(cfg);
        nlohmann::json intrusion = intrusion_or_fail(*db, args->intrusion);
        std::filesystem::path out = args->out.empty()
                                        ? std::filesystem::path(args->intrusion + (args->no_gzip ? ".tar" : ".tar.gz"))
                                        : std::filesystem::path(args->out);
        auto r = evidence::export_intrusion(db->db(), intrusion, out, !args->no_gzip);
        if (args->json) {
            nlohmann::json j = {{"archive", std::filesystem::absolute(out).string()},
                                {"members", r.members},
                                {"bytes", r.bytes},
                                {"capture_decoded_for_export", r.decoded_now}};
            std::cout << j.dump(2) << "\n";
            return;
        }
        std::cout << fmt::format(
            "{}: {} files, {} bytes of evidence{}\n", out.string(), r.members, r.bytes,
            r.decoded_now ? " (the guest had no decoded capture: it was decoded for the export)" : "");
    });
}

}  // namespace oyster::cli
