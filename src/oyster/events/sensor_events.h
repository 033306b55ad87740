// The sensor's events (events.jsonl), one struct per type: the schema in
// code. The sensor emits these structs (sensor/event_log.h); the store
// reads its lines back through parse_event_line() and EventLine::as<E>();
// docs/sensor.md's table of events is checked against event_schema() by a
// unit test, so a field added here and not documented fails the build's
// tests.
//
// Every line also has "ts" (RFC 3339 UTC, ms) and "type", written by the
// event log and never taken from a struct's fields. How each field is
// written and read (always, only when set, or null when unknown) is
// events/event_json.h.
//
// `capture` and `login` carry what a guest's kernel and PAM hook sent:
// `CaptureEvent::event` is the capture decoder's object as it is
// (docs/capture-format.md); a login's fields are read out of it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "oyster/events/event_json.h"

namespace oyster::events {

struct SensorStarted {
    static constexpr std::string_view kType = "sensor_started";
    std::string listen{}, ports{};
    std::uint64_t pool_size = 0, max_guests = 0;
    std::string max_guests_why{};
    std::int64_t pid = 0;
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("listen", e.listen);
        v("ports", e.ports);
        v("pool_size", e.pool_size);
        v("max_guests", e.max_guests);
        v("max_guests_why", e.max_guests_why);
        v("pid", e.pid);
    }
};

struct SensorStopped {
    static constexpr std::string_view kType = "sensor_stopped";
    std::uint64_t connections_accepted = 0;
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("connections_accepted", e.connections_accepted);
    }
};

// A step of a guest's life in the pool (sensor/guest_pool.h takes them).
enum class GuestChangeKind : std::uint8_t {
    held,
    released,
    engaged,
    reclaimed,
    dormant,
    woken,
    wake_failed,
    died,
    expired,
    refused,
    cold_boot,
    retention_ended,
};
inline constexpr std::string_view kGuestChangeNames[] = {
    "held",        "released", "engaged", "reclaimed", "dormant",   "woken",
    "wake_failed", "died",     "expired", "refused",   "cold_boot", "retention_ended",
};
constexpr std::string_view guest_change_name(GuestChangeKind k) {
    return kGuestChangeNames[static_cast<std::size_t>(k)];
}
constexpr std::optional<GuestChangeKind> guest_change_kind(std::string_view name) {
    for (std::size_t i = 0; i < std::size(kGuestChangeNames); ++i) {
        if (kGuestChangeNames[i] == name) return static_cast<GuestChangeKind>(i);
    }
    return std::nullopt;
}
static_assert(guest_change_kind("retention_ended") == GuestChangeKind::retention_ended);

// Its type is "guest_" + the change's name.
struct GuestChange {
    GuestChangeKind change = GuestChangeKind::held;
    std::string guest_id{}, source_ip{}, state{};
    std::optional<std::string> intrusion_id{}, detail{};
    std::optional<std::uint64_t> boot{};  // cold_boot: the handle until the guest has an id
    std::string type() const { return "guest_" + std::string(guest_change_name(change)); }
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("state", e.state);
        v("intrusion_id", e.intrusion_id);
        v("detail", e.detail);
        v("boot", e.boot);
    }
};

struct GuestRecovered {
    static constexpr std::string_view kType = "guest_recovered";
    std::string guest_id{}, source_ip{}, intrusion_id{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("intrusion_id", e.intrusion_id);
    }
};

struct GuestReady {
    static constexpr std::string_view kType = "guest_ready";
    std::string guest_id{}, guest_ip{};
    std::int64_t boot_ms = 0;
    bool woken = false;
    std::string intrusion_id{}, source_ip{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("guest_ip", e.guest_ip);
        v("boot_ms", e.boot_ms);
        v("woken", e.woken);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
    }
};

struct GuestBootFailed {
    static constexpr std::string_view kType = "guest_boot_failed";
    std::string source_ip{}, guest_id{}, error{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("source_ip", e.source_ip);
        v("guest_id", e.guest_id);
        v("error", e.error);
    }
};

struct IntrusionOpened {
    static constexpr std::string_view kType = "intrusion_opened";
    std::string intrusion_id{}, source_ip{}, guest_id{}, guest_ip{}, dir{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("guest_id", e.guest_id);
        v("guest_ip", e.guest_ip);
        v("dir", e.dir);
    }
};

struct IntrusionClosed {
    static constexpr std::string_view kType = "intrusion_closed";
    std::string intrusion_id{}, source_ip{}, guest_id{}, reason{};
    std::uint64_t connections = 0;
    std::vector<std::string> pcap_files{};
    std::uint64_t disk_bytes = 0;
    std::string dir{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("guest_id", e.guest_id);
        v("reason", e.reason);
        v("connections", e.connections);
        v("pcap_files", e.pcap_files);
        v("disk_bytes", e.disk_bytes);
        v("dir", e.dir);
    }
};

struct IntrusionPruned {
    static constexpr std::string_view kType = "intrusion_pruned";
    std::string intrusion_id{}, source_ip{};
    std::uint64_t bytes = 0, evidence_blobs_removed = 0, disk_used_after = 0, disk_budget = 0;
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("bytes", e.bytes);
        v("evidence_blobs_removed", e.evidence_blobs_removed);
        v("disk_used_after", e.disk_used_after);
        v("disk_budget", e.disk_budget);
    }
};

struct Connection {
    static constexpr std::string_view kType = "connection";
    std::string source_ip{};
    std::uint16_t source_port = 0, port = 0;
    std::string guest_id{}, intrusion_id{}, guest_state{};
    bool waits_for_boot = false;
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("source_ip", e.source_ip);
        v("source_port", e.source_port);
        v("port", e.port);
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("guest_state", e.guest_state);
        v("waits_for_boot", e.waits_for_boot);
    }
};

struct ConnectionClosed {
    static constexpr std::string_view kType = "connection_closed";
    std::string source_ip{};
    std::uint16_t source_port = 0;
    std::string guest_id{};
    std::uint64_t bytes_from_client = 0, bytes_to_client = 0;
    std::int64_t duration_ms = 0;
    bool reached_guest = false;
    std::string end{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("source_ip", e.source_ip);
        v("source_port", e.source_port);
        v("guest_id", e.guest_id);
        v("bytes_from_client", e.bytes_from_client);
        v("bytes_to_client", e.bytes_to_client);
        v("duration_ms", e.duration_ms);
        v("reached_guest", e.reached_guest);
        v("end", e.end);
    }
};

struct ConnectionRefused {
    static constexpr std::string_view kType = "connection_refused";
    std::string source_ip{};
    std::uint16_t source_port = 0, port = 0;
    std::string reason{};
    std::uint64_t refused_total = 0, not_logged_since_last = 0;
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("source_ip", e.source_ip);
        v("source_port", e.source_port);
        v("port", e.port);
        v("reason", e.reason);
        v("refused_total", e.refused_total);
        v("not_logged_since_last", e.not_logged_since_last);
    }
};

// A packet the guest firewall dropped (net/drop_monitor.h). The packet's
// fields are there when it was IPv4, the guest's when it came from one.
struct Drop {
    static constexpr std::string_view kType = "drop";
    std::string reason{};
    bool cap_hit = false;
    std::optional<std::string> src{}, dst{}, protocol{};
    std::optional<std::uint16_t> src_port{}, dst_port{};
    std::optional<std::string> guest_id{}, source_ip{}, intrusion_id{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("reason", e.reason);
        v("cap_hit", e.cap_hit);
        v("src", e.src);
        v("dst", e.dst);
        v("protocol", e.protocol);
        v("src_port", e.src_port);
        v("dst_port", e.dst_port);
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("intrusion_id", e.intrusion_id);
    }
};

// A conversation of a guest's, named by nDPI (detection/flow_inspector.h):
// one event per flow that carried data, once its protocol is known or
// nDPI gave up on it. `src` is the side that sent the first packet.
struct Flow {
    static constexpr std::string_view kType = "flow";
    std::string guest_id{}, intrusion_id{}, source_ip{};
    std::string protocol{};  // "tcp", "udp"
    std::string src{}, dst{};
    std::uint16_t src_port = 0, dst_port = 0;
    std::string application{};             // nDPI's name: "IRC", "Mining", "TLS.Google", "Unknown"
    std::string category{};                // nDPI's category: "Chat", "Mining", "Web", ...
    bool guessed = false;                  // by port, nDPI having seen too little
    std::optional<std::string> host{};     // the name asked for (HTTP Host, TLS SNI, DNS query)
    std::vector<std::string> risks{};      // nDPI's flow risks
    std::uint64_t packets = 0, bytes = 0;  // when it was named, both ways
    std::string first_seen{};              // ISO time of its first packet
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("protocol", e.protocol);
        v("src", e.src);
        v("src_port", e.src_port);
        v("dst", e.dst);
        v("dst_port", e.dst_port);
        v("application", e.application);
        v("category", e.category);
        v("guessed", e.guessed);
        v("host", e.host);
        v("risks", e.risks);
        v("packets", e.packets);
        v("bytes", e.bytes);
        v("first_seen", e.first_seen);
    }
};

struct Mail {
    static constexpr std::string_view kType = "mail";
    std::string guest_id{}, intrusion_id{}, source_ip{}, original_destination{}, helo{}, mail_from{};
    std::vector<std::string> rcpt_to{}, auth{};
    std::uint64_t auth_dropped = 0, bytes = 0;
    bool truncated = false, stored = false;
    std::string file{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("original_destination", e.original_destination);
        v("helo", e.helo);
        v("mail_from", e.mail_from);
        v("rcpt_to", e.rcpt_to);
        v("auth", e.auth);
        v("auth_dropped", e.auth_dropped);
        v("bytes", e.bytes);
        v("truncated", e.truncated);
        v("stored", e.stored);
        v("file", e.file);
    }
};

struct QuotaReached {
    static constexpr std::string_view kType = "quota_reached";
    std::string guest_id{}, intrusion_id{}, source_ip{}, cause{};
    std::uint64_t limit_mib = 0;
    std::string detail{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("cause", e.cause);
        v("limit_mib", e.limit_mib);
        v("detail", e.detail);
    }
};

// The capture-side events below (capture, login, capture_suppressed,
// capture_error) name their guest always, and its intrusion and source
// when the sensor still holds the guest as it emits them.

struct CaptureEvent {
    static constexpr std::string_view kType = "capture";
    std::string guest_id{};
    std::optional<std::string> intrusion_id{}, source_ip{};
    nlohmann::json event{};            // the decoder's object
    std::optional<bool> store_only{};  // set (true) only when beyond the live allowance
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("event", e.event);
        v("store_only", e.store_only);
    }
};

// A login attempt the guest's PAM hook reported: the report and the
// capture's account of the process that sent it.
struct Login {
    static constexpr std::string_view kType = "login";
    std::string guest_id{};
    std::optional<std::string> intrusion_id{}, source_ip{};
    std::string service{}, user{}, password{}, remote_ip{};
    std::uint16_t remote_port = 0;
    bool success = false;
    std::string reason{};
    std::uint64_t seq = 0, time_ns = 0;
    std::string time{};
    std::int64_t pid = 0, tgid = 0, ppid = 0, uid = 0, euid = 0, gid = 0, egid = 0;
    std::string comm{};
    Nullable<std::string> tty{};
    std::optional<std::string> received{};  // the host's receive time, when the decoder had it
    std::optional<std::uint64_t> received_ns{};
    std::optional<bool> store_only{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("service", e.service);
        v("user", e.user);
        v("password", e.password);
        v("remote_ip", e.remote_ip);
        v("remote_port", e.remote_port);
        v("success", e.success);
        v("reason", e.reason);
        v("seq", e.seq);
        v("time", e.time);
        v("time_ns", e.time_ns);
        v("pid", e.pid);
        v("tgid", e.tgid);
        v("ppid", e.ppid);
        v("uid", e.uid);
        v("euid", e.euid);
        v("gid", e.gid);
        v("egid", e.egid);
        v("comm", e.comm);
        v("tty", e.tty);
        v("received", e.received);
        v("received_ns", e.received_ns);
        v("store_only", e.store_only);
    }
};

struct CaptureSuppressed {
    static constexpr std::string_view kType = "capture_suppressed";
    std::string guest_id{};
    std::optional<std::string> intrusion_id{}, source_ip{};
    std::uint64_t events = 0;
    nlohmann::json by_class = nlohmann::json::object();  // live class -> events suppressed
    std::uint64_t stored = 0;
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("events", e.events);
        v("by_class", e.by_class);
        v("stored", e.stored);
    }
};

struct CaptureError {
    static constexpr std::string_view kType = "capture_error";
    std::string guest_id{};
    std::optional<std::string> intrusion_id{}, source_ip{};
    std::string error{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("guest_id", e.guest_id);
        v("intrusion_id", e.intrusion_id);
        v("source_ip", e.source_ip);
        v("error", e.error);
    }
};

// Written by the event log itself, before the first event it can write
// again after a failed write.
struct EventsDropped {
    static constexpr std::string_view kType = "events_dropped";
    std::uint64_t events = 0;
    nlohmann::json by_type = nlohmann::json::object();  // type -> events dropped
    std::string since{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("events", e.events);
        v("by_type", e.by_type);
        v("since", e.since);
    }
};

// The forensic analysis of a closed intrusion (docs/forensics.md): a file
// changed or executed, with its evidence blob when one was kept.
struct ForensicFile {
    static constexpr std::string_view kType = "forensic_file";
    std::string intrusion_id{}, guest_id{}, source_ip{};
    std::string change{}, path{}, what{};
    nlohmann::json before{}, after{};  // the inode's fields, or null
    Nullable<std::string> sha256{}, sha256_before{}, noise{}, file_type{}, mime{}, note{};
    bool extracted = false;
    std::optional<std::int64_t> executions{};  // executed files only
    std::optional<bool> in_base_image{};       // executed files only
    Nullable<std::string> evidence{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("change", e.change);
        v("path", e.path);
        v("what", e.what);
        v("before", e.before);
        v("after", e.after);
        v("sha256", e.sha256);
        v("sha256_before", e.sha256_before);
        v("noise", e.noise);
        v("file_type", e.file_type);
        v("mime", e.mime);
        v("extracted", e.extracted);
        v("note", e.note);
        v("executions", e.executions);
        v("in_base_image", e.in_base_image);
        v("evidence", e.evidence);
    }
};

// A rule matched: a YARA rule over a closed intrusion's files (forensics),
// or, live, a Sigma rule over a guest's capture (`engine` "sigma": the
// rule's id, the record that raised it, when the guest made it and what
// the rule saw; detection/live_detector.h).
struct Alert {
    static constexpr std::string_view kType = "alert";
    std::string intrusion_id{}, guest_id{}, source_ip{};
    std::string rule{}, rule_file{};
    std::vector<std::string> tags{};
    std::string description{}, severity{}, path{}, sha256{}, change{};
    Nullable<std::string> evidence{};
    std::optional<std::string> engine{}, rule_id{}, category{}, detail{}, event_time{};
    std::optional<std::uint64_t> seq{}, pid{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("rule", e.rule);
        v("rule_file", e.rule_file);
        v("tags", e.tags);
        v("description", e.description);
        v("severity", e.severity);
        v("path", e.path);
        v("sha256", e.sha256);
        v("change", e.change);
        v("evidence", e.evidence);
        v("engine", e.engine);
        v("rule_id", e.rule_id);
        v("category", e.category);
        v("detail", e.detail);
        v("event_time", e.event_time);
        v("seq", e.seq);
        v("pid", e.pid);
    }
};

struct Artefact {
    static constexpr std::string_view kType = "artefact";
    std::string intrusion_id{}, guest_id{}, source_ip{};
    std::string kind{}, path{};
    std::uint64_t size = 0;
    Nullable<std::string> sha256{};
    std::optional<std::int64_t> tty_seq{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("kind", e.kind);
        v("path", e.path);
        v("size", e.size);
        v("sha256", e.sha256);
        v("tty_seq", e.tty_seq);
    }
};

// The analysis's summary, or its error when it could not be made.
struct ForensicsDone {
    static constexpr std::string_view kType = "forensics_done";
    std::string intrusion_id{}, guest_id{}, source_ip{};
    std::optional<std::uint64_t> files{}, noise{}, executed{}, alerts{}, artefacts{}, yara_rules{};
    std::optional<std::int64_t> duration_ms{};
    std::optional<nlohmann::json> journal_replay{}, errors{};
    std::optional<std::string> error{};
    template <class Self, class V>
    static void fields(Self& e, V&& v) {
        v("intrusion_id", e.intrusion_id);
        v("guest_id", e.guest_id);
        v("source_ip", e.source_ip);
        v("files", e.files);
        v("noise", e.noise);
        v("executed", e.executed);
        v("alerts", e.alerts);
        v("artefacts", e.artefacts);
        v("yara_rules", e.yara_rules);
        v("duration_ms", e.duration_ms);
        v("journal_replay", e.journal_replay);
        v("errors", e.errors);
        v("error", e.error);
    }
};

template <class E>
std::string event_type(const E& e) {
    if constexpr (requires { E::kType; }) {
        return std::string(E::kType);
    } else {
        return e.type();
    }
}

// One line of an event log, as read back: its own "ts" and "type", and its
// fields, read as a type's struct on demand.
struct EventLine {
    std::string ts{}, type{};
    nlohmann::json fields{};  // the whole object, "ts" and "type" included

    template <class E>
    std::optional<E> as() const& {
        return read_as<E>(fields);
    }
    // The same, moving the line's nested objects into the struct (a reader
    // done with the line: the store with a capture event).
    template <class E>
    std::optional<E> as() && {
        return read_as<E>(std::move(fields));
    }

private:
    template <class E, class Json>
    std::optional<E> read_as(Json&& object) const {
        if constexpr (requires { E::kType; }) {
            if (type != E::kType) return std::nullopt;
            return from_fields<E>(std::forward<Json>(object));
        } else {
            static_assert(std::is_same_v<E, GuestChange>);
            if (!type.starts_with("guest_")) return std::nullopt;
            auto kind = guest_change_kind(std::string_view(type).substr(6));
            if (!kind) return std::nullopt;
            auto e = from_fields<GuestChange>(std::forward<Json>(object));
            e.change = *kind;
            return e;
        }
    }
};

// A line of an event log, or nothing when it is not a JSON object with a
// string "ts" and a string "type" (a torn or foreign line).
std::optional<EventLine> parse_event_line(std::string_view line);

// An event already parsed, as a line: nothing when it is not an object with
// a string "type" ("ts" may be missing: readers that only classify events,
// such as the syslog output's severities, do not need it).
std::optional<EventLine> event_line_of(nlohmann::json event);

struct EventSchema {
    std::string type{};
    std::vector<std::string> fields{};
};

// Every type the sensor writes, with its fields, in the order above.
std::vector<EventSchema> event_schema();

}  // namespace oyster::events
