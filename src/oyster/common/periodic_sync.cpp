#include "oyster/common/periodic_sync.h"

#include <fmt/format.h>

namespace oyster {

PeriodicSync::PeriodicSync(std::string what, Step step, Step reset, Report report, std::chrono::milliseconds interval)
    : what_(std::move(what)),
      step_(std::move(step)),
      reset_(std::move(reset)),
      report_(std::move(report)),
      interval_(interval),
      thread_([this](const std::stop_token& stop) { run(stop); }) {}

// thread_'s destructor requests the stop, which ends the wait at once
// (condition_variable_any waits on the stop token), and joins after the
// last step.
PeriodicSync::~PeriodicSync() = default;

void PeriodicSync::run(const std::stop_token& stop) {
    auto last_report = std::chrono::steady_clock::time_point{};
    bool failing = false;
    for (;;) {
        bool stopping = stop.stop_requested();
        try {
            step_();
            if (failing) report_(fmt::format("{}: working again", what_));
            failing = false;
        } catch (const std::exception& e) {
            if (reset_) reset_();
            auto now = std::chrono::steady_clock::now();
            if (!failing || now - last_report > std::chrono::minutes(1)) {
                report_(fmt::format("{}: {} (retrying)", what_, e.what()));
                last_report = now;
            }
            failing = true;
        }
        if (stopping) return;
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, stop, interval_, [] { return false; });
    }
}

}  // namespace oyster
