// What a guest is shown as its kernel. The image carries a real Debian
// kernel package (a persona's linux-image-*), so /boot, /lib/modules
// and dpkg agree with it; image/tasks/16-kernel-identity.sh reads that
// kernel's release and version from its vmlinuz and records them, with the
// root filesystem's UUID, in <image dir>/identity.json. The guest kernel
// shows them in uname, /proc/version, /proc/cmdline and dmesg (kernel patch
// 0007), taking them from its environment, which nothing inside the guest
// can read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "oyster/disguise/shown_modules.h"

namespace oyster {

struct GuestIdentity {
    std::string kernel_release;  // e.g. "6.1.0-41-amd64"
    std::string kernel_version;  // e.g. "#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1 (2025-11-09)"
    std::string root_uuid;       // the root filesystem's UUID, lower-case
    // What /proc/modules lists (disguise/shown_modules.h); none for an image
    // built before the list (lsmod then shows no module).
    std::vector<ShownModule> modules;
    // When the image build began (unix seconds; 0 for an image from before
    // it was recorded): the stealth selftest's build window starts there.
    std::int64_t build_started = 0;
};

// Parses identity.json text; `source` names it in errors. Every value is
// checked (lengths the kernel can hold, printable, no spaces in the release,
// a canonical UUID, the modules as parse_shown_modules checks them): it ends
// up on a command line, in utsname and /proc/modules. Throws oyster::Error
// naming the source and the key.
GuestIdentity parse_guest_identity(std::string_view json_text, const std::string& source);

// Reads and parses <image dir>/identity.json. Throws oyster::Error.
GuestIdentity read_guest_identity(const std::filesystem::path& image);

// identity.json's form of `id`, which parse_guest_identity reads back.
std::string guest_identity_json(const GuestIdentity& id);

// The command line a Debian install boots its kernel with (GRUB's
// BOOT_IMAGE, the root by UUID, quiet).
std::string shown_command_line(const GuestIdentity& id);

// UML_SHOWN_RELEASE, UML_SHOWN_VERSION and UML_SHOWN_CMDLINE, as
// "NAME=value" entries for the UML process's environment.
std::vector<std::string> shown_identity_env(const GuestIdentity& id);

}  // namespace oyster
