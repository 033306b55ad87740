// `oyster selftest stealth`: does a guest pass for a real server? `oyster
// selftest containment`: does a guest's root stay inside? Each prints its
// checks, what each looks for and PASS/FAIL, then the total; exits 1 when
// any failed.
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/selftest/containment_selftest.h"
#include "oyster/selftest/stealth_selftest.h"

namespace oyster::cli {
namespace {

// A selftest's results: each as "[PASS] name  what it looks for / what it
// found" and the total, or with `json` as `head` plus {<key>: [{name,
// looks_for, pass, detail}], total, failed}.
void print_checks(const std::vector<CheckResult>& checks, bool json, nlohmann::json head, const char* key,
                  const char* what, int name_width) {
    auto failed = failed_checks(checks);
    if (json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& c : checks) {
            list.push_back({{"name", c.name}, {"looks_for", c.looks_for}, {"pass", c.pass}, {"detail", c.detail}});
        }
        head[key] = std::move(list);
        head["total"] = checks.size();
        head["failed"] = failed;
        std::cout << head.dump(2) << "\n";
        return;
    }
    for (const auto& c : checks) {
        std::cout << fmt::format("[{}] {:<{}} {}\n       {}\n", c.pass ? "PASS" : "FAIL", c.name, name_width,
                                 c.looks_for, c.detail);
    }
    std::cout << fmt::format("{}: {} {}, {} passed, {} failed\n", what, checks.size(), key, checks.size() - failed,
                             failed);
}

}  // namespace

void register_selftest(CLI::App& app, const ConfigLoader& load) {
    auto* selftest = app.add_subcommand("selftest", "Check a running platform the way an intruder would");
    selftest->require_subcommand(1);
    auto* stealth = selftest->add_subcommand(
        "stealth",
        "Boot a guest and look for what gives it away: UML, virtualization, honeypot defaults, the SSH greeting");
    struct Args {
        bool json = false;
        bool disguise_off = false;
        bool keep_guest = false;
    };
    auto args = std::make_shared<Args>();
    stealth->add_flag("--json", args->json, "Print the results as JSON");
    stealth->add_flag("--disguise-off", args->disguise_off,
                      "Boot the guest without its kernel identity, to see the checks find the giveaways");
    stealth->add_flag("--keep-guest", args->keep_guest, "Keep the guest's directory (console log, disk) afterwards");
    stealth->callback([=]() {
        Config cfg = load();
        Platform platform = load_platform(cfg.paths.state_dir);
        StealthRunOptions opts;
        opts.disguise = !args->disguise_off;
        opts.keep_guest = args->keep_guest;
        auto report = run_stealth_selftest(cfg, platform, opts, std::cerr);
        print_checks(report.checks, args->json, {{"guest_id", report.guest_id}, {"disguise", opts.disguise}}, "checks",
                     "stealth", 20);
        if (report.failed() > 0) throw Error(fmt::format("{} stealth check(s) failed", report.failed()));
    });

    auto* containment = selftest->add_subcommand(
        "containment",
        "Boot two guests and try, as one guest's root, to reach the host, the other guest, the LAN and cloud "
        "metadata, and to send from forged addresses");
    struct ContainmentArgs {
        bool json = false;
        bool keep_guests = false;
        std::vector<std::string> lan;
    };
    auto cargs = std::make_shared<ContainmentArgs>();
    containment->add_flag("--json", cargs->json, "Print the results as JSON");
    containment
        ->add_option("--lan", cargs->lan,
                     "A LAN host a guest must not reach (IPv4; repeatable). Default: the host's default "
                     "gateway")
        ->check(CLI::ValidIPV4);
    containment->add_flag("--keep-guests", cargs->keep_guests,
                          "Keep the guests' directories (console logs, disks) afterwards");
    containment->callback([=]() {
        Config cfg = load();
        Platform platform = load_platform(cfg.paths.state_dir);
        ContainmentRunOptions opts;
        opts.lan = cargs->lan;
        opts.keep_guests = cargs->keep_guests;
        auto report = run_containment_selftest(cfg, platform, opts, std::cerr);
        print_checks(report.probes, cargs->json,
                     {{"guest_id", report.guest_id}, {"other_guest_id", report.other_guest_id}}, "probes",
                     "containment", 15);
        if (report.failed() > 0) throw Error(fmt::format("{} containment probe(s) failed", report.failed()));
    });
}

}  // namespace oyster::cli
