#include "oyster/capture/guest_noise.h"

#include <array>
#include <regex>
#include <string_view>

namespace oyster::capture {

std::string noise_rule(const std::string& path) {
    // What a Debian server writes by itself while it runs, attacker or not.
    static constexpr std::array<std::string_view, 12> kPrefixes = {
        "/var/log/",
        "/var/lib/systemd/",
        "/var/cache/",
        "/var/lib/apt/",
        "/var/lib/dhcp/",
        "/var/lib/logrotate/",
        "/var/tmp/systemd-private-",
        "/var/lib/private/",
        "/var/spool/postfix/",
        "/var/lib/sudo/",
        "/var/mail/",
        "/var/lib/dpkg/triggers/",
    };
    for (auto p : kPrefixes) {
        if (std::string_view(path).starts_with(p)) return std::string(p) + "*";
    }
    // systemd-tmpfiles' X11 sockets directories, made at every boot.
    for (const char* d : {"/tmp/.X11-unix", "/tmp/.ICE-unix", "/tmp/.XIM-unix", "/tmp/.font-unix"}) {
        if (path == d) return "systemd-tmpfiles (x11.conf)";
    }
    // Services' state directories, made when they first start.
    for (std::string_view p : {"/var/lib/nginx/", "/var/lib/php/sessions/"}) {
        if (std::string_view(path).starts_with(p)) return std::string(p) + "*";
    }
    // What systemd-logind, pam_motd and pam_faillock rewrite at every login
    // and journald's volatile journal: on a tmpfs, so only kept contents
    // name them.
    for (std::string_view p : {"/run/systemd/", "/run/log/journal/", "/run/faillock/"}) {
        if (std::string_view(path).starts_with(p)) return std::string(p) + "*";
    }
    if (path == "/run/motd.dynamic") return "motd";
    // Daemons' pid files and shutdown's login block, removed as they stop.
    if (std::string_view(path).starts_with("/run/") && std::string_view(path).ends_with(".pid") &&
        path.find('/', 5) == std::string::npos) {
        return "/run/*.pid";
    }
    if (path == "/run/nologin") return "nologin";
    if (path == "/etc/machine-id" || path == "/var/lib/dbus/machine-id") return "machine id";
    // dpkg-db-backup's daily copies (dpkg's timer; due at once after the
    // guest's clocks catch up), by name: anything else in /var/backups is
    // someone's.
    static const std::regex kDpkgBackup(
        R"(/var/backups/(alternatives\.tar|dpkg\.(arch|diversions|statoverride|status))\.[0-9]+(\.gz)?)");
    if (std::string_view(path).starts_with("/var/backups/") && std::regex_match(path, kDpkgBackup)) {
        return "dpkg-db-backup";
    }
    if (path == "/etc/ld.so.cache") return "ld.so.cache";
    return {};
}

}  // namespace oyster::capture
