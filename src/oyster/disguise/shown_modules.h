// The modules a guest lists in /proc/modules (lsmod). UML cannot load the
// Debian kernel's modules the image carries; image/tasks/17-shown-modules.sh
// takes from that kernel's own files what a Debian cloud guest on virtio
// hardware has loaded (name, size as the kernel lays it out, the modules it
// uses directly, users beyond its dependants) and records them in the
// image's identity.json. The launcher writes them as /proc/modules lines to
// a file only the UML process sees and names it in UML_SHOWN_MODULES;
// kernel patch 0036 lists them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace oyster {

struct ShownModule {
    std::string name;               // as lsmod shows it: [a-z0-9_], 1-55 bytes
    std::uint32_t size = 0;         // bytes, page-aligned as the kernel's
    std::vector<std::string> deps;  // the modules it uses, each listed before it
    std::uint32_t users = 0;        // holders that are not modules (a mount, an open device)
};

inline constexpr std::size_t kMaxShownModules = 200;

// The "modules" array of identity.json, in load order. Every value is
// checked (it ends up in the guest's kernel): names, sizes (4 KiB-64 MiB,
// page-aligned), dependencies on earlier modules only, users 0-1000, at most
// kMaxShownModules. Throws oyster::Error naming `source` and the module.
std::vector<ShownModule> parse_shown_modules(const nlohmann::json& modules, const std::string& source);

nlohmann::json shown_modules_json(const std::vector<ShownModule>& modules);

// The file patch 0036 reads: one line per module, newest first, as
// "name size refcount holders address" (refcount: users plus the modules
// using it; holders "a,b," newest first or "-"; the address in hex, in the
// module area from a base drawn from `seed` as KASLR draws it, each module a
// guard page after the one loaded before).
std::string shown_modules_text(const std::vector<ShownModule>& modules, std::string_view seed);

}  // namespace oyster
