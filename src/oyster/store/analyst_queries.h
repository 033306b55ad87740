// The questions an analyst asks of the store, answered as JSON: the CLI's
// listings (`oyster intrusions`, `oyster sessions`, `oyster show`) print
// these objects, and the HTTP API serves the same ones. Field names are
// the tables' columns (docs/store.md). Strings are as the attacker typed
// them: whoever displays them must treat them as text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oyster/store/sql_db.h"

namespace oyster::store {

// A time bound as given on a command line or in a query string: a UTC date
// or date-time (2026-11-27, 2026-11-27T10:30, 2026-11-27T10:30:00Z, ...).
// Returns the prefix that compares as a string with the store's RFC 3339
// timestamps, or nullopt when `text` is not such a time.
std::optional<std::string> parse_time_bound(const std::string& text);

struct SessionFilter {
    std::string source_ip;     // exact
    std::string username;      // exact (the logged-in user, or the last tried)
    std::string intrusion_id;  // exact
    std::string sensor;        // exact: the sensor's name (a fleet's central store)
    std::string since;         // started >= (parse_time_bound form)
    std::string until;         // started < (parse_time_bound form)
    bool has_download = false;
    bool logged_in = false;
    std::int64_t limit = 50;  // 1..1000
    std::int64_t offset = 0;
};

// Newest first: {"total": n, "sessions": [session objects]}.
nlohmann::json list_sessions(SqlDb& db, const SessionFilter& f);

// Records of a session's processes that say nothing about the attacker:
// sshd's and the C library's bookkeeping (privilege drops, local sockets,
// /dev and /proc opens, utmp/wtmp, state kept as logind and pam_motd
// rewrite it: the forensics' noise rules). Human timelines leave them out unless
// asked; JSON keeps them. A name like "sshd" is the guest's word, so
// nothing marked here is hidden from the store.
bool is_bookkeeping(const nlohmann::json& event);

// One session, or nullopt.
std::optional<nlohmann::json> find_session(SqlDb& db, std::int64_t id);

// The session's events in the order they happened, without process
// forks: [{"id", "ts" (logged), "time" (happened: a guest record's own
// time), "type", "bookkeeping" (is_bookkeeping), "event": the sensor's
// event}].
nlohmann::json session_timeline(SqlDb& db, std::int64_t id);

struct IntrusionFilter {
    std::string source_ip;
    std::string sensor;  // exact
    std::string since;   // opened >=
    std::string until;   // opened <
    bool open_only = false;
    std::int64_t limit = 50;
    std::int64_t offset = 0;
};

// Newest first: {"total": n, "intrusions": [intrusion objects with
// "sessions", "logins", "commands" counts]}.
nlohmann::json list_intrusions(SqlDb& db, const IntrusionFilter& f);

// One intrusion (same object), or nullopt. Both also carry the forensic
// summary: "analysed" (when), "files_changed", "alerts", "forensics_error".
std::optional<nlohmann::json> find_intrusion(SqlDb& db, const std::string& id);

// The intrusion's forensic results, as the sensor reported them: files
// (changes in the analysis' order, executed files last), alerts, and
// artefacts (docs/store.md, docs/forensics.md).
nlohmann::json intrusion_files(SqlDb& db, const std::string& intrusion_id);
nlohmann::json intrusion_alerts(SqlDb& db, const std::string& intrusion_id);
nlohmann::json intrusion_artefacts(SqlDb& db, const std::string& intrusion_id);

// One of an intrusion's artefacts, for serving it: its kind ("evidence",
// "pcap", "asciicast", ...), its path (an evidence blob's, or relative to
// the guest's directory) and its SHA-256 (empty when not known).
struct ArtefactRef {
    std::string kind, path, sha256;
};
std::optional<ArtefactRef> find_artefact(SqlDb& db, const std::string& intrusion_id, std::int64_t artefact_id);

// The evidence blob a file of any intrusion with that SHA-256 was kept as.
std::optional<std::string> evidence_path(SqlDb& db, const std::string& sha256);

// The sensor's events of an intrusion as it logged them, one JSON line
// each, in the log's order.
std::string intrusion_event_lines(SqlDb& db, const std::string& intrusion_id);

// The web UI's overview: {"open_intrusions": [intrusion objects],
// "intrusions_per_day": [{"day", "intrusions"}] (the last `days` days with
// any), "top_usernames", "top_passwords", "top_commands": [{"value", "n"}]
// (10 each; commands of sessions, without sshd and the motd scripts PAM
// runs at every login: sshd, run-parts, env, uname, /etc/update-motd.d),
// "recent_alerts" (10), "alerts_by_technique", "sensors" (sensor_figures),
// "totals": {intrusions, sessions, logins, commands, alerts}}.
nlohmann::json overview(SqlDb& db, int days = 30);

// Per sensor, by name: sessions, logged_in (sessions), last_session,
// intrusions, open_intrusions, alerts (a fleet's overview).
nlohmann::json sensor_figures(SqlDb& db);

// The newest alerts of all intrusions, at most `limit` (1..1000).
nlohmann::json recent_alerts(SqlDb& db, std::int64_t limit);

struct AlertFilter {
    std::string severity;      // exact: critical, high, medium, low, informational
    std::string engine;        // exact: sigma, yara
    std::string technique;     // an ATT&CK id, "T1053" (its sub-techniques too) or "T1053.003";
                               // is_technique_id() must hold
    std::string intrusion_id;  // exact
    std::string sensor;        // exact
    std::string since, until;  // ts bounds (parse_time_bound form)
    std::int64_t limit = 50;   // 1..1000
    std::int64_t offset = 0;
};

// "T" and digits, with at most one dot after the fourth digit ("T1053.003").
bool is_technique_id(std::string_view id);

// Newest first: {"total": n, "alerts": [alert rows, tags parsed]}.
nlohmann::json list_alerts(SqlDb& db, const AlertFilter& f);

// [{"technique": "T1053.003", "alerts": n}], most alerts first: the ATT&CK
// techniques alerts were tagged with.
nlohmann::json alerts_by_technique(SqlDb& db);

}  // namespace oyster::store
