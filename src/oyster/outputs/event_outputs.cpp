#include "oyster/outputs/event_outputs.h"

#include <unistd.h>

#include <climits>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::outputs {
namespace {

constexpr std::size_t kBatchBytes = 1U << 20;

std::string host_name() {
    char buf[HOST_NAME_MAX + 1] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "-";
    return syslog_hostname(buf);
}

}  // namespace

bool is_store_only(std::string_view line) {
    // Only lines that can hold the flag are parsed: an attacker's string
    // holding the text has its quotes escaped and cannot match.
    if (line.find("\"store_only\":true") == std::string_view::npos) return false;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) return false;
    auto flag = j.find("store_only");
    return flag != j.end() && flag->is_boolean() && flag->get<bool>();
}

std::vector<Output> configured_outputs(const Config& cfg, const std::filesystem::path& events_file) {
    std::vector<Output> out;
    auto state_dir = cfg.paths.state_dir / "outputs";
    std::uint64_t backlog = std::uint64_t{cfg.outputs.backlog_mib} << 20;
    if (!cfg.outputs.jsonl_file.empty()) {
        std::string target = cfg.outputs.jsonl_file.string();
        out.push_back(
            {"jsonl", target, std::make_unique<JsonlFileSink>(cfg.outputs.jsonl_file),
             std::make_unique<LogCursor>(events_file, cursor_state_file(state_dir, "jsonl", target), target, backlog)});
    }
    if (!cfg.outputs.syslog.url.empty()) {
        SyslogFormat format;
        format.facility = syslog_facility_code(cfg.outputs.syslog_facility).value_or(16);
        format.hostname = host_name();
        format.max_bytes = cfg.outputs.syslog_max_bytes;
        std::string target = cfg.outputs.syslog.url;
        out.push_back({"syslog", target, std::make_unique<SyslogSink>(cfg.outputs.syslog, format),
                       std::make_unique<LogCursor>(events_file, cursor_state_file(state_dir, "syslog", target), target,
                                                   backlog)});
    }
    return out;
}

ForwardResult forward(Output& output) {
    ForwardResult r;
    try {
        auto held = output.cursor->hold();
        for (;;) {
            LogCursor::Skip skip;
            auto batch = output.cursor->next(kBatchBytes, &skip);
            r.skipped.bytes += skip.bytes;
            r.skipped.lines += skip.lines;
            if (batch.lines.empty() && batch.skipped_lines == 0) break;
            std::erase_if(batch.lines, [](const std::string& line) { return is_store_only(line); });
            if (!batch.lines.empty()) output.sink->deliver(batch.lines);
            output.cursor->commit(batch);
            r.delivered += batch.lines.size();
        }
    } catch (const std::exception& e) {
        output.sink->reset();
        r.error = e.what();
    }
    return r;
}

nlohmann::json output_status(const Output& output) {
    nlohmann::json j = to_json(output.cursor->state());
    j["name"] = output.name;
    j["target"] = output.target;
    j["backlog_bytes"] = output.cursor->backlog();
    return j;
}

OutputRunner::OutputRunner(const Config& cfg, const std::filesystem::path& events_file,
                           const PeriodicSync::Report& report)
    : outputs_(configured_outputs(cfg, events_file)) {
    for (auto& o : outputs_) {
        Output* out = &o;
        std::string what = fmt::format("{} output {}", o.name, o.target);
        threads_.push_back(std::make_unique<PeriodicSync>(
            what,
            [out, report, what] {
                auto r = forward(*out);
                if (r.skipped.bytes > 0) {
                    report(fmt::format("{}: over its backlog limit: skipped {} events ({} bytes)", what,
                                       r.skipped.lines, r.skipped.bytes));
                }
                if (!r.error.empty()) throw Error(r.error);
            },
            nullptr, report));
    }
}

OutputRunner::~OutputRunner() {
    threads_.clear();  // each forwards a last time and joins
}

}  // namespace oyster::outputs
