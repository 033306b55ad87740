// Reading fields of an untrusted JSON event: a missing or mistyped field
// reads as empty (or 0), never as an exception.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

namespace oyster::store {

inline std::string str_field(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return {};
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline std::int64_t int_field(const nlohmann::json& j, const char* key, std::int64_t missing = 0) {
    if (!j.is_object()) return missing;
    auto it = j.find(key);
    return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : missing;
}

inline bool bool_field(const nlohmann::json& j, const char* key) {
    if (!j.is_object()) return false;
    auto it = j.find(key);
    return it != j.end() && it->is_boolean() && it->get<bool>();
}

}  // namespace oyster::store
