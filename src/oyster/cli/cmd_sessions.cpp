// `oyster intrusions`, `oyster sessions` and `oyster alerts`: the store's listings, newest
// first, with filters; `--json` prints the objects the HTTP API serves
// (store/analyst_queries.h).
#include <iostream>
#include <memory>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "oyster/cli/commands.h"
#include "oyster/common/error.h"
#include "oyster/common/terminal_text.h"
#include "oyster/store/analyst_queries.h"
#include "oyster/store/event_store.h"

namespace oyster::cli {
namespace {

std::string dump_json(const nlohmann::json& j) {
    return j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string time_bound(const std::string& option, const std::string& value) {
    if (value.empty()) return value;
    auto t = store::parse_time_bound(value);
    if (!t) {
        throw Error(fmt::format("{} {}: not a UTC date or time (2026-11-27, 2026-11-27T10:30, 2026-11-27T10:30:00Z)",
                                option, value));
    }
    return *t;
}

std::string text_or_dash(const nlohmann::json& j, const char* key, std::size_t width) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string() || it->get_ref<const std::string&>().empty()) return "-";
    return terminal_cell(it->get_ref<const std::string&>(), width);
}

std::string int_or_dash(const nlohmann::json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->dump() : "-";
}

// "2026-11-27T10:30:00.123Z" -> "2026-11-27 10:30:00".
std::string short_time(const nlohmann::json& j, const char* key) {
    std::string t = text_or_dash(j, key, 40);
    if (t.size() >= 19) {
        t = t.substr(0, 19);
        t[10] = ' ';
    }
    return t;
}

void add_paging(CLI::App* cmd, std::int64_t& limit, std::int64_t& offset) {
    cmd->add_option("--limit", limit, "At most this many (1-1000)")->check(CLI::Range(1, 1000))->capture_default_str();
    cmd->add_option("--offset", offset, "Skip this many of the newest first")->check(CLI::NonNegativeNumber);
}

}  // namespace

void register_analyst_listings(CLI::App& app, const ConfigLoader& load) {
    // ---- oyster intrusions
    auto* intrusions = app.add_subcommand("intrusions", "List the intrusions in the store, newest first");
    auto ifilter = std::make_shared<store::IntrusionFilter>();
    auto ijson = std::make_shared<bool>(false);
    intrusions->add_option("--ip", ifilter->source_ip, "Only from this source address");
    intrusions->add_option("--sensor", ifilter->sensor, "Only of this sensor (a fleet's central store)");
    intrusions->add_option("--since", ifilter->since, "Opened at or after this UTC time");
    intrusions->add_option("--until", ifilter->until, "Opened before this UTC time");
    intrusions->add_flag("--open", ifilter->open_only, "Only intrusions still open");
    add_paging(intrusions, ifilter->limit, ifilter->offset);
    intrusions->add_flag("--json", *ijson, "Print {\"total\", \"intrusions\": [...]} as JSON");
    intrusions->callback([=]() {
        Config cfg = load();
        store::IntrusionFilter f = *ifilter;
        f.since = time_bound("--since", f.since);
        f.until = time_bound("--until", f.until);
        auto db = open_synced_store(cfg);
        auto page = store::list_intrusions(db->db(), f);
        if (*ijson) {
            std::cout << dump_json(page) << "\n";
            return;
        }
        std::cout << fmt::format("{:<22} {:<15} {:<19} {:<19} {:>5} {:>6} {:>5} {:>5}  {}\n", "ID", "SOURCE", "OPENED",
                                 "CLOSED", "SESS", "LOGINS", "OK", "CMDS", "REASON");
        for (const auto& i : page["intrusions"]) {
            std::cout << fmt::format("{:<22} {:<15} {:<19} {:<19} {:>5} {:>6} {:>5} {:>5}  {}\n",
                                     text_or_dash(i, "id", 22), text_or_dash(i, "source_ip", 15),
                                     short_time(i, "opened"), short_time(i, "closed"), int_or_dash(i, "sessions"),
                                     int_or_dash(i, "logins"), int_or_dash(i, "logins_accepted"),
                                     int_or_dash(i, "commands"), text_or_dash(i, "close_reason", 30));
        }
        std::cout << fmt::format("{} of {} intrusions\n", page["intrusions"].size(), page["total"].get<std::int64_t>());
    });

    // ---- oyster sessions
    auto* sessions = app.add_subcommand("sessions", "List sessions (one per connection) in the store, newest first");
    auto sfilter = std::make_shared<store::SessionFilter>();
    auto sjson = std::make_shared<bool>(false);
    sessions->add_option("--ip", sfilter->source_ip, "Only from this source address");
    sessions->add_option("--user", sfilter->username, "Only with this username (logged in, or last tried)");
    sessions->add_option("--intrusion", sfilter->intrusion_id, "Only of this intrusion");
    sessions->add_option("--sensor", sfilter->sensor, "Only of this sensor (a fleet's central store)");
    sessions->add_option("--since", sfilter->since, "Started at or after this UTC time");
    sessions->add_option("--until", sfilter->until, "Started before this UTC time");
    sessions->add_flag("--has-download", sfilter->has_download,
                       "Only sessions that ran a file-transfer program (wget, curl, tftp, scp, ...)");
    sessions->add_flag("--logged-in", sfilter->logged_in, "Only sessions whose login was accepted");
    add_paging(sessions, sfilter->limit, sfilter->offset);
    sessions->add_flag("--json", *sjson, "Print {\"total\", \"sessions\": [...]} as JSON");
    sessions->callback([=]() {
        Config cfg = load();
        store::SessionFilter f = *sfilter;
        f.since = time_bound("--since", f.since);
        f.until = time_bound("--until", f.until);
        auto db = open_synced_store(cfg);
        auto page = store::list_sessions(db->db(), f);
        if (*sjson) {
            std::cout << dump_json(page) << "\n";
            return;
        }
        std::cout << fmt::format("{:>7} {:<19} {:<21} {:>4} {:<12} {:<16} {:>5} {:<7} {:>5} {:>3} {:>8}\n", "ID",
                                 "STARTED", "SOURCE", "PORT", "USER", "PASSWORD", "TRIES", "TTY", "CMDS", "DL",
                                 "SECONDS");
        for (const auto& s : page["sessions"]) {
            std::string user = text_or_dash(s, "username", 12);
            if (s.value("logged_in", 0) == 1) user += "*";
            auto duration = s.find("duration_ms");
            std::string seconds = duration != s.end() && duration->is_number_integer()
                                      ? fmt::format("{:.1f}", static_cast<double>(duration->get<std::int64_t>()) / 1000)
                                      : "open";
            std::cout << fmt::format(
                "{:>7} {:<19} {:<21} {:>4} {:<12} {:<16} {:>5} {:<7} {:>5} {:>3} {:>8}\n", int_or_dash(s, "id"),
                short_time(s, "started"),
                fmt::format("{}:{}", text_or_dash(s, "source_ip", 15), int_or_dash(s, "source_port")),
                int_or_dash(s, "port"), user, text_or_dash(s, "password", 16), int_or_dash(s, "login_attempts"),
                text_or_dash(s, "tty", 7), int_or_dash(s, "commands"), int_or_dash(s, "downloads"), seconds);
        }
        std::cout << fmt::format("{} of {} sessions (* = logged in)\n", page["sessions"].size(),
                                 page["total"].get<std::int64_t>());
    });

    // ---- oyster alerts
    auto* alerts = app.add_subcommand("alerts", "List the alerts in the store (YARA's and live Sigma's), newest first");
    auto afilter = std::make_shared<store::AlertFilter>();
    auto ajson = std::make_shared<bool>(false);
    alerts->add_option("--severity", afilter->severity, "Only of this severity")
        ->check(CLI::IsMember({"critical", "high", "medium", "low", "informational"}));
    alerts->add_option("--engine", afilter->engine, "Only from this engine")
        ->check(CLI::IsMember({"sigma", "network", "yara"}));
    alerts->add_option("--technique", afilter->technique,
                       "Only tagged with this ATT&CK technique (T1053 takes its sub-techniques)");
    alerts->add_option("--intrusion", afilter->intrusion_id, "Only of this intrusion");
    alerts->add_option("--sensor", afilter->sensor, "Only of this sensor (a fleet's central store)");
    alerts->add_option("--since", afilter->since, "Raised at or after this UTC time");
    alerts->add_option("--until", afilter->until, "Raised before this UTC time");
    add_paging(alerts, afilter->limit, afilter->offset);
    alerts->add_flag("--json", *ajson, "Print {\"total\", \"alerts\": [...]} as JSON");
    alerts->callback([=]() {
        Config cfg = load();
        store::AlertFilter f = *afilter;
        if (!f.technique.empty() && !store::is_technique_id(f.technique)) {
            throw Error(fmt::format("--technique {}: not an ATT&CK technique id (T1053, T1053.003)", f.technique));
        }
        f.since = time_bound("--since", f.since);
        f.until = time_bound("--until", f.until);
        auto db = open_synced_store(cfg);
        auto page = store::list_alerts(db->db(), f);
        if (*ajson) {
            std::cout << dump_json(page) << "\n";
            return;
        }
        std::cout << fmt::format("{:<19} {:<8} {:<7} {:<22} {:<36} {}\n", "TIME", "SEVERITY", "BY", "INTRUSION", "RULE",
                                 "WHAT");
        for (const auto& a : page["alerts"]) {
            std::string what = text_or_dash(a, "detail", 60);
            if (what == "-") what = text_or_dash(a, "path", 60);
            std::cout << fmt::format("{:<19} {:<8} {:<7} {:<22} {:<36} {}\n", short_time(a, "ts"),
                                     text_or_dash(a, "severity", 8), text_or_dash(a, "engine", 7),
                                     text_or_dash(a, "intrusion_id", 22), text_or_dash(a, "rule", 36), what);
        }
        std::cout << fmt::format("{} of {} alerts\n", page["alerts"].size(), page["total"].get<std::int64_t>());
    });
}

}  // namespace oyster::cli
