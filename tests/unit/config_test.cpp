#include "oyster/common/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace oyster {
namespace {

std::string error_of(std::string_view text) {
    try {
        parse_config(text, "test.toml");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

TEST(Config, EmptyFileGivesDocumentedDefaults) {
    Config c = parse_config("", "test.toml");
    EXPECT_EQ(c.paths.cache_dir, "/var/cache/oyster");
    EXPECT_EQ(c.paths.state_dir, "/var/lib/oyster");
    EXPECT_EQ(c.guest.memory_mib, 1024u);
    // Nothing a detector could key on: drawn per installation.
    EXPECT_EQ(c.guest.root_password, "drawn");
    ASSERT_EQ(c.login.accounts.size(), 1u);
    EXPECT_EQ(c.login.accounts[0].user, "root");
    EXPECT_EQ(c.login.accounts[0].password, "drawn");
    EXPECT_FALSE(c.login.root_after_failures);
    EXPECT_EQ(c.guest.placement, GuestPlacement::spread);
    EXPECT_TRUE(c.guest.cpus.empty());
    EXPECT_EQ(c.network.guest_pool, "10.213.0.0/20");
    EXPECT_EQ(c.source, "test.toml");
}

TEST(Config, ReadsEveryKey) {
    Config c = parse_config(R"(
[paths]
cache_dir = "/srv/cache"
state_dir = "/srv/state"
[guest]
memory_mib = 512
root_password = "hunter2"
image_size_mib = 4096
boot_timeout_s = 90
stop_timeout_s = 5
persona = "/etc/oyster/personas/db.toml"
placement = "single"
cpus = "1-3"
[login]
accounts = ["root:hunter2", "admin:pass:with:colons"]
root_after_failures = 4
[network]
guest_pool = "198.51.100.0/24"
dns = "192.0.2.53"
[capture]
enabled = false
exec_content_limit_mib = 4
kept_content_limit_mib = 9
[data_control]
tcp_connections_per_hour = 5
udp_flows_per_hour = 6
icmp_packets_per_hour = 0
allow_private = ["10.9.0.0/16", "192.168.1.10/32"]
bandwidth_kib_per_second = 32
smtp_sink_port = 2600
smtp_sink_max_mib = 7
[sensor]
listen_address = "192.0.2.7"
ports = ["22:22", "2222:22", "23:23"]
pool_size = 4
max_guests = 40
idle_timeout_s = 600
max_connections_per_source = 8
disk_budget_mib = 1000
pcap_rotate_mib = 10
pcap_max_mib = 30
events_rotate_mib = 12
events_keep_files = 3
log_file = "/var/log/oyster.log"
)",
                            "good.toml");
    EXPECT_EQ(c.paths.cache_dir, "/srv/cache");
    EXPECT_EQ(c.paths.state_dir, "/srv/state");
    EXPECT_EQ(c.guest.memory_mib, 512u);
    EXPECT_EQ(c.guest.root_password, "hunter2");
    EXPECT_EQ(c.guest.image_size_mib, 4096u);
    EXPECT_EQ(c.guest.boot_timeout_s, 90u);
    EXPECT_EQ(c.guest.stop_timeout_s, 5u);
    EXPECT_EQ(c.guest.persona, "/etc/oyster/personas/db.toml");
    EXPECT_EQ(c.guest.placement, GuestPlacement::single);
    EXPECT_EQ(c.guest.cpus, "1-3");
    ASSERT_EQ(c.login.accounts.size(), 2u);
    EXPECT_EQ(c.login.accounts[1].user, "admin");
    EXPECT_EQ(c.login.accounts[1].password, "pass:with:colons");
    EXPECT_EQ(c.login.root_after_failures, 4u);
    EXPECT_EQ(c.network.guest_pool, "198.51.100.0/24");
    EXPECT_EQ(c.network.dns, "192.0.2.53");
    EXPECT_FALSE(c.capture.enabled);
    EXPECT_EQ(c.capture.exec_content_limit_mib, 4u);
    EXPECT_EQ(c.capture.kept_content_limit_mib, 9u);
    EXPECT_EQ(c.data_control.tcp_connections_per_hour, 5u);
    EXPECT_EQ(c.data_control.udp_flows_per_hour, 6u);
    EXPECT_EQ(c.data_control.icmp_packets_per_hour, 0u);
    EXPECT_EQ(c.data_control.allow_private, (std::vector<std::string>{"10.9.0.0/16", "192.168.1.10/32"}));
    EXPECT_EQ(c.data_control.bandwidth_kib_per_second, 32u);
    EXPECT_EQ(c.data_control.smtp_sink_port, 2600u);
    EXPECT_EQ(c.data_control.smtp_sink_max_mib, 7u);
    EXPECT_EQ(c.sensor.listen_address, "192.0.2.7");
    ASSERT_EQ(c.sensor.ports.size(), 3u);
    EXPECT_EQ(c.sensor.ports[1].public_port, 2222u);
    EXPECT_EQ(c.sensor.ports[1].guest_port, 22u);
    EXPECT_EQ(c.sensor.pool_size, 4u);
    EXPECT_EQ(c.sensor.max_guests, 40u);
    EXPECT_EQ(c.sensor.idle_timeout_s, 600u);
    EXPECT_EQ(c.sensor.max_connections_per_source, 8u);
    EXPECT_EQ(c.sensor.disk_budget_mib, 1000u);
    EXPECT_EQ(c.sensor.pcap_rotate_mib, 10u);
    EXPECT_EQ(c.sensor.pcap_max_mib, 30u);
    EXPECT_EQ(c.sensor.events_rotate_mib, 12u);
    EXPECT_EQ(c.sensor.events_keep_files, 3u);
    EXPECT_EQ(c.sensor.log_file, "/var/log/oyster.log");
}

TEST(Config, SensorValuesAreChecked) {
    EXPECT_EQ(error_of("[sensor]\nports = [\"22\"]\n"),
              "test.toml:2: sensor.ports: \"22\" is not \"public:guest\" with two port numbers 1-65535 (e.g. "
              "\"22:22\")");
    EXPECT_NE(error_of("[sensor]\nports = [\"22:70000\"]\n").find("sensor.ports"), std::string::npos);
    EXPECT_NE(error_of("[sensor]\nports = [\"0:22\"]\n").find("sensor.ports"), std::string::npos);
    EXPECT_NE(error_of("[sensor]\nports = [\"22:22\", \"22:23\"]\n").find("public port 22 is listed twice"),
              std::string::npos);
    EXPECT_NE(error_of("[sensor]\nports = []\n").find("at least one port"), std::string::npos);
    EXPECT_NE(error_of("[sensor]\nlisten_address = \"::\"\n").find("sensor.listen_address"), std::string::npos);
    EXPECT_EQ(error_of("[sensor]\npool_size = 5\nmax_guests = 4\n"),
              "test.toml: sensor.pool_size: 5 is more than sensor.max_guests (4)");
    EXPECT_NE(error_of("[sensor]\nports = [\"2525:25\"]\n").find("data_control.smtp_sink_port"), std::string::npos);
    EXPECT_NE(error_of("[data_control]\nbandwidth_kib_per_second = 0\n").find("out of range"), std::string::npos);
    EXPECT_NE(error_of("[sensor]\nlog_file = \"rel.log\"\n").find("not an absolute path"), std::string::npos);
}

TEST(Config, TheFleetsKeysAreChecked) {
    auto cfg = parse_config(
        "[sensor]\nname = \"edge-1.eu_west\"\n[store]\nurl = \"postgresql://edge1@db.example.org/oyster"
        "?sslmode=verify-full\"\npassword_file = \"/etc/oyster/central.pass\"\n",
        "test.toml");
    EXPECT_EQ(sensor_name(cfg), "edge-1.eu_west");
    EXPECT_EQ(cfg.store.url, "postgresql://edge1@db.example.org/oyster?sslmode=verify-full");
    EXPECT_EQ(cfg.store.password_file, "/etc/oyster/central.pass");
    EXPECT_EQ(error_of("[sensor]\nname = \"edge 1\"\n"),
              "test.toml:2: sensor.name: \"edge 1\" is not a sensor name (1 to 64 letters, digits, '.', '-', '_')");
    EXPECT_NE(error_of("[store]\nurl = \"/var/lib/oyster/store.sqlite\"\n").find("store.url: expected a postgresql"),
              std::string::npos);
    EXPECT_NE(error_of("[store]\npassword_file = \"rel.pass\"\n").find("store.password_file"), std::string::npos);
    EXPECT_NE(error_of("[store]\nuser = \"x\"\n").find("store.user: unknown key"), std::string::npos);
    // No name: the host's, made safe for a key.
    EXPECT_FALSE(sensor_name(Config{}).empty());
    EXPECT_EQ(
        sensor_name(Config{}).find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_"),
        std::string::npos);
}

TEST(Config, ShippedExampleParsesToTheDefaults) {
    Config shipped = load_config_file(OYSTER_TEST_DATA "/../../../oyster.toml");
    Config defaults;
    EXPECT_EQ(shipped.paths.cache_dir, defaults.paths.cache_dir);
    EXPECT_EQ(shipped.paths.state_dir, defaults.paths.state_dir);
    EXPECT_EQ(shipped.guest.memory_mib, defaults.guest.memory_mib);
    EXPECT_EQ(shipped.guest.root_password, defaults.guest.root_password);
    EXPECT_EQ(shipped.guest.image_size_mib, defaults.guest.image_size_mib);
    EXPECT_EQ(shipped.guest.boot_timeout_s, defaults.guest.boot_timeout_s);
    EXPECT_EQ(shipped.guest.stop_timeout_s, defaults.guest.stop_timeout_s);
    EXPECT_EQ(shipped.guest.persona, defaults.guest.persona);
    EXPECT_EQ(shipped.guest.placement, defaults.guest.placement);
    EXPECT_EQ(shipped.guest.cpus, defaults.guest.cpus);
    EXPECT_EQ(shipped.guest.reserve_free_mib, defaults.guest.reserve_free_mib);
    EXPECT_EQ(shipped.guest.console_max_mib, defaults.guest.console_max_mib);
    EXPECT_EQ(shipped.guest.boot_at_shown_moment, defaults.guest.boot_at_shown_moment);
    EXPECT_EQ(shipped.guest.catch_up_monotonic, defaults.guest.catch_up_monotonic);
    ASSERT_EQ(shipped.login.accounts.size(), defaults.login.accounts.size());
    EXPECT_EQ(shipped.login.accounts[0].user, defaults.login.accounts[0].user);
    EXPECT_EQ(shipped.login.accounts[0].password, defaults.login.accounts[0].password);
    EXPECT_EQ(shipped.login.root_after_failures, defaults.login.root_after_failures);
    EXPECT_EQ(shipped.network.guest_pool, defaults.network.guest_pool);
    EXPECT_EQ(shipped.network.dns, defaults.network.dns);
    EXPECT_EQ(shipped.capture.enabled, defaults.capture.enabled);
    EXPECT_EQ(shipped.capture.exec_content_limit_mib, defaults.capture.exec_content_limit_mib);
    EXPECT_EQ(shipped.capture.kept_content_limit_mib, defaults.capture.kept_content_limit_mib);
    EXPECT_EQ(shipped.capture.max_mib, defaults.capture.max_mib);
    EXPECT_EQ(shipped.data_control.tcp_connections_per_hour, defaults.data_control.tcp_connections_per_hour);
    EXPECT_EQ(shipped.data_control.udp_flows_per_hour, defaults.data_control.udp_flows_per_hour);
    EXPECT_EQ(shipped.data_control.icmp_packets_per_hour, defaults.data_control.icmp_packets_per_hour);
    EXPECT_EQ(shipped.data_control.dns_packets_per_hour, defaults.data_control.dns_packets_per_hour);
    EXPECT_EQ(shipped.data_control.allow_private, defaults.data_control.allow_private);
    EXPECT_EQ(shipped.data_control.bandwidth_kib_per_second, defaults.data_control.bandwidth_kib_per_second);
    EXPECT_EQ(shipped.data_control.smtp_sink_port, defaults.data_control.smtp_sink_port);
    EXPECT_EQ(shipped.data_control.smtp_sink_max_mib, defaults.data_control.smtp_sink_max_mib);
    EXPECT_EQ(shipped.sensor.listen_address, defaults.sensor.listen_address);
    ASSERT_EQ(shipped.sensor.ports.size(), defaults.sensor.ports.size());
    for (std::size_t i = 0; i < shipped.sensor.ports.size(); ++i) {
        EXPECT_EQ(shipped.sensor.ports[i].public_port, defaults.sensor.ports[i].public_port);
        EXPECT_EQ(shipped.sensor.ports[i].guest_port, defaults.sensor.ports[i].guest_port);
    }
    EXPECT_EQ(shipped.sensor.pool_size, defaults.sensor.pool_size);
    EXPECT_EQ(shipped.sensor.max_guests, defaults.sensor.max_guests);
    EXPECT_EQ(shipped.sensor.idle_timeout_s, defaults.sensor.idle_timeout_s);
    EXPECT_EQ(shipped.sensor.release_grace_s, defaults.sensor.release_grace_s);
    EXPECT_EQ(shipped.sensor.dormant_retention_days, defaults.sensor.dormant_retention_days);
    EXPECT_EQ(shipped.sensor.max_intrusion_s, defaults.sensor.max_intrusion_s);
    EXPECT_EQ(shipped.sensor.login_grace_s, defaults.sensor.login_grace_s);
    EXPECT_EQ(shipped.sensor.half_closed_timeout_s, defaults.sensor.half_closed_timeout_s);
    EXPECT_EQ(shipped.sensor.max_connection_s, defaults.sensor.max_connection_s);
    EXPECT_EQ(shipped.sensor.max_connections_per_source, defaults.sensor.max_connections_per_source);
    EXPECT_EQ(shipped.sensor.disk_budget_mib, defaults.sensor.disk_budget_mib);
    EXPECT_EQ(shipped.sensor.pcap_rotate_mib, defaults.sensor.pcap_rotate_mib);
    EXPECT_EQ(shipped.sensor.pcap_max_mib, defaults.sensor.pcap_max_mib);
    EXPECT_EQ(shipped.sensor.events_rotate_mib, defaults.sensor.events_rotate_mib);
    EXPECT_EQ(shipped.sensor.events_keep_files, defaults.sensor.events_keep_files);
    EXPECT_EQ(shipped.sensor.log_file, defaults.sensor.log_file);
    EXPECT_EQ(shipped.sensor.name, defaults.sensor.name);
    EXPECT_EQ(shipped.store.url, defaults.store.url);
    EXPECT_EQ(shipped.store.password_file, defaults.store.password_file);
}

TEST(Config, MaxGuestsIsAutoOrANumber) {
    EXPECT_EQ(parse_config("[sensor]\nmax_guests = \"auto\"\n", "test.toml").sensor.max_guests, 0u);
    EXPECT_EQ(parse_config("[sensor]\nmax_guests = 12\n", "test.toml").sensor.max_guests, 12u);
    EXPECT_EQ(error_of("[sensor]\nmax_guests = \"many\"\n"),
              "test.toml:2: sensor.max_guests: expected \"auto\" or an integer");
    EXPECT_EQ(error_of("[sensor]\nmax_guests = 0\n"),
              "test.toml:2: sensor.max_guests: 0 is out of range (allowed 1 to 10000)");
    // With "auto" the pool is checked against the capacity at start.
    EXPECT_NO_THROW(parse_config("[sensor]\npool_size = 20\n", "test.toml"));
}

TEST(Config, UnknownKeyNamesFileLineAndKey) {
    EXPECT_EQ(error_of("[guest]\nmemory_mb = 512\n"), "test.toml:2: guest.memory_mb: unknown key");
}

TEST(Config, UnknownTableIsAnError) {
    EXPECT_EQ(error_of("[gueest]\nmemory_mib = 512\n"), "test.toml:1: gueest: unknown key");
}

TEST(Config, WrongTypeSaysWhatWasExpected) {
    EXPECT_EQ(error_of("[guest]\nmemory_mib = \"lots\"\n"),
              "test.toml:2: guest.memory_mib: expected an integer, got a string");
    EXPECT_EQ(error_of("guest = 3\n"), "test.toml:1: guest: expected a table, got an integer");
}

TEST(Config, OutOfRangeSaysTheRange) {
    EXPECT_EQ(error_of("[guest]\nmemory_mib = 16\n"),
              "test.toml:2: guest.memory_mib: 16 is out of range (allowed 64 to 65536)");
}

TEST(Config, ValidatesValues) {
    EXPECT_NE(error_of("[network]\nguest_pool = \"10.0.0.1/16\"\n").find("network.guest_pool"), std::string::npos);
    EXPECT_NE(error_of("[network]\nguest_pool = \"10.0.0.0/31\"\n").find("too small"), std::string::npos);
    EXPECT_NE(error_of("[network]\ndns = \"8.8.8\"\n").find("network.dns"), std::string::npos);
    EXPECT_NE(error_of("[paths]\nstate_dir = \"relative/dir\"\n").find("not an absolute path"), std::string::npos);
    EXPECT_NE(error_of("[guest]\nroot_password = \"a:b\"\n").find("guest.root_password"), std::string::npos);
    EXPECT_NE(error_of("[guest]\npersona = \"../x\"\n").find("guest.persona"), std::string::npos);
    EXPECT_EQ(error_of("[guest]\nplacement = \"pinned\"\n"),
              "test.toml:2: guest.placement: \"pinned\" is not a placement (spread, single or free)");
    EXPECT_EQ(error_of("[guest]\ncpus = \"1,0\"\n"),
              "test.toml:2: guest.cpus: \"1,0\" is not a CPU list in ascending order (e.g. \"1-3\" or \"0,2\")");
    EXPECT_EQ(error_of("[login]\naccounts = [\"root\"]\n"),
              "test.toml:2: login.accounts: \"root\" is not \"user:password\"");
    EXPECT_NE(error_of("[login]\naccounts = [\"Root:x\"]\n").find("login.accounts"), std::string::npos);
    EXPECT_NE(error_of("[login]\nroot_after_failures = -1\n").find("login.root_after_failures"), std::string::npos);
    EXPECT_EQ(error_of("[login]\nroot_after_failures = \"random\"\n"),
              "test.toml:2: login.root_after_failures: expected an integer or \"drawn\"");
    EXPECT_FALSE(parse_config("[login]\nroot_after_failures = \"drawn\"\n", "t.toml").login.root_after_failures);
    EXPECT_EQ(parse_config("[login]\nroot_after_failures = 0\n", "t.toml").login.root_after_failures, 0u);
    // The user must pick: an empty list rejects every password.
    EXPECT_TRUE(parse_config("[login]\naccounts = []\n", "t.toml").login.accounts.empty());
    EXPECT_EQ(error_of("[data_control]\nallow_private = [\"10.0.0.0/8\", 7]\n"),
              "test.toml:2: data_control.allow_private: expected an array of strings, found an integer");
    EXPECT_NE(error_of("[data_control]\nallow_private = [\"10.0.0.1/8\"]\n").find("data_control.allow_private"),
              std::string::npos);
    EXPECT_EQ(error_of("[data_control]\nallow_private = \"10.0.0.0/8\"\n"),
              "test.toml:2: data_control.allow_private: expected an array of strings, got a string");
    EXPECT_EQ(parse_config("[guest]\nreserve_free_mib = 0\n", "t.toml").guest.reserve_free_mib, 0U);
    EXPECT_EQ(Config{}.guest.reserve_free_mib, 1024U);
    EXPECT_EQ(parse_config("[guest]\nconsole_max_mib = 2\n", "t.toml").guest.console_max_mib, 2U);
    EXPECT_NE(error_of("[guest]\nconsole_max_mib = 0\n").find("guest.console_max_mib"), std::string::npos);
    EXPECT_FALSE(parse_config("[guest]\nboot_at_shown_moment = false\n", "t.toml").guest.boot_at_shown_moment);
    EXPECT_TRUE(parse_config("[guest]\ncatch_up_monotonic = true\n", "t.toml").guest.catch_up_monotonic);
    EXPECT_NE(error_of("[guest]\ncatch_up_monotonic = \"yes\"\n").find("guest.catch_up_monotonic"), std::string::npos);
    EXPECT_NE(error_of("[guest]\nboot_at_shown_moment = 1\n").find("guest.boot_at_shown_moment"), std::string::npos);
    // [web] was refused as an unknown table once: every key of it is read.
    Config web = parse_config(
        "[web]\nenabled = false\nlisten = \"127.0.0.1:9090\"\ntoken_file = \"/etc/oyster/token\"\n"
        "hosts = [\"oyster.example.org\"]\n",
        "t.toml");
    EXPECT_FALSE(web.web.enabled);
    EXPECT_EQ(web.web.listen, "127.0.0.1:9090");
    EXPECT_EQ(web.web.token_file, "/etc/oyster/token");
    EXPECT_EQ(web.web.hosts, std::vector<std::string>{"oyster.example.org"});
    EXPECT_EQ(error_of("[web]\nhosts = [\"evil.example/x\"]\n"),
              "test.toml:2: web.hosts: \"evil.example/x\" is not a host name");
}

TEST(Config, SyntaxErrorNamesFileLineAndColumn) {
    std::string e = error_of("[guest]\nmemory_mib = = 3\n");
    EXPECT_EQ(e.rfind("test.toml:2:", 0), 0u) << e;
}

TEST(Config, MissingFileNamesIt) {
    try {
        load_config_file("/nonexistent/oyster.toml");
        FAIL() << "no error";
    } catch (const ConfigError& e) {
        EXPECT_STREQ(e.what(), "/nonexistent/oyster.toml: cannot read config file");
    }
}

}  // namespace
}  // namespace oyster
