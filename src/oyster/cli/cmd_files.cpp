// `oyster files INTRUSION`: the forensic analysis of an intrusion
// (forensics/intrusion_analysis.h): what it added, changed and deleted on
// its guest's disk, what it executed, and the YARA alerts on those files.
// A closed intrusion's analysis is the one the sensor made when its guest
// stopped; an open one's (or with --rescan) is made now, in a worker
// process (forensics/analysis_worker.h: oyster-forensics-worker).
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/common/paths.h"
#include "oyster/common/terminal_text.h"
#include "oyster/forensics/analysis_worker.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"
#include "oyster/store/json_fields.h"

namespace oyster::cli {
namespace {

using nlohmann::json;

std::string text(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

void print_analysis(const json& a, bool all) {
    std::size_t noise = 0, system_programs = 0;
    std::cout << fmt::format("{:<8} {:>7} {:>11} {:>10}  {:<12} {:<24} {}\n", "CHANGE", "MODE", "OWNER", "SIZE",
                             "SHA256", "TYPE", "PATH");
    for (const auto& f : a.value("files", json::array())) {
        if (!f.is_object()) continue;
        if (!text(f, "noise").empty() && !all) {
            ++noise;
            continue;
        }
        if (text(f, "change") == "executed" && f.value("in_base_image", false) && !all) {
            ++system_programs;
            continue;
        }
        const json& e = f.contains("after") && f["after"].is_object() ? f["after"] : f.value("before", json(nullptr));
        std::string mode = e.is_object() ? text(e, "mode") : "";
        if (mode.size() > 4) mode = mode.substr(mode.size() - 4);
        std::string owner = e.is_object() ? fmt::format("{}:{}", e.value("uid", 0U), e.value("gid", 0U)) : "-";
        std::string size = e.is_object() ? std::to_string(e.value("size", std::uint64_t{0})) : "-";
        std::string sha = text(f, "sha256").empty() ? text(f, "sha256_before") : text(f, "sha256");
        std::string type = text(f, "file_type");
        if (type.size() > 24) type = type.substr(0, 23) + "~";
        std::string what;
        for (const auto& w : f.value("what", json::array())) {
            if (w.is_string()) what += (what.empty() ? "" : ", ") + w.get<std::string>();
        }
        if (text(f, "change") == "executed") {
            what = fmt::format("{} run{}{}", f.value("executions", 0U), f.value("executions", 0U) == 1 ? "" : "s",
                               f.value("in_base_image", false) ? ", as in the base image" : "");
        }
        std::cout << fmt::format("{:<8} {:>7} {:>11} {:>10}  {:<12} {:<24} {}{}{}\n", text(f, "change"),
                                 mode.empty() ? "-" : mode, owner, size, sha.empty() ? "-" : sha.substr(0, 12),
                                 terminal_safe(type.empty() ? "-" : type), terminal_safe(text(f, "path")),
                                 what.empty() ? "" : " (" + what + ")",
                                 text(f, "noise").empty() ? "" : " [noise: " + text(f, "noise") + "]");
    }
    if (noise > 0) std::cout << fmt::format("({} changes the system makes by itself not shown: --all)\n", noise);
    if (system_programs > 0) {
        std::cout << fmt::format("({} executed programs exactly as in the base image not shown: --all)\n",
                                 system_programs);
    }
    if (const auto j = a.value("journal_replay", json(nullptr)); j.is_object()) {
        std::cout << fmt::format(
            "(the guest's filesystem needed recovery: {} journal transactions replayed, {} blocks{})\n",
            j.value("transactions", 0U), j.value("blocks", 0U),
            text(j, "end").empty() ? "" : "; the journal ended early: " + terminal_safe(text(j, "end")));
    }
    const auto& alerts = a.value("alerts", json::array());
    std::cout << fmt::format("\n{} alert{} ({} YARA rules)\n", alerts.size(), alerts.size() == 1 ? "" : "s",
                             a.value("yara_rules", 0U));
    for (const auto& al : alerts) {
        std::cout << fmt::format("  {:<8} {} ({}) on {} {}: {}\n", text(al, "severity"),
                                 terminal_safe(text(al, "rule")), terminal_safe(text(al, "rule_file")),
                                 text(al, "change"), terminal_safe(text(al, "path")),
                                 terminal_safe(text(al, "description")));
    }
    for (const auto& e : a.value("errors", json::array())) {
        if (e.is_string()) std::cout << "  error: " << terminal_safe(e.get<std::string>()) << "\n";
    }
}

}  // namespace

void register_files(CLI::App& app, const ConfigLoader& load) {
    struct Args {
        std::string intrusion;
        bool json = false;
        bool all = false;
        bool rescan = false;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = app.add_subcommand(
        "files", "The files an intrusion added, changed, deleted and executed on its guest, typed, with YARA alerts");
    cmd->add_option("intrusion", args->intrusion, "Intrusion id (see oyster intrusions)")->required();
    cmd->add_flag("--all", args->all, "Also list what the system changed by itself (logs, caches)");
    cmd->add_flag("--rescan", args->rescan,
                  "Analyse again now (new YARA rules); the store keeps the sensor's analysis");
    cmd->add_flag("--json", args->json, "Print the analysis as JSON (docs/forensics.md)");
    cmd->callback([=]() {
        Config cfg = load();
        auto db = open_synced_store(cfg);
        json intrusion = intrusion_or_fail(*db, args->intrusion);
        std::filesystem::path dir = store::str_field(intrusion, "dir");
        if (dir.empty() || !std::filesystem::exists(dir / "guest.json")) {
            throw Error(fmt::format("{}: the intrusion's guest record is gone (pruned?)", dir.string()));
        }
        bool open = intrusion["closed"].is_null();
        json analysis;
        if (!open && !args->rescan && std::filesystem::exists(forensics::analysis_file(dir))) {
            analysis = json::parse(read_regular_file(forensics::analysis_file(dir)), nullptr, false);
        }
        if (!analysis.is_object()) {
            analysis =
                forensics::run_analysis_worker(forensics::worker_program(), dir, forensics::analysis_options(cfg));
        }
        if (args->json) {
            std::cout << analysis.dump(2, ' ', false, json::error_handler_t::replace) << "\n";
            return;
        }
        print_analysis(analysis, args->all);
    });
}

}  // namespace oyster::cli
