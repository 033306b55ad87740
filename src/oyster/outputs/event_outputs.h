// The event outputs oyster.toml's [outputs] configures (docs/outputs.md):
// each forwards the sensor's events.jsonl to its target from its own
// place in the log (log_cursor.h), so the sensor only ever writes its log
// and a slow or failing output delays neither capture nor the others. A
// failure is retried every second, resuming with the batch that failed;
// one over its backlog limit skips ahead and says so. Events the sensor
// wrote for its store alone (`store_only`: capture events beyond the live
// allowance, sensor/capture_follower.h) are not forwarded.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/config.h"
#include "oyster/common/periodic_sync.h"
#include "oyster/outputs/event_sinks.h"
#include "oyster/outputs/log_cursor.h"

namespace oyster::outputs {

// One configured output: its sink and its place in the log.
struct Output {
    std::string name;    // "jsonl", "syslog"
    std::string target;  // the file or URL
    std::unique_ptr<EventSink> sink;
    std::unique_ptr<LogCursor> cursor;
};

// The outputs `cfg` configures, reading `events_file`; state under
// <state_dir>/outputs/.
std::vector<Output> configured_outputs(const Config& cfg, const std::filesystem::path& events_file);

struct ForwardResult {
    std::uint64_t delivered = 0;  // lines this call
    LogCursor::Skip skipped;      // over the backlog limit, this call
    std::string error;            // empty: caught up
};

// True for an event line marked `store_only`.
bool is_store_only(std::string_view line);

// Delivers what the output has not yet delivered, batch by batch; stops
// at the first failure (reported in `error`, the batch kept for the next
// call). Never throws for a failing target.
ForwardResult forward(Output& output);

// The status of an output as JSON: name, target, its cursor state,
// backlog (bytes not yet delivered).
nlohmann::json output_status(const Output& output);

// The outputs while the sensor runs, each on its own PeriodicSync.
class OutputRunner {
public:
    OutputRunner(const Config& cfg, const std::filesystem::path& events_file, const PeriodicSync::Report& report);
    // Each output forwards a last time, then stops.
    ~OutputRunner();
    OutputRunner(const OutputRunner&) = delete;
    OutputRunner& operator=(const OutputRunner&) = delete;

private:
    std::vector<Output> outputs_;
    std::vector<std::unique_ptr<PeriodicSync>> threads_;
};

}  // namespace oyster::outputs
