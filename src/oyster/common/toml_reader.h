// Strict TOML reading for Oyster's own files (oyster.toml, personas): each
// key has a reader that checks type and range, and every problem is a
// ConfigError "file:line: key: problem", because a typo in a honeypot's
// settings must not be silently ignored.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "oyster/common/config.h"

namespace oyster {

// Parses TOML text; a syntax error is a ConfigError "source:line:column: ...".
toml::table parse_toml(std::string_view text, const std::string& source_name);

// The whole file, or a ConfigError "path: cannot read <what>".
std::string read_toml_file(const std::filesystem::path& path, const std::string& what);

// One key's reader: takes the TOML node, stores the value or throws with a
// description of what was expected.
using KeyReader = std::function<void(const toml::node&, const std::string& where)>;

class TomlReader {
public:
    explicit TomlReader(std::string source) : source_(std::move(source)) {}

    [[noreturn]] void fail(const std::string& key, const toml::node* node, const std::string& problem) const {
        std::string where = source_;
        if (node != nullptr && node->source().begin.line > 0) {
            where += fmt::format(":{}", node->source().begin.line);
        }
        throw ConfigError(fmt::format("{}: {}: {}", where, key, problem));
    }

    KeyReader u32(std::uint32_t& out, std::uint32_t min, std::uint32_t max) {
        return [this, &out, min, max](const toml::node& n, const std::string& key) {
            auto v = n.value_exact<std::int64_t>();
            if (!v) fail(key, &n, fmt::format("expected an integer, got {}", type_name(n)));
            if (*v < min || *v > max) {
                fail(key, &n, fmt::format("{} is out of range (allowed {} to {})", *v, min, max));
            }
            out = static_cast<std::uint32_t>(*v);
        };
    }

    KeyReader boolean(bool& out) {
        return [this, &out](const toml::node& n, const std::string& key) {
            auto v = n.value_exact<bool>();
            if (!v) fail(key, &n, fmt::format("expected true or false, got {}", type_name(n)));
            out = *v;
        };
    }

    KeyReader string(std::string& out, std::function<std::string(const std::string&)> check = {}) {
        return [this, &out, check = std::move(check)](const toml::node& n, const std::string& key) {
            auto v = n.value_exact<std::string>();
            if (!v) fail(key, &n, fmt::format("expected a string, got {}", type_name(n)));
            if (check) {
                if (std::string problem = check(*v); !problem.empty()) fail(key, &n, problem);
            }
            out = *v;
        };
    }

    KeyReader string_list(std::vector<std::string>& out, std::function<std::string(const std::string&)> check) {
        return [this, &out, check = std::move(check)](const toml::node& n, const std::string& key) {
            const toml::array* a = n.as_array();
            if (a == nullptr) fail(key, &n, fmt::format("expected an array of strings, got {}", type_name(n)));
            out.clear();
            for (const auto& item : *a) {
                auto v = item.value_exact<std::string>();
                if (!v) fail(key, &item, fmt::format("expected an array of strings, found {}", type_name(item)));
                if (std::string problem = check(*v); !problem.empty()) fail(key, &item, problem);
                out.push_back(*v);
            }
        };
    }

    KeyReader u16(std::uint16_t& out, std::uint16_t min, std::uint16_t max) {
        return [this, &out, min, max](const toml::node& n, const std::string& key) {
            std::uint32_t v = 0;
            u32(v, min, max)(n, key);
            out = static_cast<std::uint16_t>(v);
        };
    }

    KeyReader optional_path(std::filesystem::path& out) {
        return [this, &out](const toml::node& n, const std::string& key) {
            auto v = n.value_exact<std::string>();
            if (v && v->empty()) {
                out.clear();
                return;
            }
            path(out)(n, key);
        };
    }

    KeyReader path(std::filesystem::path& out) {
        return [this, &out](const toml::node& n, const std::string& key) {
            auto v = n.value_exact<std::string>();
            if (!v) fail(key, &n, fmt::format("expected a path string, got {}", type_name(n)));
            if (v->empty() || (*v)[0] != '/') fail(key, &n, fmt::format("\"{}\" is not an absolute path", *v));
            out = *v;
        };
    }

    void read_table(const toml::table& root, const std::string& name, const std::map<std::string, KeyReader>& keys) {
        const toml::node* node = root.get(name);
        if (node == nullptr) return;
        const toml::table* table = node->as_table();
        if (table == nullptr) fail(name, node, fmt::format("expected a table, got {}", type_name(*node)));
        read_keys(*table, name, keys);
    }

    // Fails "is required" for the first of `keys` that `table` (named
    // `where`) lacks.
    void require(const toml::table& table, const std::string& where, std::initializer_list<const char*> keys) const {
        for (const char* k : keys) {
            if (!table.contains(k)) fail(where + "." + k, &table, "is required");
        }
    }

    // Reads every key of `table` (named `name` in messages) with `keys`.
    void read_keys(const toml::table& table, const std::string& name, const std::map<std::string, KeyReader>& keys) {
        for (const auto& [k, v] : table) {
            std::string key = name.empty() ? std::string(k.str()) : name + "." + std::string(k.str());
            auto it = keys.find(std::string(k.str()));
            if (it == keys.end()) fail(key, &v, "unknown key");
            it->second(v, key);
        }
    }

    // An array of tables ([[name]]): `each` reads one, named "name[i]".
    void read_table_array(const toml::table& root, const std::string& name,
                          const std::function<void(const toml::table&, const std::string&)>& each) {
        const toml::node* node = root.get(name);
        if (node == nullptr) return;
        const toml::array* a = node->as_array();
        if (a == nullptr)
            fail(name, node, fmt::format("expected an array of tables ([[{}]]), got {}", name, type_name(*node)));
        std::size_t i = 0;
        for (const auto& item : *a) {
            std::string where = fmt::format("{}[{}]", name, i++);
            const toml::table* t = item.as_table();
            if (t == nullptr) fail(where, &item, fmt::format("expected a table, got {}", type_name(item)));
            each(*t, where);
        }
    }

    static std::string type_name(const toml::node& n) {
        switch (n.type()) {
            case toml::node_type::string:
                return "a string";
            case toml::node_type::integer:
                return "an integer";
            case toml::node_type::floating_point:
                return "a float";
            case toml::node_type::boolean:
                return "a boolean";
            case toml::node_type::array:
                return "an array";
            case toml::node_type::table:
                return "a table";
            default:
                return "a date/time";
        }
    }

private:
    std::string source_;
};

}  // namespace oyster
