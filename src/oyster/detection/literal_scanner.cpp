#include "oyster/detection/literal_scanner.h"

#include <algorithm>
#include <deque>
#include <stdexcept>

namespace oyster::detection {

std::uint32_t LiteralScanner::child(std::uint32_t state, unsigned char c) const {
    const auto& next = states_[state].next;
    auto it = std::lower_bound(next.begin(), next.end(), c, [](const auto& e, unsigned char b) { return e.first < b; });
    return it != next.end() && it->first == c ? it->second : UINT32_MAX;
}

std::uint32_t LiteralScanner::step(std::uint32_t state, unsigned char c) const {
    for (;;) {
        std::uint32_t n = child(state, c);
        if (n != UINT32_MAX) return n;
        if (state == 0) return 0;
        state = states_[state].fail;
    }
}

std::uint32_t LiteralScanner::add(std::string_view literal) {
    if (built_) throw std::logic_error("LiteralScanner::add after build");
    if (auto it = literals_.find(std::string(literal)); it != literals_.end()) return it->second;
    std::uint32_t state = 0;
    for (char ch : literal) {
        auto c = static_cast<unsigned char>(ch);
        std::uint32_t n = child(state, c);
        if (n == UINT32_MAX) {
            n = static_cast<std::uint32_t>(states_.size());
            states_.emplace_back();
            auto& next = states_[state].next;
            next.insert(std::lower_bound(next.begin(), next.end(), c,
                                         [](const auto& e, unsigned char b) { return e.first < b; }),
                        {c, n});
        }
        state = n;
    }
    auto id = static_cast<std::uint32_t>(literals_.size());
    literals_.emplace(literal, id);
    states_[state].ends.push_back(id);
    return id;
}

void LiteralScanner::build() {
    built_ = true;
    // Breadth first: a state's failure is found from its parent's.
    std::deque<std::uint32_t> queue;
    for (const auto& [c, n] : states_[0].next) {
        states_[n].fail = 0;
        queue.push_back(n);
    }
    while (!queue.empty()) {
        std::uint32_t s = queue.front();
        queue.pop_front();
        for (const auto& [c, n] : states_[s].next) {
            std::uint32_t f = states_[s].fail;
            states_[n].fail = s == 0 ? 0 : step(f, c);
            if (states_[n].fail == n) states_[n].fail = 0;
            std::uint32_t fail = states_[n].fail;
            states_[n].output_link = states_[fail].ends.empty() ? states_[fail].output_link : fail;
            queue.push_back(n);
        }
    }
}

}  // namespace oyster::detection
