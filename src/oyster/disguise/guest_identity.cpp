#include "oyster/disguise/guest_identity.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"

namespace oyster {

namespace {

// utsname fields hold 64 bytes plus the terminator.
constexpr std::size_t kUtsLength = 64;

bool printable(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= 0x20 && c < 0x7f; });
}

bool canonical_uuid(std::string_view s) {
    if (s.size() != 36) return false;
    for (std::size_t i = 0; i < s.size(); ++i) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        char c = s[i];
        if (dash ? c != '-' : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string string_key(const nlohmann::json& j, const char* key, const std::string& source) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) throw Error(fmt::format("{}: {}: missing or not a string", source, key));
    return it->get<std::string>();
}

}  // namespace

GuestIdentity parse_guest_identity(std::string_view json_text, const std::string& source) {
    nlohmann::json j = nlohmann::json::parse(json_text, nullptr, false);
    if (j.is_discarded() || !j.is_object()) throw Error(source + ": not a JSON object");
    GuestIdentity id;
    id.kernel_release = string_key(j, "kernel_release", source);
    id.kernel_version = string_key(j, "kernel_version", source);
    id.root_uuid = string_key(j, "root_uuid", source);
    const auto& r = id.kernel_release;
    if (r.empty() || r.size() > kUtsLength || !printable(r) || r.find(' ') != std::string::npos ||
        r.find('/') != std::string::npos) {
        throw Error(
            fmt::format("{}: kernel_release: \"{}\" is not a kernel release (1-64 printable bytes, no "
                        "space or '/')",
                        source, r));
    }
    if (id.kernel_version.empty() || id.kernel_version.size() > kUtsLength || !printable(id.kernel_version)) {
        throw Error(fmt::format("{}: kernel_version: not 1-64 printable bytes", source));
    }
    if (!canonical_uuid(id.root_uuid)) {
        throw Error(fmt::format("{}: root_uuid: \"{}\" is not a lower-case UUID", source, id.root_uuid));
    }
    if (auto modules = j.find("modules"); modules != j.end()) id.modules = parse_shown_modules(*modules, source);
    if (auto started = j.find("build_started"); started != j.end()) {
        if (!started->is_number_unsigned()) throw Error(source + ": build_started: not unix seconds");
        id.build_started = started->get<std::int64_t>();
    }
    return id;
}

std::string guest_identity_json(const GuestIdentity& id) {
    nlohmann::json j = {{"kernel_release", id.kernel_release},
                        {"kernel_version", id.kernel_version},
                        {"root_uuid", id.root_uuid},
                        {"modules", shown_modules_json(id.modules)},
                        {"build_started", id.build_started}};
    return j.dump();
}

GuestIdentity read_guest_identity(const std::filesystem::path& image) {
    auto path = image.parent_path() / "identity.json";
    return parse_guest_identity(read_file(path), path.string());
}

std::string shown_command_line(const GuestIdentity& id) {
    return fmt::format("BOOT_IMAGE=/boot/vmlinuz-{} root=UUID={} ro quiet", id.kernel_release, id.root_uuid);
}

std::vector<std::string> shown_identity_env(const GuestIdentity& id) {
    return {"UML_SHOWN_RELEASE=" + id.kernel_release, "UML_SHOWN_VERSION=" + id.kernel_version,
            "UML_SHOWN_CMDLINE=" + shown_command_line(id)};
}

}  // namespace oyster
