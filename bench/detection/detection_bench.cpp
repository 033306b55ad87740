// bench/detection: what live Sigma detection costs the sensor.
//
// 1. The engine alone: a busy guest's capture (bench/follower's interactive
//    session) mapped to Sigma events once, then every event matched against
//    RULES rules: Oyster's shipped rules, then generated ones in the shapes
//    SigmaHQ's Linux rules have (an Image list and CommandLine flags, words
//    that must all appear with a parent filter, path prefixes, ports, an
//    inner wildcard, a regular expression) up to RULES. Events per second
//    and microseconds per event, against the shipped rules alone as the
//    baseline of the same run.
// 2. The sensor's live path: the same capture through the capture follower
//    (decode, live events into the log) at RATE records per second, without
//    detection and with the RULES rules, alternated RUNS times each; the
//    median CPU per 1,000 records of each and their ratio (the issue's
//    goal: at most 5 % more).
// Usage: oyster_detection_bench [RULES] [COMMANDS] [RATE] [RUNS]
//        (default 300 20000 1500 5)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "live_capture_run.h"
#include "oyster/detection/capture_mapping.h"
#include "oyster/detection/sigma_ruleset.h"

namespace {

using oyster::bench::cpu_seconds;
using oyster::detection::SigmaRuleSet;

std::string generated_rule(unsigned i) {
    std::string head = fmt::format(
        "title: generated {}\nid: 00000000-0000-4000-8000-{:012}\nlevel: medium\n"
        "tags: [attack.execution, attack.t1059.004]\n",
        i, i);
    std::string pc = "logsource: {product: linux, category: process_creation}\ndetection:\n";
    switch (i % 8) {
        case 0:
        case 1:
            return head + pc +
                   fmt::format(
                       "  selection_img:\n    Image|endswith: ['/tool{0}a', '/tool{0}b', '/tool{0}c']\n"
                       "  selection_cli:\n    CommandLine|contains: ['--opt{0}', ' -x{0} ']\n"
                       "  condition: all of selection_*\n",
                       i);
        case 2:
        case 3:
            return head + pc +
                   fmt::format(
                       "  selection:\n    CommandLine|contains|all: ['word{0}', 'other{0}']\n"
                       "  filter:\n    ParentImage|endswith: '/cron'\n"
                       "  condition: selection and not filter\n",
                       i);
        case 4:
            return head + fmt::format(
                              "logsource: {{product: linux, category: file_event}}\ndetection:\n"
                              "  selection:\n    TargetFilename|startswith: ['/etc/x{0}/', '/var/lib/x{0}/']\n"
                              "  condition: selection\n",
                              i);
        case 5:
            return head + fmt::format(
                              "logsource: {{product: linux, category: network_connection}}\ndetection:\n"
                              "  selection:\n    DestinationPort: [{}, {}]\n  condition: selection\n",
                              10000 + i, 20000 + i);
        case 6:
            return head + pc +
                   fmt::format("  selection:\n    CommandLine: '*wget*http*x{}*'\n  condition: selection\n", i);
        default:
            return head + pc +
                   fmt::format("  selection:\n    CommandLine|re: 'x{}[0-9]+ --[a-z]+'\n  condition: selection\n", i);
    }
}

std::shared_ptr<const SigmaRuleSet> rule_set(unsigned total) {
    auto set = SigmaRuleSet::load({std::filesystem::path(OYSTER_SOURCE_DIR) / "rules" / "sigma"});
    for (unsigned i = 0; set.rules().size() < total; ++i) set.add(generated_rule(i), fmt::format("generated-{}", i));
    for (const auto& p : set.problems()) std::fprintf(stderr, "rule %s: %s\n", p.file.c_str(), p.reason.c_str());
    return std::make_shared<const SigmaRuleSet>(std::move(set));
}

// Matches every event against `rules` `rounds` times; microseconds per event.
double match_us(const std::vector<oyster::detection::SigmaEvent>& events, const SigmaRuleSet& rules, int rounds,
                std::size_t& hits) {
    std::vector<const oyster::detection::SigmaRule*> out;
    double c0 = cpu_seconds();
    for (int r = 0; r < rounds; ++r) {
        for (const auto& e : events) {
            out.clear();
            rules.match(e, out);
            hits += out.size();
        }
    }
    return (cpu_seconds() - c0) * 1e6 / static_cast<double>(events.size() * static_cast<std::size_t>(rounds));
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
    unsigned total = argc > 1 ? static_cast<unsigned>(std::strtoul(argv[1], nullptr, 10)) : 300;
    unsigned commands = argc > 2 ? static_cast<unsigned>(std::strtoul(argv[2], nullptr, 10)) : 20000;
    double rate = argc > 3 ? std::strtod(argv[3], nullptr) : 1500;
    int runs = argc > 4 ? std::atoi(argv[4]) : 5;
    if (total == 0 || commands == 0 || rate <= 0 || runs <= 0) {
        std::fprintf(stderr, "usage: oyster_detection_bench [RULES] [COMMANDS] [RATE] [RUNS]\n");
        return 2;
    }
    auto dir = std::filesystem::temp_directory_path() / fmt::format("oyster-detection-bench-{}", ::getpid());
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    auto stream = oyster::bench::interactive_session(commands);

    // The events the capture maps to, made once.
    oyster::capture::CaptureParser parser;
    parser.feed(stream.bytes);
    oyster::detection::ProcessTable table;
    std::vector<oyster::detection::SigmaEvent> events;
    std::uint64_t records = 0;
    for (const auto& r : parser.take()) {
        ++records;
        if (auto e = oyster::detection::sigma_event_for(r, table)) events.push_back(std::move(*e));
        table.observe(r);
    }
    auto shipped = rule_set(0);
    auto all = rule_set(total);
    std::size_t hits_shipped = 0, hits_all = 0;
    match_us(events, *all, 1, hits_all);  // warm
    hits_all = 0;
    double us_shipped = match_us(events, *shipped, 5, hits_shipped);
    double us_all = match_us(events, *all, 5, hits_all);
    std::printf("engine: %zu events from %llu records; baseline %zu shipped rules: %.3f us/event (%.0f events/s)\n",
                events.size(), static_cast<unsigned long long>(records), shipped->rules().size(), us_shipped,
                1e6 / us_shipped);
    std::printf("engine: %zu rules: %.3f us/event (%.0f events/s), %.2fx the shipped rules; %zu matches\n",
                all->rules().size(), us_all, 1e6 / us_all, us_all / us_shipped, hits_all / 5);
    std::fflush(stdout);

    std::vector<double> without, with;
    std::uint64_t alerts = 0;
    for (int i = 0; i < runs; ++i) {
        for (bool detect : {false, true}) {
            auto d = dir / fmt::format("run-{}-{}", i, detect);
            auto run = oyster::bench::follow_capture(stream.bytes, records, rate, d, d / "events.jsonl",
                                                     detect ? all : nullptr);
            (detect ? with : without).push_back(run.cpu_seconds * 1e6 / static_cast<double>(records));
            if (detect) alerts = run.alerts;
            std::filesystem::remove_all(d);
        }
    }
    double m0 = median(without), m1 = median(with);
    std::printf(
        "sensor's live path, %d runs each, median ms CPU per 1,000 records: without detection %.3f "
        "(%.3f-%.3f), with %zu rules %.3f (%.3f-%.3f): %+.1f %%; %llu alerts\n",
        runs, m0, *std::min_element(without.begin(), without.end()), *std::max_element(without.begin(), without.end()),
        all->rules().size(), m1, *std::min_element(with.begin(), with.end()),
        *std::max_element(with.begin(), with.end()), (m1 / m0 - 1) * 100, static_cast<unsigned long long>(alerts));
    std::filesystem::remove_all(dir);
    return 0;
}
