#include "oyster/store/analyst_queries.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <vector>

#include <fmt/format.h>

#include "oyster/capture/guest_noise.h"
#include "oyster/store/json_fields.h"
#include "oyster/store/session_tracker.h"

namespace oyster::store {
namespace {

// A WHERE clause built from optional conditions, with its parameters.
struct Where {
    std::vector<std::string> terms;
    std::vector<std::string> params;

    void add(const std::string& term, const std::string& param) {
        terms.push_back(term);
        params.push_back(param);
    }
    std::string sql() const {
        if (terms.empty()) return "";
        std::string out = " WHERE ";
        for (std::size_t i = 0; i < terms.size(); ++i) out += (i ? " AND " : "") + terms[i];
        return out;
    }
    void bind(Statement& s) const {
        for (std::size_t i = 0; i < params.size(); ++i) s.bind(static_cast<int>(i + 1), params[i]);
    }
};

// {"total": rows matching `w`, `key`: one page of them as objects}.
nlohmann::json counted_page(SqlDb& db, const Where& w, const char* key, const std::string& from,
                            const std::string& select, const char* order, std::int64_t limit, std::int64_t offset) {
    nlohmann::json out = nlohmann::json::object();
    Statement count(db, "SELECT COUNT(*) " + from + w.sql());
    w.bind(count);
    count.step();
    out["total"] = count.int64(0);
    Statement page(db, fmt::format("{}{} ORDER BY {} LIMIT {} OFFSET {}", select, w.sql(), order,
                                   std::clamp<std::int64_t>(limit, 1, 1000), std::max<std::int64_t>(offset, 0)));
    w.bind(page);
    out[key] = nlohmann::json::array();
    while (page.step()) out[key].push_back(page.row_object());
    return out;
}

constexpr const char* kSessionColumns =
    "id, intrusion_id, guest_id, source_ip, source_port, port, started, ended, duration_ms, bytes_from_client, "
    "bytes_to_client, end_reason, login_attempts, logged_in, username, password, tty, tty_open_seq, commands, "
    "downloads, connections_out, sensor";

constexpr const char* kIntrusionSelect =
    "SELECT i.id, i.source_ip, i.guest_id, i.opened, i.closed, i.close_reason, i.connections, i.disk_bytes, i.dir, "
    "i.analysed, i.files_changed, i.alerts, i.forensics_error, i.sensor, "
    "(SELECT COUNT(*) FROM sessions s WHERE s.intrusion_id = i.id) AS sessions, "
    "(SELECT COUNT(*) FROM credentials c WHERE c.intrusion_id = i.id) AS logins, "
    "(SELECT COUNT(*) FROM credentials c WHERE c.intrusion_id = i.id AND c.success = 1) AS logins_accepted, "
    "(SELECT COUNT(*) FROM commands m WHERE m.intrusion_id = i.id) AS commands FROM intrusions i";

// When an event happened, as "YYYY-MM-DDTHH:MM:SS.mmmZ": when the host
// received a guest's record (within a millisecond or two of it), else the
// record's own time (the guest kernel's clock), else the sensor's ts. (A
// login carries the capture fields at its top level.)
std::string happened_at(const std::string& ts, const nlohmann::json& body) {
    if (!body.is_object()) return ts;
    const nlohmann::json* record = &body;
    if (auto inner = body.find("event"); inner != body.end() && inner->is_object()) record = &*inner;
    // When the host received a guest's record; only without that the
    // guest's own clock, which its root may set.
    for (const char* key : {"received", "time"}) {
        auto t = record->find(key);
        if (t == record->end() || !t->is_string()) continue;
        const auto& s = t->get_ref<const std::string&>();
        if (s.size() >= 24 && s[4] == '-' && s[10] == 'T' && s[19] == '.') return s.substr(0, 23) + "Z";
    }
    return ts;
}

bool starts_with_any(const std::string& s, std::initializer_list<const char*> prefixes) {
    for (const char* p : prefixes) {
        if (s.starts_with(p)) return true;
    }
    return false;
}

}  // namespace

bool is_bookkeeping(const nlohmann::json& e) {
    if (str_field(e, "type") != "capture") return false;
    auto inner = e.find("event");
    if (inner == e.end() || !inner->is_object()) return false;
    const auto& c = *inner;
    std::string kind = str_field(c, "type"), comm = str_field(c, "comm"), path = str_field(c, "path");
    if (kind == "connect") return !is_outbound_connect(c);
    if (kind == "bind" || kind == "listen") {
        auto local = c.find("local");
        std::string family = local != c.end() ? str_field(*local, "family") : "";
        return family != "inet" && family != "inet6";
    }
    if (kind == "cred") {
        // Shown: a process that became root.
        auto before = c.find("before"), after = c.find("after");
        bool to_root = before != c.end() && after != c.end() && int_field(*before, "euid", 0) != 0 &&
                       int_field(*after, "euid", -1) == 0;
        return !to_root;
    }
    if (kind == "file") {
        if (!bool_field(c, "ok")) return true;
        std::string op = str_field(c, "op");
        if (op == "open_write" && starts_with_any(path, {"/dev/", "/proc/"})) return true;
        return comm == "sshd" &&
               starts_with_any(path, {"/run/utmp", "/var/log/wtmp", "/var/log/lastlog", "/run/motd.dynamic"});
    }
    if (kind == "mount") return comm == "sshd" && str_field(c, "syscall") == "chroot";
    // State that logind, pam_motd and daemons rewrite at every login or stop.
    if (kind == "kept") return !capture::noise_rule(path).empty();
    return kind == "socket";
}

std::optional<std::string> parse_time_bound(const std::string& text) {
    // YYYY-MM-DD, then optionally THH:MM, :SS, .fff, and a final Z.
    static constexpr const char* kShape = "dddd-dd-ddTdd:dd:dd.ddd";
    std::string t = text;
    if (!t.empty() && (t.back() == 'Z' || t.back() == 'z')) t.pop_back();
    if (t.size() > 10 && t[10] == ' ') t[10] = 'T';
    if (t.size() != 10 && t.size() != 16 && t.size() != 19 && t.size() != 23) return std::nullopt;
    for (std::size_t i = 0; i < t.size(); ++i) {
        char want = kShape[i];
        if (want == 'd' ? !std::isdigit(static_cast<unsigned char>(t[i])) : t[i] != want) return std::nullopt;
    }
    return t;
}

nlohmann::json list_sessions(SqlDb& db, const SessionFilter& f) {
    Where w;
    if (!f.source_ip.empty()) w.add("source_ip = ?", f.source_ip);
    if (!f.username.empty()) w.add("username = ?", f.username);
    if (!f.intrusion_id.empty()) w.add("intrusion_id = ?", f.intrusion_id);
    if (!f.sensor.empty()) w.add("sensor = ?", f.sensor);
    if (!f.since.empty()) w.add("started >= ?", f.since);
    if (!f.until.empty()) w.add("started < ?", f.until);
    if (f.has_download) w.terms.emplace_back("downloads > 0");
    if (f.logged_in) w.terms.emplace_back("logged_in = 1");

    return counted_page(db, w, "sessions", "FROM sessions", fmt::format("SELECT {} FROM sessions", kSessionColumns),
                        "id DESC", f.limit, f.offset);
}

std::optional<nlohmann::json> find_session(SqlDb& db, std::int64_t id) {
    Statement q(db, fmt::format("SELECT {} FROM sessions WHERE id = ?", kSessionColumns));
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return q.row_object();
}

nlohmann::json session_timeline(SqlDb& db, std::int64_t id) {
    // Forks are how the session's processes are found, not something an
    // analyst reads; the execs they lead to are.
    Statement q(db,
                "SELECT id, ts, type, body FROM events WHERE session_id = ? AND NOT (type = 'capture' AND body LIKE "
                "'%\"type\":\"fork\"%') ORDER BY id");
    q.bind(1, id);
    std::vector<nlohmann::json> rows;
    while (q.step()) {
        auto body = nlohmann::json::parse(q.text(3), nullptr, false);
        if (body.is_discarded()) continue;
        std::string ts = q.text(1);
        bool bookkeeping = is_bookkeeping(body);
        rows.push_back({{"id", q.int64(0)},
                        {"ts", ts},
                        {"time", happened_at(ts, body)},
                        {"type", q.text(2)},
                        {"bookkeeping", bookkeeping},
                        {"event", std::move(body)}});
    }
    // The guest's records reach the log up to a poll later than the
    // sensor's own events: in the order things happened, a disconnect
    // comes after the commands that preceded it.
    std::stable_sort(rows.begin(), rows.end(), [](const nlohmann::json& a, const nlohmann::json& b) {
        return a["time"].get_ref<const std::string&>() < b["time"].get_ref<const std::string&>();
    });
    return nlohmann::json(std::move(rows));
}

nlohmann::json list_intrusions(SqlDb& db, const IntrusionFilter& f) {
    Where w;
    if (!f.source_ip.empty()) w.add("i.source_ip = ?", f.source_ip);
    if (!f.sensor.empty()) w.add("i.sensor = ?", f.sensor);
    if (!f.since.empty()) w.add("i.opened >= ?", f.since);
    if (!f.until.empty()) w.add("i.opened < ?", f.until);
    if (f.open_only) w.terms.emplace_back("i.closed IS NULL");

    return counted_page(db, w, "intrusions", "FROM intrusions i", kIntrusionSelect, "i.opened DESC, i.id DESC", f.limit,
                        f.offset);
}

std::optional<nlohmann::json> find_intrusion(SqlDb& db, const std::string& id) {
    Statement q(db, std::string(kIntrusionSelect) + " WHERE i.id = ?");
    q.bind(1, id);
    if (!q.step()) return std::nullopt;
    return q.row_object();
}

namespace {

nlohmann::json all_rows(Statement& q) {
    nlohmann::json out = nlohmann::json::array();
    while (q.step()) out.push_back(q.row_object());
    return out;
}

// Stored JSON text columns served as JSON.
void parse_json_column(nlohmann::json& rows, const char* column) {
    for (auto& r : rows) {
        if (!r.contains(column) || !r[column].is_string()) continue;
        auto parsed = nlohmann::json::parse(r[column].get<std::string>(), nullptr, false);
        r[column] = parsed.is_discarded() ? nlohmann::json::array() : parsed;
    }
}

constexpr const char* kAlertColumns =
    "id, ts, intrusion_id, rule, rule_file, severity, description, tags, path, sha256, change, evidence, engine, "
    "rule_id, category, detail, event_time, seq, pid, sensor";

}  // namespace

nlohmann::json intrusion_files(SqlDb& db, const std::string& intrusion_id) {
    Statement q(
        db,
        "SELECT id, change, path, size, mode, uid, gid, mtime, sha256, sha256_before, file_type, mime, evidence, "
        "executions, in_base_image FROM files WHERE intrusion_id = ? ORDER BY change = 'executed', id");
    q.bind(1, intrusion_id);
    return all_rows(q);
}

nlohmann::json intrusion_alerts(SqlDb& db, const std::string& intrusion_id) {
    Statement q(db, fmt::format("SELECT {} FROM alerts WHERE intrusion_id = ? ORDER BY id", kAlertColumns));
    q.bind(1, intrusion_id);
    auto rows = all_rows(q);
    parse_json_column(rows, "tags");
    return rows;
}

nlohmann::json intrusion_artefacts(SqlDb& db, const std::string& intrusion_id) {
    Statement q(db, "SELECT id, kind, path, size, sha256, tty_seq FROM artefacts WHERE intrusion_id = ? ORDER BY id");
    q.bind(1, intrusion_id);
    return all_rows(q);
}

std::optional<ArtefactRef> find_artefact(SqlDb& db, const std::string& intrusion_id, std::int64_t artefact_id) {
    Statement q(db, "SELECT kind, path, sha256 FROM artefacts WHERE intrusion_id = ? AND id = ?");
    q.bind(1, intrusion_id).bind(2, artefact_id);
    if (!q.step()) return std::nullopt;
    return ArtefactRef{q.text(0), q.text(1), q.is_null(2) ? "" : q.text(2)};
}

std::optional<std::string> evidence_path(SqlDb& db, const std::string& sha256) {
    Statement q(db, "SELECT evidence FROM files WHERE sha256 = ? AND evidence IS NOT NULL LIMIT 1");
    q.bind(1, sha256);
    if (!q.step()) return std::nullopt;
    return q.text(0);
}

std::string intrusion_event_lines(SqlDb& db, const std::string& intrusion_id) {
    std::string lines;
    Statement q(db, "SELECT body FROM events WHERE intrusion_id = ? ORDER BY id");
    q.bind(1, intrusion_id);
    while (q.step()) lines += q.text(0) + "\n";
    return lines;
}

nlohmann::json sensor_figures(SqlDb& db) {
    // By sensor: a name with no rows in one table has 0 there. Rows of a
    // store from before sensors had names count under "".
    std::map<std::string, nlohmann::json> by;
    auto add = [&](const char* sql) {
        Statement q(db, sql);
        while (q.step()) {
            auto row = q.row_object();
            auto& fig = by[row["sensor"].get<std::string>()];
            for (auto& [k, v] : row.items()) fig[k] = v;
        }
    };
    add("SELECT coalesce(sensor, '') AS sensor, COUNT(*) AS sessions, "
        "SUM(CASE WHEN logged_in = 1 THEN 1 ELSE 0 END) AS logged_in, MAX(started) AS last_session "
        "FROM sessions GROUP BY coalesce(sensor, '')");
    add("SELECT coalesce(sensor, '') AS sensor, COUNT(*) AS intrusions, "
        "SUM(CASE WHEN closed IS NULL THEN 1 ELSE 0 END) AS open_intrusions FROM intrusions GROUP BY coalesce(sensor, "
        "'')");
    add("SELECT coalesce(sensor, '') AS sensor, COUNT(*) AS alerts FROM alerts GROUP BY coalesce(sensor, '')");
    nlohmann::json out = nlohmann::json::array();
    for (auto& [name, fig] : by) {
        for (const char* k : {"sessions", "logged_in", "intrusions", "open_intrusions", "alerts"}) {
            if (!fig.contains(k)) fig[k] = 0;
        }
        if (!fig.contains("last_session")) fig["last_session"] = nullptr;
        out.push_back(std::move(fig));
    }
    return out;
}

nlohmann::json overview(SqlDb& db, int days) {
    nlohmann::json out;
    {
        Statement q(db, std::string(kIntrusionSelect) + " WHERE i.closed IS NULL ORDER BY i.opened DESC LIMIT 100");
        out["open_intrusions"] = all_rows(q);
    }
    {
        // The first day shown, computed here: each engine has its own
        // date arithmetic.
        auto first = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()) -
                     std::chrono::days(std::clamp(days, 1, 3660));
        Statement q(db,
                    "SELECT substr(opened, 1, 10) AS day, COUNT(*) AS intrusions FROM intrusions WHERE opened >= ? "
                    "GROUP BY substr(opened, 1, 10) ORDER BY day");
        std::chrono::year_month_day day{first};
        q.bind(1, fmt::format("{:04}-{:02}-{:02}", static_cast<int>(day.year()), static_cast<unsigned>(day.month()),
                              static_cast<unsigned>(day.day())));
        out["intrusions_per_day"] = all_rows(q);
    }
    auto top = [&](const char* key, const char* sql) {
        Statement q(db, sql);
        out[key] = all_rows(q);
    };
    top("top_usernames",
        "SELECT username AS value, COUNT(*) AS n FROM credentials GROUP BY username ORDER BY n DESC, value LIMIT 10");
    top("top_passwords",
        "SELECT password AS value, COUNT(*) AS n FROM credentials GROUP BY password ORDER BY n DESC, value LIMIT 10");
    // What attackers ran: commands of sessions, without what Debian's sshd
    // runs at every login (itself, and PAM's motd scripts), which would
    // top the list on any sensor.
    top("top_commands",
        "SELECT command_line AS value, COUNT(*) AS n FROM commands WHERE session_id IS NOT NULL "
        "AND path NOT IN ('/usr/sbin/sshd', '/usr/bin/run-parts', '/usr/bin/env', '/usr/bin/uname') "
        "AND command_line NOT LIKE '%/etc/update-motd.d%' GROUP BY command_line ORDER BY n DESC, value LIMIT 10");
    out["recent_alerts"] = recent_alerts(db, 10);
    out["alerts_by_technique"] = alerts_by_technique(db);
    out["sensors"] = sensor_figures(db);
    out["totals"] = {{"intrusions", db.query_int("SELECT COUNT(*) FROM intrusions")},
                     {"sessions", db.query_int("SELECT COUNT(*) FROM sessions")},
                     {"logins", db.query_int("SELECT COUNT(*) FROM credentials")},
                     {"commands", db.query_int("SELECT COUNT(*) FROM commands")},
                     {"alerts", db.query_int("SELECT COUNT(*) FROM alerts")}};
    return out;
}

nlohmann::json recent_alerts(SqlDb& db, std::int64_t limit) {
    Statement q(db, fmt::format("SELECT {} FROM alerts ORDER BY ts DESC, id DESC LIMIT {}", kAlertColumns,
                                std::clamp<std::int64_t>(limit, 1, 1000)));
    auto rows = all_rows(q);
    parse_json_column(rows, "tags");
    return rows;
}

bool is_technique_id(std::string_view id) {
    if (id.size() < 5 || id.size() > 9 || id[0] != 'T') return false;
    for (std::size_t i = 1; i < id.size(); ++i) {
        bool digit = id[i] >= '0' && id[i] <= '9';
        if (!(digit || (id[i] == '.' && i == 5 && id.size() > 6))) return false;
    }
    return true;
}

nlohmann::json list_alerts(SqlDb& db, const AlertFilter& f) {
    Where w;
    if (!f.severity.empty()) w.add("severity = ?", f.severity);
    if (!f.engine.empty()) w.add("ifnull(engine, 'yara') = ?", f.engine);
    if (!f.technique.empty()) {
        // Tags are a JSON array of lower-case names: "attack.t1053" is the
        // technique, "attack.t1053.003" a sub-technique of it.
        // The id is checked by the caller (T and digits and dots): nothing
        // in it is a LIKE wildcard.
        std::string tag = "attack.t" + f.technique.substr(1);
        w.terms.push_back(fmt::format("EXISTS (SELECT 1 FROM {} AS t WHERE t.value = ? OR t.value LIKE ?)",
                                      db.json_values("alerts.tags")));
        w.params.push_back(tag);
        w.params.push_back(tag + ".%");
    }
    if (!f.intrusion_id.empty()) w.add("intrusion_id = ?", f.intrusion_id);
    if (!f.sensor.empty()) w.add("sensor = ?", f.sensor);
    if (!f.since.empty()) w.add("ts >= ?", f.since);
    if (!f.until.empty()) w.add("ts < ?", f.until);
    auto page = counted_page(db, w, "alerts", "FROM alerts", fmt::format("SELECT {} FROM alerts", kAlertColumns),
                             "ts DESC, id DESC", f.limit, f.offset);
    parse_json_column(page["alerts"], "tags");
    return page;
}

nlohmann::json alerts_by_technique(SqlDb& db) {
    Statement q(db, fmt::format("SELECT upper(substr(t.value, 8)) AS technique, COUNT(*) AS alerts FROM alerts, {} "
                                "AS t WHERE t.value LIKE 'attack.t%' AND substr(t.value, 9, 1) BETWEEN '0' AND '9' "
                                "GROUP BY technique ORDER BY alerts DESC, technique LIMIT 50",
                                db.json_values("alerts.tags")));
    return all_rows(q);
}

}  // namespace oyster::store
