// A persona: what the guest is, as an attacker looking around would see it.
// Hostname and domain, timezone, MOTD, the Debian packages that run as its
// services, its users (with groups, home directories and shell history) and
// plausible files. The image build applies it (image/tasks/45-persona.sh
// reads the JSON that persona_json() makes); docs/personas.md documents the
// file. Loading is as strict as oyster.toml's: every problem is a ConfigError
// naming the file, the key and what is wrong.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/common/dmi_strings.h"

namespace oyster {

struct PersonaUser {
    std::string name;
    std::uint32_t uid = 0;
    std::string full_name;
    std::string shell = "/bin/bash";
    std::vector<std::string> groups;
    // For /etc/shadow (su, sudo); empty: the account has no password.
    std::string password;
    // ~/.bash_history, oldest first.
    std::vector<std::string> history;
};

struct PersonaFile {
    std::string path;
    std::string content;
    std::uint32_t mode = 0644;
    std::string owner = "root";  // "user" or "user:group"
};

struct Persona {
    std::string hostname;
    std::string domain;
    std::string timezone = "Etc/UTC";
    // /etc/motd; empty keeps Debian's.
    std::string motd;
    // Installed besides the base system (services start as Debian enables them).
    std::vector<std::string> packages;
    std::vector<PersonaUser> users;
    // Root's login shell. An embedded device's is BusyBox's (/bin/ash):
    // a shell the image lacks that is a BusyBox applet becomes a link to
    // /bin/busybox, as on such a device (then list "busybox" in packages).
    std::string root_shell = "/bin/bash";
    std::vector<PersonaFile> files;
    // How long the machine claims to have been up when first set up (days);
    // 0: the guest's own uptime (minutes). See disguise/shown_uptime.h.
    std::uint32_t uptime_days = 0;
    // [hardware]: DMI strings that replace the defaults the host decides
    // (disguise/guest_dmi.h). Not part of the image: applied at boot.
    DmiStrings hardware;
    std::string source;  // the file it came from, for messages
};

// Parses persona TOML; `source_name` names it in errors. Throws ConfigError.
Persona parse_persona(std::string_view text, const std::string& source_name);

// Reads and parses a file. Throws ConfigError.
Persona load_persona(const std::filesystem::path& path);

// guest.persona's value: an absolute path as it is, or a name from the
// installed image/personas/ directory.
std::filesystem::path persona_path(const std::string& name_or_path);

// What the image build applies (see image/tasks/45-persona.sh).
nlohmann::json persona_json(const Persona& p);

}  // namespace oyster
