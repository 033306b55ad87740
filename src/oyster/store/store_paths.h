// Where the sensor's event log and the analyst's store live in the state
// directory.
#pragma once

#include <filesystem>

namespace oyster::store {

inline std::filesystem::path sensor_events_file(const std::filesystem::path& state_dir) {
    return state_dir / "sensor" / "events.jsonl";
}

inline std::filesystem::path store_file(const std::filesystem::path& state_dir) {
    return state_dir / "store.sqlite";
}

}  // namespace oyster::store
