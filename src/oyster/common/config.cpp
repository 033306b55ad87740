#include "oyster/common/config.h"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "oyster/common/cpu_list.h"
#include "oyster/common/ipv4.h"
#include "oyster/common/syslog_facility.h"
#include "oyster/common/toml_reader.h"

namespace oyster {
namespace {

std::string check_port_mapping(const std::string& s);
PortMapping parse_port_mapping(const std::string& s);

// "public:guest" pairs, each public port once.
KeyReader ports_reader(TomlReader& r, std::vector<PortMapping>& out) {
    return [&r, &out](const toml::node& n, const std::string& key) {
        std::vector<std::string> pairs;
        r.string_list(pairs, check_port_mapping)(n, key);
        if (pairs.empty()) r.fail(key, &n, "the portal needs at least one port");
        out.clear();
        for (const auto& p : pairs) {
            auto m = parse_port_mapping(p);
            for (const auto& earlier : out) {
                if (earlier.public_port == m.public_port) {
                    r.fail(key, &n, fmt::format("public port {} is listed twice", m.public_port));
                }
            }
            out.push_back(m);
        }
    };
}

std::string check_pool(const std::string& s) {
    auto net = parse_ipv4_network(s);
    if (!net) return fmt::format("\"{}\" is not an IPv4 network in CIDR form (e.g. 10.213.0.0/20)", s);
    if (net->prefix_len > 29)
        return fmt::format("\"{}\" is too small: a guest takes a /30 of it, and the first is the gateway's", s);
    return {};
}

std::string check_network(const std::string& s) {
    if (parse_ipv4_network(s)) return {};
    return fmt::format("\"{}\" is not an IPv4 network in CIDR form (e.g. 192.168.7.0/24)", s);
}

std::string check_dns(const std::string& s) {
    if (s.empty() || parse_ipv4(s)) return {};
    return fmt::format("\"{}\" is not an IPv4 address", s);
}

std::string check_facility(const std::string& s) {
    if (syslog_facility_code(s)) return {};
    return fmt::format(
        "\"{}\" is not a syslog facility (kern, user, mail, daemon, auth, syslog, lpr, news, uucp, "
        "cron, authpriv, ftp, local0 to local7)",
        s);
}

std::string check_persona(const std::string& s) {
    if (s.empty()) return "must not be empty";
    if (s[0] == '/') return {};
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        if (!ok) return fmt::format("\"{}\" is neither a persona name (a-z, 0-9, '-', '_') nor an absolute path", s);
    }
    return {};
}

KeyReader placement_reader(TomlReader& r, GuestPlacement& out) {
    return [&r, &out](const toml::node& n, const std::string& key) {
        std::string name;
        r.string(name)(n, key);
        auto p = parse_guest_placement(name);
        if (!p) r.fail(key, &n, fmt::format("\"{}\" is not a placement (spread, single or free)", name));
        out = *p;
    };
}

std::string check_cpus(const std::string& s) {
    if (s.empty() || parse_cpu_list(s)) return {};
    return fmt::format("\"{}\" is not a CPU list in ascending order (e.g. \"1-3\" or \"0,2\")", s);
}

// "user:password"; the password may hold ':' but not NUL or line breaks
// (it travels through PAM and a C string).
std::string check_account(const std::string& s) {
    auto colon = s.find(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == s.size()) {
        return fmt::format("\"{}\" is not \"user:password\"", s);
    }
    for (char c : s.substr(0, colon)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
        if (!ok) return fmt::format("\"{}\": a user name is a-z, 0-9, '-', '_', '.'", s);
    }
    if (s.find_first_of(std::string("\n\r\0", 3)) != std::string::npos) return "must not contain line breaks or NUL";
    if (s.size() - colon - 1 > 256) return "a password is at most 256 bytes";
    return {};
}

// "public:guest", each a port number 1-65535.
std::optional<PortMapping> try_port_mapping(const std::string& s) {
    auto colon = s.find(':');
    if (colon == std::string::npos) return std::nullopt;
    auto number = [](std::string_view t) -> std::optional<std::uint16_t> {
        if (t.empty() || t.size() > 5 || t.find_first_not_of("0123456789") != std::string_view::npos) return {};
        unsigned long v = std::stoul(std::string(t));
        if (v == 0 || v > 65535) return {};
        return static_cast<std::uint16_t>(v);
    };
    auto pub = number(std::string_view(s).substr(0, colon));
    auto guest = number(std::string_view(s).substr(colon + 1));
    if (!pub || !guest) return std::nullopt;
    return PortMapping{*pub, *guest};
}

std::string check_port_mapping(const std::string& s) {
    if (try_port_mapping(s)) return {};
    return fmt::format("\"{}\" is not \"public:guest\" with two port numbers 1-65535 (e.g. \"22:22\")", s);
}

PortMapping parse_port_mapping(const std::string& s) {
    return *try_port_mapping(s);
}

// A name that is safe in a database key, a file name and a log line.
std::string check_sensor_name(const std::string& s) {
    if (s.empty() || s.size() > 64 ||
        s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != std::string::npos) {
        return fmt::format("\"{}\" is not a sensor name (1 to 64 letters, digits, '.', '-', '_')", s);
    }
    return {};
}

std::string check_address(const std::string& s) {
    if (parse_ipv4(s)) return {};
    return fmt::format("\"{}\" is not an IPv4 address", s);
}

std::string check_password(const std::string& s) {
    if (s.empty()) return "must not be empty";
    for (char c : s) {
        if (c == ':' || c == '\n' || c == '\r' || c == '\0') return "must not contain ':' or line breaks";
    }
    return {};
}

}  // namespace

std::string parse_syslog_target(const std::string& url, SyslogTarget& out) {
    if (url.empty()) {
        out = {};
        return {};
    }
    auto scheme_end = url.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : url.substr(0, scheme_end);
    if (scheme != "udp" && scheme != "tcp") {
        return fmt::format("\"{}\" is not udp://HOST:PORT or tcp://HOST:PORT", url);
    }
    std::string rest = url.substr(scheme_end + 3), host, port;
    if (!rest.empty() && rest[0] == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos || close + 1 >= rest.size() || rest[close + 1] != ':') {
            return fmt::format("\"{}\": an IPv6 address goes in brackets, then :PORT", url);
        }
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 2);
    } else {
        auto colon = rest.rfind(':');
        if (colon == std::string::npos) return fmt::format("\"{}\" has no :PORT", url);
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
    }
    if (host.empty() || host.size() > 253) return fmt::format("\"{}\" has no host", url);
    for (char c : host) {
        bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '_';
        if (!ok) return fmt::format("\"{}\": the host may hold letters, digits, '.', '-', '_' and ':' only", url);
    }
    unsigned long n = 0;
    bool digits = !port.empty() && port.size() <= 5 &&
                  std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (digits) n = std::stoul(port);
    if (!digits || n == 0 || n > 65535) return fmt::format("\"{}\": the port must be 1 to 65535", url);
    out = {scheme == "tcp", host, static_cast<std::uint16_t>(n), url};
    return {};
}

Config parse_config(std::string_view text, const std::string& source_name) {
    Config cfg;
    cfg.source = source_name;
    toml::table root = parse_toml(text, source_name);
    TomlReader r(source_name);
    for (const auto& [k, v] : root) {
        static const std::set<std::string, std::less<>> tables = {"paths",     "guest",        "login",  "network",
                                                                  "capture",   "data_control", "sensor", "outputs",
                                                                  "forensics", "detection",    "web",    "store"};
        if (!tables.contains(k.str())) r.fail(std::string(k.str()), &v, "unknown key");
    }
    r.read_table(root, "paths",
                 {{"cache_dir", r.path(cfg.paths.cache_dir)}, {"state_dir", r.path(cfg.paths.state_dir)}});
    r.read_table(root, "guest",
                 {{"memory_mib", r.u32(cfg.guest.memory_mib, 64, 65536)},
                  {"root_password", r.string(cfg.guest.root_password, check_password)},
                  {"image_size_mib", r.u32(cfg.guest.image_size_mib, 1024, 1048576)},
                  {"boot_timeout_s", r.u32(cfg.guest.boot_timeout_s, 5, 3600)},
                  {"stop_timeout_s", r.u32(cfg.guest.stop_timeout_s, 1, 3600)},
                  {"persona", r.string(cfg.guest.persona, check_persona)},
                  {"placement", placement_reader(r, cfg.guest.placement)},
                  {"cpus", r.string(cfg.guest.cpus, check_cpus)},
                  {"reserve_free_mib", r.u32(cfg.guest.reserve_free_mib, 0, 1U << 30)},
                  {"console_max_mib", r.u32(cfg.guest.console_max_mib, 1, 1U << 20)},
                  {"boot_at_shown_moment", r.boolean(cfg.guest.boot_at_shown_moment)},
                  {"catch_up_monotonic", r.boolean(cfg.guest.catch_up_monotonic)}});
    std::vector<std::string> accounts;
    bool accounts_given = false;
    r.read_table(root, "login",
                 {{"accounts",
                   [&](const toml::node& n, const std::string& key) {
                       r.string_list(accounts, check_account)(n, key);
                       accounts_given = true;
                   }},
                  {"root_after_failures", [&](const toml::node& n, const std::string& key) {
                       if (n.value_exact<std::string>() == std::string(kDrawn)) {
                           cfg.login.root_after_failures.reset();
                           return;
                       }
                       if (!n.is_integer()) r.fail(key, &n, "expected an integer or \"drawn\"");
                       std::uint32_t v = 0;
                       r.u32(v, 0, 1000)(n, key);
                       cfg.login.root_after_failures = v;
                   }}});
    if (accounts_given) {
        cfg.login.accounts.clear();
        for (const auto& a : accounts) {
            auto colon = a.find(':');
            cfg.login.accounts.push_back({a.substr(0, colon), a.substr(colon + 1)});
        }
    }
    r.read_table(
        root, "network",
        {{"guest_pool", r.string(cfg.network.guest_pool, check_pool)}, {"dns", r.string(cfg.network.dns, check_dns)}});
    r.read_table(root, "capture",
                 {{"enabled", r.boolean(cfg.capture.enabled)},
                  {"exec_content_limit_mib", r.u32(cfg.capture.exec_content_limit_mib, 0, 4096)},
                  {"kept_content_limit_mib", r.u32(cfg.capture.kept_content_limit_mib, 0, 1U << 20)},
                  {"max_mib", r.u32(cfg.capture.max_mib, 1, 1U << 20)}});
    auto& dc = cfg.data_control;
    r.read_table(root, "data_control",
                 {{"tcp_connections_per_hour", r.u32(dc.tcp_connections_per_hour, 0, 1000000)},
                  {"udp_flows_per_hour", r.u32(dc.udp_flows_per_hour, 0, 1000000)},
                  {"icmp_packets_per_hour", r.u32(dc.icmp_packets_per_hour, 0, 1000000)},
                  {"dns_packets_per_hour", r.u32(dc.dns_packets_per_hour, 0, 1000000)},
                  {"allow_private", r.string_list(dc.allow_private, check_network)},
                  {"bandwidth_kib_per_second", r.u32(dc.bandwidth_kib_per_second, 1, 10000000)},
                  {"smtp_sink_port", r.u16(dc.smtp_sink_port, 1, 65535)},
                  {"smtp_sink_max_mib", r.u32(dc.smtp_sink_max_mib, 1, 1U << 20)}});
    auto& s = cfg.sensor;
    r.read_table(root, "sensor",
                 {{"listen_address", r.string(s.listen_address, check_address)},
                  {"ports", ports_reader(r, s.ports)},
                  {"pool_size", r.u32(s.pool_size, 0, 1000)},
                  {"max_guests",
                   [&](const toml::node& n, const std::string& key) {
                       if (n.value_exact<std::string>() == "auto") {
                           s.max_guests = 0;
                           return;
                       }
                       if (!n.is_integer()) r.fail(key, &n, "expected \"auto\" or an integer");
                       r.u32(s.max_guests, 1, 10000)(n, key);
                   }},
                  {"idle_timeout_s", r.u32(s.idle_timeout_s, 10, 30 * 86400)},
                  {"release_grace_s", r.u32(s.release_grace_s, 0, 3600)},
                  {"dormant_retention_days", r.u32(s.dormant_retention_days, 0, 3650)},
                  {"max_intrusion_s", r.u32(s.max_intrusion_s, 0, 365 * 86400)},
                  {"login_grace_s", r.u32(s.login_grace_s, 5, 3600)},
                  {"half_closed_timeout_s", r.u32(s.half_closed_timeout_s, 1, 86400)},
                  {"max_connection_s", r.u32(s.max_connection_s, 60, 30 * 86400)},
                  {"max_connections_per_source", r.u32(s.max_connections_per_source, 1, 10000)},
                  {"disk_budget_mib", r.u32(s.disk_budget_mib, 1, 1U << 30)},
                  {"pcap_rotate_mib", r.u32(s.pcap_rotate_mib, 1, 1U << 20)},
                  {"pcap_max_mib", r.u32(s.pcap_max_mib, 1, 1U << 20)},
                  {"events_rotate_mib", r.u32(s.events_rotate_mib, 1, 1U << 20)},
                  {"events_keep_files", r.u32(s.events_keep_files, 1, 100000)},
                  {"log_file", r.optional_path(s.log_file)},
                  {"name", r.string(s.name, [](const std::string& v) {
                       return v.empty() ? std::string() : check_sensor_name(v);
                   })}});
    auto& st = cfg.store;
    r.read_table(root, "store",
                 {{"url", r.string(st.url,
                                   [](const std::string& v) -> std::string {
                                       if (v.empty() || v.starts_with("postgresql://") || v.starts_with("postgres://"))
                                           return {};
                                       return "expected a postgresql:// URL (docs/fleet.md)";
                                   })},
                  {"password_file", r.optional_path(st.password_file)}});
    auto& o = cfg.outputs;
    r.read_table(root, "outputs",
                 {{"jsonl_file", r.optional_path(o.jsonl_file)},
                  {"syslog",
                   [&](const toml::node& n, const std::string& key) {
                       std::string url;
                       r.string(url)(n, key);
                       if (auto problem = parse_syslog_target(url, o.syslog); !problem.empty())
                           r.fail(key, &n, problem);
                   }},
                  {"syslog_facility", r.string(o.syslog_facility, check_facility)},
                  {"syslog_max_bytes", r.u32(o.syslog_max_bytes, 480, 1U << 20)},
                  {"backlog_mib", r.u32(o.backlog_mib, 1, 1U << 20)}});
    auto& fx = cfg.forensics;
    r.read_table(root, "forensics",
                 {{"enabled", r.boolean(fx.enabled)},
                  {"yara_rules", r.optional_path(fx.yara_rules)},
                  {"max_extract_mib", r.u32(fx.max_extract_mib, 1, 1U << 20)},
                  {"evidence_dir", r.optional_path(fx.evidence_dir)}});
    auto& det = cfg.detection;
    std::vector<std::string> sigma_dirs;
    r.read_table(root, "detection",
                 {{"enabled", r.boolean(det.enabled)},
                  {"builtin_sigma", r.boolean(det.builtin_sigma)},
                  {"sigma_rules", r.string_list(sigma_dirs,
                                                [](const std::string& v) -> std::string {
                                                    if (v.empty() || v[0] != '/')
                                                        return fmt::format("\"{}\" is not an absolute path", v);
                                                    return {};
                                                })},
                  {"network", r.boolean(det.network)},
                  {"scan_addresses", r.u32(det.scan_addresses, 2, 1U << 20)},
                  {"scan_ports", r.u32(det.scan_ports, 2, 65535)},
                  {"flood_packets_per_second", r.u32(det.flood_packets_per_second, 10, 10'000'000)}});
    det.sigma_rules.assign(sigma_dirs.begin(), sigma_dirs.end());
    auto& w = cfg.web;
    r.read_table(root, "web",
                 {{"enabled", r.boolean(w.enabled)},
                  {"listen", r.string(w.listen,
                                      [](const std::string& v) -> std::string {
                                          if (parse_listen_address(v)) return {};
                                          return fmt::format("\"{}\" is not ADDRESS:PORT (e.g. 127.0.0.1:8080)", v);
                                      })},
                  {"token_file", r.optional_path(w.token_file)},
                  {"hosts", r.string_list(w.hosts, [](const std::string& v) -> std::string {
                       if (v.empty() || v.size() > 253 ||
                           v.find_first_not_of("abcdefghijklmnopqrstuvwxyz"
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-") != std::string::npos) {
                           return fmt::format("\"{}\" is not a host name", v);
                       }
                       return {};
                   })}});
    if (s.max_guests != 0 && s.pool_size > s.max_guests) {
        throw ConfigError(fmt::format("{}: sensor.pool_size: {} is more than sensor.max_guests ({})", source_name,
                                      s.pool_size, s.max_guests));
    }
    for (const auto& m : s.ports) {
        if (m.public_port == dc.smtp_sink_port) {
            throw ConfigError(fmt::format("{}: sensor.ports: public port {} is data_control.smtp_sink_port",
                                          source_name, m.public_port));
        }
    }
    return cfg;
}

std::optional<std::pair<std::string, std::uint16_t>> parse_listen_address(const std::string& text) {
    auto colon = text.rfind(':');
    if (colon == std::string::npos || !parse_ipv4(text.substr(0, colon))) return std::nullopt;
    std::string port = text.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) {
        return std::nullopt;
    }
    unsigned long p = std::stoul(port);
    if (p == 0 || p > 65535) return std::nullopt;
    return std::pair{text.substr(0, colon), static_cast<std::uint16_t>(p)};
}

std::filesystem::path evidence_dir(const Config& cfg) {
    return cfg.forensics.evidence_dir.empty() ? cfg.paths.state_dir / "evidence" : cfg.forensics.evidence_dir;
}

std::string sensor_name(const Config& cfg) {
    if (!cfg.sensor.name.empty()) return cfg.sensor.name;
    std::array<char, 256> host{};
    if (::gethostname(host.data(), host.size() - 1) != 0) return "sensor";
    std::string name(host.data());
    name = name.substr(0, 64);
    for (auto& c : name) {
        if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '.' && c != '-' && c != '_') c = '-';
    }
    return name.empty() ? "sensor" : name;
}

std::filesystem::path web_token_file(const Config& cfg) {
    return cfg.web.token_file.empty() ? cfg.paths.state_dir / "web" / "token" : cfg.web.token_file;
}

Config load_config_file(const std::filesystem::path& path) {
    return parse_config(read_toml_file(path, "config file"), path.string());
}

std::filesystem::path default_config_path() {
    if (const char* env = std::getenv("OYSTER_CONFIG"); env != nullptr && *env != '\0') return env;
    std::filesystem::path etc = "/etc/oyster/oyster.toml";
    std::error_code ec;
    if (std::filesystem::exists(etc, ec)) return etc;
    return {};
}

std::optional<GuestPlacement> parse_guest_placement(std::string_view s) {
    if (s == "spread") return GuestPlacement::spread;
    if (s == "single") return GuestPlacement::single;
    if (s == "free") return GuestPlacement::free;
    return std::nullopt;
}

}  // namespace oyster
