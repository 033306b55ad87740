// oyster.toml: the sensor's configuration.
//
// Every key has a documented default (see oyster.toml at the top of the
// repository and docs/configuration.md), so an empty file is a valid config.
// Loading is strict: an unknown key, a wrong type or a value out of range is a
// ConfigError naming the file, the key and the problem, because a typo in a
// honeypot's containment settings must not be silently ignored.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "oyster/common/error.h"

namespace oyster {

class ConfigError : public Error {
public:
    using Error::Error;
};

struct PathsConfig {
    // Kernel and image builds, keyed by content hash; survives checkouts.
    std::filesystem::path cache_dir = "/var/cache/oyster";
    // Guests' COW files, consoles and records.
    std::filesystem::path state_dir = "/var/lib/oyster";
};

struct GuestConfig {
    std::uint32_t memory_mib = 256;
    std::string root_password = "123456";
    std::uint32_t image_size_mib = 2048;
    std::uint32_t boot_timeout_s = 60;
    std::uint32_t stop_timeout_s = 20;
    std::string hostname = "srv01";
};

struct NetworkConfig {
    // Each guest takes a /30 of this pool: host side .1, guest .2.
    std::string guest_pool = "10.213.0.0/16";
    // Resolver the guest is told to use (empty: none).
    std::string dns = "";
};

struct CaptureConfig {
    // Record the guest's activity over the kernel's capture channel.
    bool enabled = true;
    // Bytes of each executed file kept (MiB); larger files are cut, and a
    // record says how much was left out.
    std::uint32_t exec_content_limit_mib = 16;
};

// What a guest may start on its own (the Honeywall's "data control"). Guests
// always answer connections made to them; these limit the ones they make.
struct DataControlConfig {
    // New outbound TCP connections, UDP flows and ICMP packets each guest may
    // start per hour (a burst of that many, then refilled at that rate);
    // beyond it they are dropped. 0 forbids them.
    std::uint32_t tcp_connections_per_hour = 20;
    std::uint32_t udp_flows_per_hour = 20;
    std::uint32_t icmp_packets_per_hour = 20;
    // Private, loopback, link-local, CGNAT, multicast and reserved
    // destinations are never reachable, except networks listed here.
    std::vector<std::string> allow_private;
};

struct Config {
    PathsConfig paths;
    GuestConfig guest;
    NetworkConfig network;
    CaptureConfig capture;
    DataControlConfig data_control;
    // Where the values came from, for messages ("built-in defaults" or a path).
    std::string source = "built-in defaults";
};

// Parses TOML text; `source_name` names it in errors. Throws ConfigError.
Config parse_config(std::string_view text, const std::string& source_name);

// Reads and parses a file. Throws ConfigError (unreadable file included).
Config load_config_file(const std::filesystem::path& path);

// The file the CLI uses when --config is not given: $OYSTER_CONFIG, then
// /etc/oyster/oyster.toml if it exists; empty when neither applies.
std::filesystem::path default_config_path();

}  // namespace oyster
