#include "oyster/detection/live_detector.h"

#include <optional>

#include <fmt/format.h>

#include "oyster/capture/capture_decoder.h"

namespace oyster::detection {
namespace {

const std::string& field(const SigmaEvent& e, std::string_view name) {
    static const std::string kNone;
    const auto* v = e.get(name);
    return v ? v->text : kNone;
}

// What the analyst reads first: the command, the file, the peer.
std::string detail_of(const SigmaEvent& e) {
    auto c = e.category();
    if (c == "process_creation") return field(e, "CommandLine");
    if (c == "file_event" || c == "file_delete") return field(e, "TargetFilename");
    if (c == "network_connection") {
        const auto& ip = field(e, "DestinationIp");
        const auto& port = field(e, "DestinationPort");
        return ip.find(':') != std::string::npos ? fmt::format("[{}]:{}", ip, port) : fmt::format("{}:{}", ip, port);
    }
    if (c == "login")
        return fmt::format("{} from {} ({})", field(e, "TargetUserName"), field(e, "SourceIp"),
                           field(e, "Success") == "true" ? "accepted" : "refused");
    return "";
}

}  // namespace

LiveDetector::LiveDetector(std::shared_ptr<const SigmaRuleSet> rules, std::function<bool()> alerting)
    : rules_(std::move(rules)), alerting_(std::move(alerting)) {}

void LiveDetector::observe(const capture::Record& r, bool match, std::vector<events::Alert>& alerts) {
    if (match && rules_ && !rules_->rules().empty()) {
        if (auto event = sigma_event_for(r, processes_)) {
            hits_.clear();
            rules_->match(*event, hits_);
            // Asked only when a rule not yet raised matches: rarely.
            std::optional<bool> open;
            for (const SigmaRule* rule : hits_) {
                if (raised_.contains(rule)) continue;
                if (!open) open = !alerting_ || alerting_();
                if (!*open) break;
                raised_.insert(rule);
                alerts.push_back(sigma_alert(*rule, *event, r));
            }
        }
    }
    processes_.observe(r);
}

events::Alert sigma_alert(const SigmaRule& rule, const SigmaEvent& event, const capture::Record& r) {
    events::Alert a;
    a.rule = rule.title;
    a.rule_file = rule.file;
    a.tags = rule.tags;
    a.description = rule.description;
    a.severity = rule.level;
    a.engine = "sigma";
    if (!rule.id.empty()) a.rule_id = rule.id;
    a.category = std::string(event.category());
    a.detail = detail_of(event);
    a.event_time = capture::iso_time(r.actor.time_ns);
    a.seq = r.actor.seq;
    a.pid = r.actor.tgid;
    return a;
}

}  // namespace oyster::detection
