// Timing for the benchmarks that are programs of their own.
#pragma once

#include <algorithm>
#include <chrono>
#include <functional>
#include <vector>

namespace oyster::bench {

inline double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Median milliseconds of `runs` calls (the first, cold, not counted).
inline double median_ms(const std::function<void()>& query, int runs = 15) {
    query();
    std::vector<double> ms;
    for (int i = 0; i < runs; ++i) {
        auto t0 = std::chrono::steady_clock::now();
        query();
        ms.push_back(seconds_since(t0) * 1000);
    }
    std::sort(ms.begin(), ms.end());
    return ms[ms.size() / 2];
}

}  // namespace oyster::bench
