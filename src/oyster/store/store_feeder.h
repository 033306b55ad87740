// Keeps the analyst's store (event_store.h) up to date with the sensor's
// event log while the sensor runs: a thread of its own syncs once a second
// and once more when stopped. It only reads the log, on its own SQLite
// connection, so a slow or failing store never holds up the sensor or its
// log; a failure is reported (at most once a minute) and retried at the
// next sync, which resumes where the last committed one ended.
#pragma once

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace oyster::store {

class StoreFeeder {
public:
    using Report = std::function<void(const std::string&)>;

    StoreFeeder(std::filesystem::path store_file, std::filesystem::path events_file, Report report,
                std::chrono::milliseconds interval = std::chrono::seconds(1));
    // Syncs a last time, then stops the thread.
    ~StoreFeeder();
    StoreFeeder(const StoreFeeder&) = delete;
    StoreFeeder& operator=(const StoreFeeder&) = delete;

private:
    void run(const std::stop_token& stop);

    std::filesystem::path store_file_, events_file_;
    Report report_;
    std::chrono::milliseconds interval_;
    std::mutex mu_;
    std::condition_variable_any wake_;
    std::jthread thread_;
};

}  // namespace oyster::store
