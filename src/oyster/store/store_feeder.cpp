#include "oyster/store/store_feeder.h"

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/store/event_store.h"

namespace oyster::store {

StoreFeeder::StoreFeeder(std::filesystem::path store_file, std::filesystem::path events_file, Report report,
                         std::chrono::milliseconds interval)
    : store_file_(std::move(store_file)),
      events_file_(std::move(events_file)),
      report_(std::move(report)),
      interval_(interval),
      thread_([this](const std::stop_token& stop) { run(stop); }) {}

// thread_'s destructor requests the stop, which ends the wait at once
// (condition_variable_any waits on the stop token), and joins after the
// last sync.
StoreFeeder::~StoreFeeder() = default;

void StoreFeeder::run(const std::stop_token& stop) {
    std::unique_ptr<EventStore> store;
    auto last_report = std::chrono::steady_clock::time_point{};
    bool failing = false;
    for (;;) {
        bool stopping = stop.stop_requested();
        try {
            if (!store) store = std::make_unique<EventStore>(store_file_);
            store->ingest_jsonl(events_file_);
            if (failing) report_(fmt::format("store: {} is being fed again", store_file_.string()));
            failing = false;
        } catch (const std::exception& e) {
            // A broken connection is opened anew at the next sync.
            store.reset();
            auto now = std::chrono::steady_clock::now();
            if (!failing || now - last_report > std::chrono::minutes(1)) {
                report_(fmt::format("store: cannot add events to {} (retrying): {}", store_file_.string(), e.what()));
                last_report = now;
            }
            failing = true;
        }
        if (stopping) return;
        std::unique_lock lock(mu_);
        wake_.wait_for(lock, stop, interval_, [] { return false; });
    }
}

}  // namespace oyster::store
