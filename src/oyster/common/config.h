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
#include <optional>
#include <string>
#include <string_view>
#include <utility>
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

// Which host CPU each guest's processes run on (sandbox/guest_placement.h).
enum class GuestPlacement { spread, single, free };

// A password or count given as this is drawn per installation from its
// secret (sandbox/login_policy.h).
inline constexpr std::string_view kDrawn = "drawn";

struct GuestConfig {
    std::uint32_t memory_mib = 1024;
    // Root's password in the guest's /etc/shadow.
    std::string root_password = std::string(kDrawn);
    std::uint32_t image_size_mib = 2048;
    std::uint32_t boot_timeout_s = 60;
    std::uint32_t stop_timeout_s = 20;
    // The persona the image is built as: a name from image/personas/ or a
    // path to a persona file (see docs/personas.md).
    std::string persona = "default";
    GuestPlacement placement = GuestPlacement::spread;
    // The CPUs guests may run on, a CPU list ("1-3"); empty: every CPU the
    // sensor may run on.
    std::string cpus;
    // No guest starts while the filesystem of the state directory has less
    // free than this (MiB): a full disk loses evidence and events.
    std::uint32_t reserve_free_mib = 1024;
    // A guest's console.log stops growing here (MiB); later output is
    // discarded (capture/console_writer.h).
    std::uint32_t console_max_mib = 64;
    // Boot each guest at the persona's boot moment and catch its clocks up
    // once it answers (kernel patches 0029, 0038): one clock story, the
    // monotonic clock left counting from the boot as over a suspend.
    bool boot_at_shown_moment = true;
    // The monotonic clock (and the kernel log's stamps) catch up too, at
    // about 20 s of guest CPU per boot for 41 days of uptime
    // (docs/stealth.md, docs/performance.md).
    bool catch_up_monotonic = false;
};

std::optional<GuestPlacement> parse_guest_placement(std::string_view s);

// Who may log in over SSH and telnet. Applied inside the guest by its PAM
// hook, which also reports every attempt; built into the image, so a change
// takes `oyster setup`.
struct LoginConfig {
    struct Account {
        std::string user;
        std::string password;
    };
    // User and password pairs that log in (the user must exist in the guest:
    // root, or a persona user); a password "drawn" is the installation's
    // drawn one, root's by default.
    std::vector<Account> accounts = {{"root", std::string(kDrawn)}};
    // After this many failed attempts from one source address, root logs in
    // with any password; 0 never; none: drawn per installation.
    std::optional<std::uint32_t> root_after_failures;
};

struct NetworkConfig {
    // The subnet guests are shown; its first address is their gateway, each
    // guest takes the .2 of one of its /30s (common/ipv4.h).
    std::string guest_pool = "10.213.0.0/20";
    // Resolver the guest is told to use (empty: none).
    std::string dns = "";
};

struct CaptureConfig {
    // Record the guest's activity over the kernel's capture channel.
    bool enabled = true;
    // Bytes of each executed file kept (MiB); larger files are cut, and a
    // record says how much was left out.
    std::uint32_t exec_content_limit_mib = 16;
    // Bytes of content each boot of a guest may keep from files it wrote
    // before a call destroys them (unlink, truncate, rename over), MiB;
    // each file counts up to exec_content_limit_mib.
    std::uint32_t kept_content_limit_mib = 256;
    // The most a guest's capture file may hold, all its boots together
    // (MiB). The writer stops there and the guest is stopped (a honeypot
    // that cannot record must not serve), with a `quota_reached` event.
    std::uint32_t max_mib = 1024;
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
    // DNS packets (queries) each guest may send to network.dns per hour;
    // every packet counts, so a tunnel through one UDP flow is held too.
    // 0 forbids DNS.
    std::uint32_t dns_packets_per_hour = 600;
    // Private, loopback, link-local, CGNAT, multicast and reserved
    // destinations are never reachable, except networks listed here.
    std::vector<std::string> allow_private;
    // What each guest may send out per second, all traffic together (KiB);
    // beyond it packets are dropped. Downloads into the guest are not capped.
    std::uint32_t bandwidth_kib_per_second = 256;
    // Mail a guest sends (TCP 25, 465, 587, any destination) is redirected to
    // a sink on the sensor that records it and never relays it.
    std::uint16_t smtp_sink_port = 2525;
    // A guest's mail kept at most (MiB); messages past it are answered,
    // counted and not kept (`quota_reached`).
    std::uint32_t smtp_sink_max_mib = 256;
};

// A public port of the portal and the guest port it leads to.
struct PortMapping {
    std::uint16_t public_port = 0;
    std::uint16_t guest_port = 0;
};

// `oyster run`: the portal that hands each attacker a guest of their own.
struct SensorConfig {
    // Address the portal listens on.
    std::string listen_address = "0.0.0.0";
    // "public:guest" pairs.
    std::vector<PortMapping> ports = {{22, 22}, {23, 23}};
    // Guests booted ahead of time, ready for the next new source address.
    std::uint32_t pool_size = 4;
    // Live guests at most (pool included); 0 is "auto": derived from the
    // host's memory and cores when the sensor starts (sensor/capacity.h).
    std::uint32_t max_guests = 0;
    // A guest someone logged into, with no connection for this long, is made
    // dormant: stopped, its disk and intrusion kept for its source (seconds).
    std::uint32_t idle_timeout_s = 1800;
    // A guest nobody logged into goes back to the pool this long after its
    // source's last connection closed (seconds).
    std::uint32_t release_grace_s = 10;
    // A dormant guest's source may come back for this long; then its
    // intrusion is closed and analysed (days).
    std::uint32_t dormant_retention_days = 7;
    // An intrusion is closed this long after its first login, whatever its
    // source does (seconds; 0: no limit).
    std::uint32_t max_intrusion_s = 7 * 86400;
    // A connection to a guest nobody has logged into is closed this long
    // after it reached the guest, like sshd's LoginGraceTime (seconds).
    std::uint32_t login_grace_s = 120;
    // A connection one side has finished sending on is closed this long
    // after, if the other side has not finished too (seconds).
    std::uint32_t half_closed_timeout_s = 60;
    // Any connection is closed after this long (seconds).
    std::uint32_t max_connection_s = 6 * 3600;
    // Connections one source address may hold open at once.
    std::uint32_t max_connections_per_source = 32;
    // Evidence (COW files, captures, pcaps, evidence blobs) of closed
    // intrusions is kept until this much disk is used, then the oldest are
    // pruned, each with the blobs only it named (MiB).
    std::uint32_t disk_budget_mib = 20480;
    // Each guest's pcap is rotated into a new file at this size (MiB).
    std::uint32_t pcap_rotate_mib = 100;
    // All of a guest's pcap files together hold at most this much (MiB);
    // past it packets are counted, not written (`quota_reached`).
    std::uint32_t pcap_max_mib = 2048;
    // The sensor's events.jsonl is rotated to events.jsonl.N at this size
    // (MiB), and the newest events_keep_files rotated files are kept.
    std::uint32_t events_rotate_mib = 256;
    std::uint32_t events_keep_files = 8;
    // The daemon's log, besides stderr; empty: <state_dir>/sensor/oyster.log.
    std::filesystem::path log_file;
    // This sensor's name in a fleet: every event it logs carries it, and the
    // central store tells sensors apart by it. Empty: the host's name.
    std::string name;
};

// The analyst's store. A sensor always keeps its own SQLite store
// (<state_dir>/store.sqlite); with a `url`, it also ships its events to
// that central PostgreSQL store, and the CLI's listings and the web UI
// read the central one (docs/fleet.md).
struct StoreConfig {
    // postgresql://USER@HOST[:PORT]/DB[?sslmode=verify-full&...]; empty:
    // no central store.
    std::string url;
    // The password for `url`, alone in a file only its owner may read
    // (mode 0600 or stricter): never in the config, which is world-readable.
    std::filesystem::path password_file;
};

// Where syslog messages go: "udp://HOST:PORT" or "tcp://HOST:PORT".
struct SyslogTarget {
    bool tcp = false;
    std::string host;  // a name or an address (IPv6 in brackets in the URL)
    std::uint16_t port = 0;
    std::string url;  // as configured; empty: no syslog output
};

// Parses a syslog URL; returns the problem, or "" (then `out` is set).
std::string parse_syslog_target(const std::string& url, SyslogTarget& out);

// Copies of every event for other systems (docs/outputs.md), besides
// <state_dir>/sensor/events.jsonl and the store. Each runs on its own
// thread from its own place in the log: a slow or failing one holds up
// neither the sensor nor the others.
struct OutputsConfig {
    // A JSON-lines file, one event per line (docs/sensor.md); empty: none.
    std::filesystem::path jsonl_file;
    // A syslog collector (RFC 5424; over TCP with octet counting, RFC 6587).
    SyslogTarget syslog;
    // kern, user, mail, daemon, auth, syslog, lpr, news, uucp, cron,
    // authpriv, ftp, local0 ... local7.
    std::string syslog_facility = "local0";
    // Longer messages are cut (rsyslog's default maximum is 8 KiB).
    std::uint32_t syslog_max_bytes = 8192;
    // An output further behind the log than this skips ahead to it, and
    // says how much it skipped (MiB).
    std::uint32_t backlog_mib = 64;
};

// The analysis of each intrusion once its guest stops (docs/forensics.md).
// Live detection over the guests' capture (docs/detection.md).
struct DetectionConfig {
    bool enabled = true;
    // The Sigma rules Oyster ships (rules/sigma in its data directory).
    bool builtin_sigma = true;
    // Directories of the operator's Sigma rules (*.yml, *.yaml), besides.
    std::vector<std::filesystem::path> sigma_rules;
    // nDPI over each guest's tap, and the network rules' thresholds.
    bool network = true;
    std::uint32_t scan_addresses = 64;  // distinct addresses a guest connects to in a minute
    std::uint32_t scan_ports = 128;     // distinct ports of one address in a minute
    std::uint32_t flood_packets_per_second = 2000;
};

struct ForensicsConfig {
    bool enabled = true;
    // A directory of YARA rules (*.yar, *.yara); empty: the rules Oyster
    // ships (rules/yara in its data directory).
    std::filesystem::path yara_rules;
    // Larger files are listed and typed but not extracted or scanned.
    std::uint32_t max_extract_mib = 64;
    // The content-addressed evidence store; empty: <state_dir>/evidence.
    std::filesystem::path evidence_dir;
};

// The web UI and its JSON API, served by `oyster run` (docs/web.md).
struct WebConfig {
    bool enabled = true;
    // IPv4 address and port; anything but loopback exposes the analyst's
    // data to the network the sensor is on.
    std::string listen = "127.0.0.1:8080";
    // The access token; empty: <state_dir>/web/token (made by setup).
    std::filesystem::path token_file;
    // Host names the UI may be reached by, besides IP addresses and
    // "localhost": a request naming any other host is refused (a web page
    // whose name an attacker points at this address must not reach the API).
    std::vector<std::string> hosts;
};

struct Config {
    PathsConfig paths;
    GuestConfig guest;
    LoginConfig login;
    NetworkConfig network;
    CaptureConfig capture;
    DataControlConfig data_control;
    SensorConfig sensor;
    StoreConfig store;
    OutputsConfig outputs;
    ForensicsConfig forensics;
    DetectionConfig detection;
    WebConfig web;
    // Where the values came from, for messages ("built-in defaults" or a path).
    std::string source = "built-in defaults";
};

// "127.0.0.1:8080" -> {"127.0.0.1", 8080}; nullopt when not an IPv4
// address and a port 1-65535.
std::optional<std::pair<std::string, std::uint16_t>> parse_listen_address(const std::string& text);

// The web access token's file: [web] token_file, else <state_dir>/web/token.
// Where the evidence store is: forensics.evidence_dir, else <state_dir>/evidence.
std::filesystem::path evidence_dir(const Config& cfg);
std::filesystem::path web_token_file(const Config& cfg);

// [sensor] name, else the host's name (what every event of this sensor
// carries).
std::string sensor_name(const Config& cfg);

// Parses TOML text; `source_name` names it in errors. Throws ConfigError.
Config parse_config(std::string_view text, const std::string& source_name);

// Reads and parses a file. Throws ConfigError (unreadable file included).
Config load_config_file(const std::filesystem::path& path);

// The file the CLI uses when --config is not given: $OYSTER_CONFIG, then
// /etc/oyster/oyster.toml if it exists; empty when neither applies.
std::filesystem::path default_config_path();

}  // namespace oyster
