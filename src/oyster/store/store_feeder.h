// Keeps a store (event_store.h) up to date with the sensor's event log
// while the sensor runs: a thread of its own (PeriodicSync) syncs once a
// second and once more when stopped. The sensor runs one for its own
// SQLite store and, in a fleet, one that ships to the central PostgreSQL
// store (docs/fleet.md). It only reads the log, on its own connection, so
// a slow, failing or unreachable store never holds up the sensor or its
// log; a failure is reported and retried at the next sync (on a new
// connection), which resumes where the last committed one ended: the log
// on disk is the backlog, and nothing is lost or sent twice.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "oyster/common/periodic_sync.h"
#include "oyster/store/event_store.h"
#include "oyster/store/store_location.h"

namespace oyster::store {

class StoreFeeder {
public:
    // The sensor's own store: the SQLite file.
    StoreFeeder(const std::filesystem::path& store_file, std::filesystem::path events_file, PeriodicSync::Report report,
                std::chrono::milliseconds interval = std::chrono::seconds(1));
    // Any store, the log known there as `source`; `what` names the store
    // in reports.
    StoreFeeder(StoreLocation at, std::string what, std::filesystem::path events_file, EventStore::LogSource source,
                PeriodicSync::Report report, std::chrono::milliseconds interval = std::chrono::seconds(1));

private:
    StoreLocation at_;
    std::filesystem::path events_file_;
    EventStore::LogSource source_;
    std::unique_ptr<EventStore> store_;  // the sync thread's alone; opened anew after a failure
    // Where the log stood in the store after the last sync that worked:
    // what a failure report counts the backlog from.
    std::optional<EventStore::LogPosition> synced_;
    PeriodicSync sync_;  // last: its thread uses the members above
};

}  // namespace oyster::store
