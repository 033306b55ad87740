// `oyster rules check [DIR...]`: loads Sigma rules as the sensor would (the
// directories [detection] names, or those given) and says what runs: each
// rule's title, log source, level and ATT&CK techniques with --list, each
// file that does not load with its reason, and a summary. Exits 1 when a
// rule is in error (a source not fed is a skip, not an error), so an
// operator can check a rule set before the sensor runs it, or in CI.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/detection/sigma_ruleset.h"

namespace oyster::cli {
namespace {

std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
}

}  // namespace

void register_rules(CLI::App& app, const ConfigLoader& load) {
    auto* rules = app.add_subcommand("rules", "Live detection rules (Sigma)");
    rules->require_subcommand(1);
    auto* check = rules->add_subcommand(
        "check", "Load Sigma rules as the sensor does and name every file that does not load, with the reason");
    auto dirs = std::make_shared<std::vector<std::string>>();
    auto list = std::make_shared<bool>(false);
    auto json = std::make_shared<bool>(false);
    check->add_option("dirs", *dirs, "Rule directories (default: those [detection] names)");
    check->add_flag("--list", *list, "Also list every rule that loaded");
    check->add_flag("--json", *json, "Print {rules, problems} as JSON");
    check->callback([=]() {
        std::vector<std::filesystem::path> paths(dirs->begin(), dirs->end());
        if (paths.empty()) paths = detection::sigma_rule_dirs(load().detection);
        auto set = detection::SigmaRuleSet::load(paths);
        if (*json) {
            nlohmann::json out = {{"rules", nlohmann::json::array()}, {"problems", nlohmann::json::array()}};
            for (const auto& r : set.rules()) {
                out["rules"].push_back({{"file", r.file},
                                        {"id", r.id},
                                        {"title", r.title},
                                        {"category", r.logsource.category},
                                        {"level", r.level},
                                        {"techniques", r.techniques()},
                                        {"tags", r.tags}});
            }
            for (const auto& p : set.problems()) {
                out["problems"].push_back({{"file", p.file}, {"reason", p.reason}, {"skipped", p.skipped}});
            }
            std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
        } else {
            if (*list) {
                for (const auto& r : set.rules()) {
                    std::cout << fmt::format("{:<8} {:<18} {:<22} {}  ({})\n", r.level, r.logsource.category,
                                             join(r.techniques()), r.title, r.file);
                }
            }
            for (const auto& p : set.problems()) {
                std::cout << fmt::format("{} {}: {}\n", p.skipped ? "skipped   " : "not loaded", p.file, p.reason);
            }
            std::cout << fmt::format("{} rules load; {} not loaded; {} for sources not fed\n", set.rules().size(),
                                     set.errors(), set.problems().size() - set.errors());
        }
        if (set.errors() > 0) throw Error(fmt::format("{} rule files did not load (see above)", set.errors()));
    });
}

}  // namespace oyster::cli
