// How an event struct (events/sensor_events.h) becomes a JSON object and
// back, field by field.
//
// Each event struct lists its fields once, in a static `fields(self,
// visit)` that calls `visit("name", self.member)` per field; writing,
// reading and the schema's field list (the docs test) all walk that list,
// so a field cannot be written under one name and read under another.
//
// Writing: a plain member is always written; a std::optional member only
// when it holds a value (a field some events of the type leave out);
// a Nullable member always, as null when empty (a field the type always
// has, null when unknown).
//
// Reading is for lines an event log holds, which a reader does not trust:
// a missing field, or one of the wrong JSON type or out of range, reads
// as the member's default (an optional stays empty), never as an
// exception. Unknown fields are ignored.
#pragma once

#include <concepts>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace oyster::events {

// A field written as null when it has no value.
template <class T>
struct Nullable {
    std::optional<T> value;
    Nullable() = default;
    Nullable(std::nullopt_t) {}
    Nullable(T v) : value(std::move(v)) {}
    bool operator==(const Nullable&) const = default;
};

namespace detail {

template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_nullable : std::false_type {};
template <class T>
struct is_nullable<Nullable<T>> : std::true_type {};

// Moves `v` into j[name] (a capture event's object is not copied on its
// way into the log line).
template <class T>
void put(nlohmann::json& j, const char* name, T&& v) {
    using U = std::remove_cvref_t<T>;
    if constexpr (is_optional<U>::value) {
        if (v) put(j, name, *std::forward<T>(v));
    } else if constexpr (is_nullable<U>::value) {
        if (v.value) {
            put(j, name, *std::forward<T>(v).value);
        } else {
            j[name] = nullptr;
        }
    } else {
        j[name] = std::forward<T>(v);
    }
}

// Each read returns whether the value had the member's type (and range).
inline bool read(const nlohmann::json& f, std::string& v) {
    if (!f.is_string()) return false;
    v = f.get<std::string>();
    return true;
}

inline bool read(const nlohmann::json& f, bool& v) {
    if (!f.is_boolean()) return false;
    v = f.get<bool>();
    return true;
}

template <std::integral T>
requires(!std::same_as<T, bool>) bool read(const nlohmann::json& f, T& v) {
    if (f.is_number_unsigned()) {
        auto u = f.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) return false;
        v = static_cast<T>(u);
        return true;
    }
    if (f.is_number_integer()) {
        auto s = f.get<std::int64_t>();
        if constexpr (std::is_unsigned_v<T>) {
            if (s < 0) return false;
            if (static_cast<std::uint64_t>(s) > std::numeric_limits<T>::max()) return false;
        } else {
            if (s < std::numeric_limits<T>::min() || s > std::numeric_limits<T>::max()) return false;
        }
        v = static_cast<T>(s);
        return true;
    }
    return false;
}

inline bool read(const nlohmann::json& f, std::vector<std::string>& v) {
    if (!f.is_array()) return false;
    v.clear();
    for (const auto& e : f) {
        if (e.is_string()) v.push_back(e.get<std::string>());
    }
    return true;
}

// A field whose JSON form is the data itself (a nested object, a list).
inline bool read(const nlohmann::json& f, nlohmann::json& v) {
    v = f;
    return true;
}

template <class T>
bool read(const nlohmann::json& f, std::optional<T>& v) {
    T t{};
    if (!read(f, t)) return false;
    v = std::move(t);
    return true;
}

template <class T>
bool read(const nlohmann::json& f, Nullable<T>& v) {
    if (f.is_null()) {
        v.value.reset();
        return true;
    }
    return read(f, v.value);
}

}  // namespace detail

// The struct's fields as a JSON object, moved out of `e` (pass a copy to
// keep it).
template <class E>
nlohmann::json to_fields(E e) {
    nlohmann::json j = nlohmann::json::object();
    E::fields(e, [&](const char* name, auto& v) { detail::put(j, name, std::move(v)); });
    return j;
}

// From an rvalue object, a field whose JSON form is the data itself (a
// capture event's object) is moved out rather than copied.
template <class E, class Json>
requires std::same_as<std::remove_cvref_t<Json>, nlohmann::json> E from_fields(Json&& j) {
    E e{};
    if (!j.is_object()) return e;
    E::fields(e, [&](const char* name, auto& v) {
        auto it = j.find(name);
        if (it == j.end()) return;
        using T = std::remove_cvref_t<decltype(v)>;
        if constexpr (std::is_same_v<T, nlohmann::json> && !std::is_lvalue_reference_v<Json>) {
            v = std::move(*it);
        } else {
            T read{};
            if (detail::read(*it, read)) v = std::move(read);
        }
    });
    return e;
}

template <class E>
std::vector<std::string> field_names() {
    std::vector<std::string> names;
    E e{};
    E::fields(e, [&](const char* name, const auto&) { names.emplace_back(name); });
    return names;
}

}  // namespace oyster::events
