// Wall-clock time as records and events store it.
#pragma once

#include <chrono>
#include <cstdint>

namespace oyster {

// Seconds since the Unix epoch.
inline std::int64_t unix_now() {
    return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

}  // namespace oyster
