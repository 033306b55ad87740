#include "oyster/common/config.h"

#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "oyster/net/ipv4.h"

namespace oyster {
namespace {

std::string check_port_mapping(const std::string& s);
PortMapping parse_port_mapping(const std::string& s);

// One key's reader: takes the TOML node, stores the value or throws with a
// description of what was expected.
using KeyReader = std::function<void(const toml::node&, const std::string& where)>;

class ConfigReader {
public:
    ConfigReader(std::string source) : source_(std::move(source)) {}

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

    KeyReader ports(std::vector<PortMapping>& out) {
        return [this, &out](const toml::node& n, const std::string& key) {
            std::vector<std::string> pairs;
            string_list(pairs, check_port_mapping)(n, key);
            if (pairs.empty()) fail(key, &n, "the portal needs at least one port");
            out.clear();
            for (const auto& p : pairs) {
                auto m = parse_port_mapping(p);
                for (const auto& earlier : out) {
                    if (earlier.public_port == m.public_port) {
                        fail(key, &n, fmt::format("public port {} is listed twice", m.public_port));
                    }
                }
                out.push_back(m);
            }
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
        for (const auto& [k, v] : *table) {
            std::string key = name + "." + std::string(k.str());
            auto it = keys.find(std::string(k.str()));
            if (it == keys.end()) fail(key, &v, "unknown key");
            it->second(v, key);
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

std::string check_pool(const std::string& s) {
    auto net = parse_ipv4_network(s);
    if (!net) return fmt::format("\"{}\" is not an IPv4 network in CIDR form (e.g. 10.213.0.0/16)", s);
    if (net->prefix_len > 29) return fmt::format("\"{}\" is too small: a guest needs a /30", s);
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

std::string check_hostname(const std::string& s) {
    if (s.empty() || s.size() > 63) return "a hostname is 1 to 63 characters";
    for (char c : s) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
        if (!ok) return fmt::format("\"{}\" is not a valid hostname (letters, digits and '-')", s);
    }
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

Config parse_config(std::string_view text, const std::string& source_name) {
    Config cfg;
    cfg.source = source_name;
    toml::table root;
    try {
        root = toml::parse(text, source_name);
    } catch (const toml::parse_error& e) {
        throw ConfigError(
            fmt::format("{}:{}:{}: {}", source_name, e.source().begin.line, e.source().begin.column, e.description()));
    }
    ConfigReader r(source_name);
    static const std::map<std::string, bool> tables = {{"paths", true},   {"guest", true},        {"network", true},
                                                       {"capture", true}, {"data_control", true}, {"sensor", true}};
    for (const auto& [k, v] : root) {
        if (!tables.contains(std::string(k.str()))) r.fail(std::string(k.str()), &v, "unknown key");
    }
    r.read_table(root, "paths",
                 {{"cache_dir", r.path(cfg.paths.cache_dir)}, {"state_dir", r.path(cfg.paths.state_dir)}});
    r.read_table(root, "guest",
                 {{"memory_mib", r.u32(cfg.guest.memory_mib, 64, 65536)},
                  {"root_password", r.string(cfg.guest.root_password, check_password)},
                  {"image_size_mib", r.u32(cfg.guest.image_size_mib, 1024, 1048576)},
                  {"boot_timeout_s", r.u32(cfg.guest.boot_timeout_s, 5, 3600)},
                  {"stop_timeout_s", r.u32(cfg.guest.stop_timeout_s, 1, 3600)},
                  {"hostname", r.string(cfg.guest.hostname, check_hostname)}});
    r.read_table(
        root, "network",
        {{"guest_pool", r.string(cfg.network.guest_pool, check_pool)}, {"dns", r.string(cfg.network.dns, check_dns)}});
    r.read_table(root, "capture",
                 {{"enabled", r.boolean(cfg.capture.enabled)},
                  {"exec_content_limit_mib", r.u32(cfg.capture.exec_content_limit_mib, 0, 4096)}});
    auto& dc = cfg.data_control;
    r.read_table(root, "data_control",
                 {{"tcp_connections_per_hour", r.u32(dc.tcp_connections_per_hour, 0, 1000000)},
                  {"udp_flows_per_hour", r.u32(dc.udp_flows_per_hour, 0, 1000000)},
                  {"icmp_packets_per_hour", r.u32(dc.icmp_packets_per_hour, 0, 1000000)},
                  {"allow_private", r.string_list(dc.allow_private, check_network)},
                  {"bandwidth_kib_per_second", r.u32(dc.bandwidth_kib_per_second, 1, 10000000)},
                  {"smtp_sink_port", r.u16(dc.smtp_sink_port, 1, 65535)}});
    auto& s = cfg.sensor;
    r.read_table(root, "sensor",
                 {{"listen_address", r.string(s.listen_address, check_address)},
                  {"ports", r.ports(s.ports)},
                  {"pool_size", r.u32(s.pool_size, 0, 1000)},
                  {"max_guests", r.u32(s.max_guests, 1, 10000)},
                  {"idle_timeout_s", r.u32(s.idle_timeout_s, 10, 30 * 86400)},
                  {"max_connections_per_source", r.u32(s.max_connections_per_source, 1, 10000)},
                  {"disk_budget_mib", r.u32(s.disk_budget_mib, 1, 1U << 30)},
                  {"pcap_rotate_mib", r.u32(s.pcap_rotate_mib, 1, 1U << 20)},
                  {"log_file", r.optional_path(s.log_file)}});
    if (s.pool_size > s.max_guests) {
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

Config load_config_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw ConfigError(fmt::format("{}: cannot read config file", path.string()));
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path.string());
}

std::filesystem::path default_config_path() {
    if (const char* env = std::getenv("OYSTER_CONFIG"); env != nullptr && *env != '\0') return env;
    std::filesystem::path etc = "/etc/oyster/oyster.toml";
    std::error_code ec;
    if (std::filesystem::exists(etc, ec)) return etc;
    return {};
}

}  // namespace oyster
