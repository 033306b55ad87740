#include "oyster/disguise/shown_modules.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/common/error.h"
#include "oyster/common/sha256.h"

namespace oyster {
namespace {

constexpr std::size_t kMaxNameLength = 55;  // MODULE_NAME_LEN less the terminator
constexpr std::uint32_t kPage = 4096;
constexpr std::uint32_t kMaxSize = 64U << 20;
constexpr std::uint32_t kMaxUsers = 1000;
// x86-64's module area; KASLR puts the first module 1-1024 pages in.
constexpr std::uint64_t kModulesBase = 0xffffffffc0000000ULL;
constexpr std::uint64_t kKaslrPages = 1024;

bool module_name(std::string_view s) {
    return !s.empty() && s.size() <= kMaxNameLength && std::all_of(s.begin(), s.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    });
}

std::uint32_t unsigned_field(const nlohmann::json& m, const char* key, const std::string& where) {
    auto it = m.find(key);
    if (it == m.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > UINT32_MAX) {
        throw Error(fmt::format("{}: {}: missing or not a count", where, key));
    }
    return it->get<std::uint32_t>();
}

}  // namespace

std::vector<ShownModule> parse_shown_modules(const nlohmann::json& modules, const std::string& source) {
    if (!modules.is_array()) throw Error(source + ": modules: not an array");
    if (modules.size() > kMaxShownModules) {
        throw Error(fmt::format("{}: modules: {} listed, at most {}", source, modules.size(), kMaxShownModules));
    }
    std::vector<ShownModule> out;
    std::set<std::string, std::less<>> seen;
    for (std::size_t i = 0; i < modules.size(); ++i) {
        const auto& m = modules[i];
        std::string where = fmt::format("{}: modules[{}]", source, i);
        if (!m.is_object()) throw Error(where + ": not an object");
        auto name = m.find("name");
        if (name == m.end() || !name->is_string() || !module_name(name->get<std::string>())) {
            throw Error(where + ": name: not a module name (1-55 of a-z, 0-9, _)");
        }
        ShownModule mod;
        mod.name = name->get<std::string>();
        where += " (" + mod.name + ")";
        if (seen.contains(mod.name)) throw Error(where + ": listed twice");
        mod.size = unsigned_field(m, "size", where);
        if (mod.size < kPage || mod.size > kMaxSize || mod.size % kPage != 0) {
            throw Error(fmt::format("{}: size: {} is not whole pages of 4 KiB-64 MiB", where, mod.size));
        }
        mod.users = unsigned_field(m, "users", where);
        if (mod.users > kMaxUsers) throw Error(fmt::format("{}: users: {} is past {}", where, mod.users, kMaxUsers));
        auto deps = m.find("deps");
        if (deps == m.end() || !deps->is_array()) throw Error(where + ": deps: missing or not an array");
        for (const auto& d : *deps) {
            if (!d.is_string() || !seen.contains(d.get<std::string>())) {
                throw Error(where + ": deps: " + d.dump() + " is not a module listed before it");
            }
            mod.deps.push_back(d.get<std::string>());
        }
        seen.insert(mod.name);
        out.push_back(std::move(mod));
    }
    return out;
}

nlohmann::json shown_modules_json(const std::vector<ShownModule>& modules) {
    auto out = nlohmann::json::array();
    for (const auto& m : modules) {
        out.push_back({{"name", m.name}, {"size", m.size}, {"deps", m.deps}, {"users", m.users}});
    }
    return out;
}

std::string shown_modules_text(const std::vector<ShownModule>& modules, std::string_view seed) {
    // The first 16 hex digits of a digest: a number that differs per seed.
    auto digest = sha256_text(fmt::format("shown modules base {}", seed));
    std::uint64_t draw = std::stoull(digest.substr(0, 16), nullptr, 16);
    std::uint64_t address = kModulesBase + (1 + draw % kKaslrPages) * kPage;
    std::vector<std::uint64_t> addresses;
    addresses.reserve(modules.size());
    for (const auto& m : modules) {
        addresses.push_back(address);
        address += m.size + kPage;
    }
    std::string out;
    for (std::size_t i = modules.size(); i-- > 0;) {
        const auto& m = modules[i];
        std::string holders;
        for (std::size_t j = modules.size(); j-- > i + 1;) {
            const auto& deps = modules[j].deps;
            if (std::find(deps.begin(), deps.end(), m.name) != deps.end()) holders += modules[j].name + ",";
        }
        auto refcount = m.users + static_cast<std::uint32_t>(std::count(holders.begin(), holders.end(), ','));
        out +=
            fmt::format("{} {} {} {} {:x}\n", m.name, m.size, refcount, holders.empty() ? "-" : holders, addresses[i]);
    }
    return out;
}

}  // namespace oyster
