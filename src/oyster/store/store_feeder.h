// Keeps the analyst's store (event_store.h) up to date with the sensor's
// event log while the sensor runs: a thread of its own (PeriodicSync)
// syncs once a second and once more when stopped. It only reads the log,
// on its own SQLite connection, so a slow or failing store never holds up
// the sensor or its log; a failure is reported and retried at the next
// sync, which resumes where the last committed one ended.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>

#include "oyster/common/periodic_sync.h"
#include "oyster/store/event_store.h"

namespace oyster::store {

class StoreFeeder {
public:
    StoreFeeder(std::filesystem::path store_file, std::filesystem::path events_file, PeriodicSync::Report report,
                std::chrono::milliseconds interval = std::chrono::seconds(1));

private:
    std::filesystem::path store_file_, events_file_;
    std::unique_ptr<EventStore> store_;  // the sync thread's alone; opened anew after a failure
    PeriodicSync sync_;                  // last: its thread uses the members above
};

}  // namespace oyster::store
