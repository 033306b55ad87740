// One event as Sigma rules see it: the log source category it belongs to
// and its fields by the names rules use (the mapping from the capture is
// capture_mapping.h; docs/detection.md lists it).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "oyster/detection/sigma_value.h"

namespace oyster::detection {

class SigmaEvent {
public:
    // Room for a category's fields: no regrowth while the mapping fills it.
    explicit SigmaEvent(std::string_view category = {}) : category_(category) { fields_.reserve(10); }

    std::string_view category() const { return category_; }
    // Sets a field; its lower-case form is made here, once per event.
    void set(std::string_view name, std::string value) {
        std::string lower = ascii_lower(value);
        fields_.emplace_back(name, FieldValue{std::move(value), std::move(lower)});
    }
    // Null when the event has no such field (names are case-sensitive,
    // as Sigma's are).
    const FieldValue* get(std::string_view name) const {
        for (const auto& [n, v] : fields_) {
            if (n == name) return &v;
        }
        return nullptr;
    }
    const std::vector<std::pair<std::string_view, FieldValue>>& fields() const { return fields_; }

private:
    std::string_view category_;
    // The names are the mapping's string literals.
    std::vector<std::pair<std::string_view, FieldValue>> fields_;
};

}  // namespace oyster::detection
