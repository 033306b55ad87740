// Sigma over one guest's capture, live: the follower hands it every record
// as it reads them (sensor/capture_follower.h), and each rule that matches
// becomes an `alert` event within the follower's next poll, seconds after
// the intruder's command.
//
// An alert is raised once per guest and rule: a bot that runs `crontab`
// forty times is one "persistence via cron" to the analyst, and a guest
// root who loops a matching command cannot flood the log with alerts. A
// guest serves one intrusion, so that is once per intrusion too. (A sensor
// restarted mid-intrusion starts a new detector; the store keeps one row
// per intrusion and rule all the same.) A rule is raised only once the
// guest's intrusion is open (`alerting`): an alert belongs to an intrusion,
// and a match before it must not spend the rule's one raise.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "oyster/capture/capture_records.h"
#include "oyster/detection/capture_mapping.h"
#include "oyster/detection/sigma_ruleset.h"
#include "oyster/events/sensor_events.h"

namespace oyster::detection {

class LiveDetector {
public:
    // `alerting` empty: always.
    explicit LiveDetector(std::shared_ptr<const SigmaRuleSet> rules, std::function<bool()> alerting = {});

    // Every record of the guest, in order. With `match` false only the
    // process table learns from it: a pooled guest's boot, or records a
    // restarted follower had reported before. The alerts raised are
    // appended to `alerts`, without the intrusion, guest and source (the
    // sensor's sink names them).
    void observe(const capture::Record& r, bool match, std::vector<events::Alert>& alerts);

    std::size_t raised() const { return raised_.size(); }

private:
    std::shared_ptr<const SigmaRuleSet> rules_;
    std::function<bool()> alerting_;
    ProcessTable processes_;
    std::set<const SigmaRule*> raised_;
    std::vector<const SigmaRule*> hits_;  // reused per record
};

// The alert event for `rule` matching `event`, raised by record `r`.
events::Alert sigma_alert(const SigmaRule& rule, const SigmaEvent& event, const capture::Record& r);

}  // namespace oyster::detection
