// A thread that runs one sync step every interval and once more when
// stopped: the sensor's consumers of its event log (the store, each event
// output) each run on one, so a slow or failing consumer never holds up
// the sensor or the others. A failure is reported (the first, then at most
// once a minute while it lasts, and when it ends) and retried at the next
// step; the step resumes from wherever its last success left off.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace oyster {

class PeriodicSync {
public:
    using Step = std::function<void()>;
    using Report = std::function<void(const std::string&)>;

    // `what` names the consumer in reports ("store", "syslog output").
    // `reset` runs after a failed step (drop a broken connection).
    PeriodicSync(std::string what, Step step, Step reset, Report report,
                 std::chrono::milliseconds interval = std::chrono::seconds(1));
    // Runs the step a last time, then stops the thread.
    ~PeriodicSync();
    PeriodicSync(const PeriodicSync&) = delete;
    PeriodicSync& operator=(const PeriodicSync&) = delete;

private:
    void run(const std::stop_token& stop);

    std::string what_;
    Step step_, reset_;
    Report report_;
    std::chrono::milliseconds interval_;
    std::mutex mu_;
    std::condition_variable_any wake_;
    std::jthread thread_;  // last: started once the rest is set
};

}  // namespace oyster
