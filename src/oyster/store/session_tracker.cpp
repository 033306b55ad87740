#include "oyster/store/session_tracker.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "oyster/store/json_fields.h"

namespace oyster::store {
namespace {

std::string_view basename_of(std::string_view path) {
    auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool is_transfer_program(const nlohmann::json& exec_event) {
    static constexpr std::array<std::string_view, 12> kPrograms = {
        "wget", "curl", "tftp", "ftp", "ftpget", "lftp", "aria2c", "axel", "scp", "sftp-server", "rsync", "fetch"};
    std::string path = str_field(exec_event, "path");
    std::string argv0;
    if (auto a = exec_event.find("argv");
        a != exec_event.end() && a->is_array() && !a->empty() && a->front().is_string()) {
        argv0 = a->front().get<std::string>();
    }
    for (auto p : kPrograms) {
        if (basename_of(path) == p || basename_of(argv0) == p) return true;
    }
    return false;
}

bool is_outbound_connect(const nlohmann::json& capture_event) {
    // Attempts, not only successes: a non-blocking connect reports
    // EINPROGRESS, and a refused one is telling too.
    if (str_field(capture_event, "type") != "connect") return false;
    auto remote = capture_event.find("remote");
    if (remote == capture_event.end()) return false;
    std::string family = str_field(*remote, "family"), address = str_field(*remote, "address");
    if ((family != "inet" && family != "inet6") || int_field(*remote, "port") <= 0) return false;
    // getaddrinfo() probes which address families work by connecting UDP
    // sockets to the wildcard or loopback: nothing leaves the machine.
    return !(address.empty() || address == "0.0.0.0" || address == "::" || address == "::1" ||
             address.starts_with("127.") || address.starts_with("::ffff:127."));
}

struct SessionTracker::Statements {
    // `sensor`: the store has the sensors' column (schema 5); each
    // statement that finds sessions by peer or source then keeps to the
    // event's sensor. Without it (migration 2's backfill), "'' = ?" takes
    // the same parameter and holds.
    Statements(SqlDb& db, bool sensor)
        : open(db, sensor ? "INSERT INTO sessions (intrusion_id, guest_id, source_ip, source_port, port, started, "
                            "sensor) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id"
                          : "INSERT INTO sessions (intrusion_id, guest_id, source_ip, source_port, port, started) "
                            "VALUES (?, ?, ?, ?, ?, ?) RETURNING id"),
          in_guest_by_peer(db, with_sensor(sensor,
                                           "SELECT id FROM sessions WHERE source_ip = ? AND source_port = ? AND "
                                           "guest_id = ? AND {} ORDER BY id DESC LIMIT 1")),
          open_by_peer(db, with_sensor(sensor,
                                       "SELECT id FROM sessions WHERE source_ip = ? AND source_port = ? AND ended IS "
                                       "NULL AND {} ORDER BY id DESC LIMIT 1")),
          close(db,
                "UPDATE sessions SET ended = ?, duration_ms = ?, bytes_from_client = ?, bytes_to_client = ?, "
                "end_reason = ? WHERE id = ?"),
          adopt(db,
                "UPDATE sessions SET intrusion_id = coalesce(intrusion_id, ?), guest_id = coalesce(guest_id, ?) "
                "WHERE id = ?"),
          adopt_guest(db, with_sensor(sensor,
                                      "UPDATE sessions SET guest_id = ? WHERE source_ip = ? AND guest_id IS NULL AND "
                                      "ended IS NULL AND {}")),
          adopt_source(db, with_sensor(sensor,
                                       "UPDATE sessions SET intrusion_id = ?, guest_id = coalesce(guest_id, ?) "
                                       "WHERE source_ip = ? AND intrusion_id IS NULL AND ended IS NULL AND {}")),
          login(db,
                "UPDATE sessions SET login_attempts = login_attempts + 1, "
                "username = CASE WHEN logged_in = 1 THEN username ELSE ? END, "
                "password = CASE WHEN logged_in = 1 THEN password ELSE ? END, "
                "logged_in = CASE WHEN logged_in = 1 THEN 1 ELSE ? END WHERE id = ?"),
          process(db, "SELECT session_id FROM session_processes WHERE guest_id = ? AND pid = ?"),
          set_process(db,
                      "INSERT INTO session_processes (guest_id, pid, session_id) VALUES (?, ?, ?) "
                      "ON CONFLICT (guest_id, pid) DO UPDATE SET session_id = excluded.session_id"),
          forget_process(db, "DELETE FROM session_processes WHERE guest_id = ? AND pid = ?"),
          accept_of(db, "SELECT session_id FROM session_accepts WHERE guest_id = ? AND pid = ?"),
          set_accept(db,
                     "INSERT INTO session_accepts (guest_id, pid, session_id) VALUES (?, ?, ?) "
                     "ON CONFLICT (guest_id, pid) DO UPDATE SET session_id = excluded.session_id"),
          forget_accept(db, "DELETE FROM session_accepts WHERE guest_id = ? AND pid = ?"),
          command(db, "UPDATE sessions SET commands = commands + 1, downloads = downloads + ? WHERE id = ?"),
          tty(db, "UPDATE sessions SET tty = ?, tty_open_seq = ? WHERE id = ? AND tty IS NULL"),
          connect_out(db, "UPDATE sessions SET connections_out = connections_out + 1 WHERE id = ?"),
          end_all(db, with_sensor(sensor, "UPDATE sessions SET ended = ?, end_reason = ? WHERE ended IS NULL AND {}")),
          end_intrusion(db, "UPDATE sessions SET ended = ?, end_reason = ? WHERE intrusion_id = ? AND ended IS NULL"),
          forget_guest_processes(db, "DELETE FROM session_processes WHERE guest_id = ?"),
          forget_guest_accepts(db, "DELETE FROM session_accepts WHERE guest_id = ?") {}

    static std::string with_sensor(bool sensor, const char* sql) {
        return fmt::format(fmt::runtime(sql), sensor ? "coalesce(sensor, '') = ?" : "'' = ?");
    }

    Statement open, in_guest_by_peer, open_by_peer, close, adopt, adopt_guest, adopt_source, login, process,
        set_process, forget_process, accept_of, set_accept, forget_accept, command, tty, connect_out, end_all,
        end_intrusion, forget_guest_processes, forget_guest_accepts;
};

SessionTracker::SessionTracker(SqlDb& db, bool sensor_column)
    : db_(db), sensor_column_(sensor_column), st_(std::make_unique<Statements>(db, sensor_column)) {}

SessionTracker::~SessionTracker() = default;

std::optional<std::int64_t> SessionTracker::open_session_by_peer(const std::string& ip, std::int64_t port) {
    if (ip.empty() || port <= 0) return std::nullopt;
    st_->open_by_peer.bind(1, ip).bind(2, port).bind(3, sensor_);
    std::optional<std::int64_t> id;
    if (st_->open_by_peer.step()) id = st_->open_by_peer.int64(0);
    st_->open_by_peer.reset();
    return id;
}

std::optional<std::int64_t> SessionTracker::guest_session_by_peer(const std::string& guest, const std::string& ip,
                                                                  std::int64_t port) {
    if (guest.empty() || ip.empty() || port <= 0) return std::nullopt;
    st_->in_guest_by_peer.bind(1, ip).bind(2, port).bind(3, guest).bind(4, sensor_);
    std::optional<std::int64_t> id;
    if (st_->in_guest_by_peer.step()) id = st_->in_guest_by_peer.int64(0);
    st_->in_guest_by_peer.reset();
    return id;
}

// A connection that arrived while its guest was booting has no intrusion
// yet; the guest's first word about it supplies it.
void SessionTracker::adopt(std::int64_t session, const nlohmann::json& event) {
    std::string intrusion = str_field(event, "intrusion_id"), guest = str_field(event, "guest_id");
    if (intrusion.empty() && guest.empty()) return;
    st_->adopt.bind_or_null(1, intrusion).bind_or_null(2, guest).bind(3, session).run();
}

std::optional<std::int64_t> SessionTracker::apply(const nlohmann::json& event, std::string_view sensor) {
    sensor_ = str_field(event, "sensor");
    if (sensor_.empty()) sensor_ = sensor;
    std::string type = str_field(event, "type");
    std::string ts = str_field(event, "ts");
    if (type == "connection") {
        std::int64_t port = int_field(event, "source_port");
        std::string ip = str_field(event, "source_ip");
        if (ip.empty() || port <= 0) return std::nullopt;
        st_->open.bind_or_null(1, str_field(event, "intrusion_id"))
            .bind_or_null(2, str_field(event, "guest_id"))
            .bind(3, ip)
            .bind(4, port)
            .bind(5, int_field(event, "port"))
            .bind(6, ts);
        if (sensor_column_) st_->open.bind_or_null(7, sensor_);
        if (!st_->open.step()) db_.fail("no id for a new session");
        std::int64_t id = st_->open.int64(0);
        st_->open.reset();
        return id;
    }
    if (type == "connection_closed") {
        auto id = open_session_by_peer(str_field(event, "source_ip"), int_field(event, "source_port"));
        if (!id) return std::nullopt;
        st_->close.bind(1, ts)
            .bind(2, int_field(event, "duration_ms"))
            .bind(3, int_field(event, "bytes_from_client"))
            .bind(4, int_field(event, "bytes_to_client"))
            .bind_or_null(5, str_field(event, "end"))
            .bind(6, *id)
            .run();
        return id;
    }
    if (type == "sensor_started") {
        // A connection open when the last sensor died (kill -9) died with
        // it, and no connection_closed will come.
        st_->end_all.bind(1, ts).bind(2, "sensor restarted").bind(3, sensor_).run();
        return std::nullopt;
    }
    if (type == "guest_ready") {
        // A boot (a dormant guest woken from its disk, too): its pids start
        // anew, and none of the last boot's processes lives on.
        std::string guest = str_field(event, "guest_id"), source = str_field(event, "source_ip");
        if (!guest.empty()) {
            st_->forget_guest_processes.bind(1, process_key(guest)).run();
            st_->forget_guest_accepts.bind(1, process_key(guest)).run();
        }
        // Connections that waited for this boot name no guest yet: the
        // sensor forwards them to this one, and from now on only this
        // guest's records may speak of them.
        if (!guest.empty() && !source.empty()) st_->adopt_guest.bind(1, guest).bind(2, source).bind(3, sensor_).run();
        return std::nullopt;
    }
    if (type == "intrusion_closed") {
        std::string intrusion = str_field(event, "intrusion_id");
        if (!intrusion.empty()) st_->end_intrusion.bind(1, ts).bind(2, "intrusion closed").bind(3, intrusion).run();
        return std::nullopt;
    }
    if (type == "intrusion_opened") {
        std::string intrusion = str_field(event, "intrusion_id"), ip = str_field(event, "source_ip");
        if (!intrusion.empty() && !ip.empty()) {
            st_->adopt_source.bind(1, intrusion)
                .bind_or_null(2, str_field(event, "guest_id"))
                .bind(3, ip)
                .bind(4, sensor_)
                .run();
        }
        return std::nullopt;
    }
    if (type == "login") {
        // Reported live some 250 ms after it happened: the connection may
        // be closed by then (a rejected client hangs up), so closed ones
        // count. Only this guest's: its root can forge the address.
        std::string guest = str_field(event, "guest_id");
        auto id = guest_session_by_peer(guest, str_field(event, "remote_ip"), int_field(event, "remote_port"));
        std::int64_t tgid = int_field(event, "tgid", int_field(event, "pid", -1));
        if (!id && !guest.empty() && tgid > 0) {
            // Telnet's login knows the remote host, not its port (PAM_RHOST
            // is all telnetd passes): the process that authenticated names
            // the session, followed there from inetd's accept.
            st_->process.bind(1, process_key(guest)).bind(2, tgid);
            if (st_->process.step()) id = st_->process.int64(0);
            st_->process.reset();
        }
        if (!id) return std::nullopt;
        bool success = bool_field(event, "success");
        st_->login.bind(1, str_field(event, "user"))
            .bind(2, str_field(event, "password"))
            .bind(3, success ? 1 : 0)
            .bind(4, *id)
            .run();
        adopt(*id, event);
        // The process that authenticated is the session's, even when its
        // accept and fork were not seen (a sensor restart in between).
        if (success && !guest.empty() && tgid > 0) {
            st_->set_process.bind(1, process_key(guest)).bind(2, tgid).bind(3, *id).run();
        }
        return id;
    }
    if (type == "capture") {
        auto inner = event.find("event");
        if (inner == event.end() || !inner->is_object()) return std::nullopt;
        return apply_capture(event, *inner);
    }
    return std::nullopt;
}

std::optional<std::int64_t> SessionTracker::apply_capture(const nlohmann::json& event, const nlohmann::json& inner) {
    std::string guest = str_field(event, "guest_id");
    std::int64_t tgid = int_field(inner, "tgid", int_field(inner, "pid", -1));
    if (guest.empty() || tgid <= 0) return std::nullopt;
    std::string type = str_field(inner, "type");

    // Guests' ids are a sensor's own: the process tables key them by both.
    std::string key = process_key(guest);
    auto lookup = [&](Statement& q) {
        q.bind(1, key).bind(2, tgid);
        std::optional<std::int64_t> id;
        if (q.step()) id = q.int64(0);
        q.reset();
        return id;
    };

    if (type == "accept" && int_field(inner, "result", -1) >= 0) {
        auto remote = inner.find("remote");
        if (remote == inner.end()) return std::nullopt;
        // The guest's root can give its loopback any address and connect to
        // its own server from it: the peer is looked up among the
        // connections the sensor gave this guest, never another's.
        auto id = guest_session_by_peer(guest, str_field(*remote, "address"), int_field(*remote, "port"));
        if (!id) return std::nullopt;
        // The server's next fork is the connection's handler.
        st_->set_accept.bind(1, key).bind(2, tgid).bind(3, *id).run();
        adopt(*id, event);
        return id;
    }
    if (type == "fork") {
        std::int64_t child = int_field(inner, "child_tgid", -1);
        if (child <= 0) return std::nullopt;
        auto id = lookup(st_->accept_of);
        if (id) {
            st_->forget_accept.bind(1, key).bind(2, tgid).run();
        } else {
            id = lookup(st_->process);
        }
        if (id) {
            st_->set_process.bind(1, key).bind(2, child).bind(3, *id).run();
        } else {
            // A reused pid must not inherit an old process's session.
            st_->forget_process.bind(1, key).bind(2, child).run();
        }
        return id;
    }

    auto id = lookup(st_->process);
    if (!id) return std::nullopt;
    if (type == "exec") {
        st_->command.bind(1, is_transfer_program(inner) ? 1 : 0).bind(2, *id).run();
    } else if (type == "tty_open") {
        st_->tty.bind_or_null(1, str_field(inner, "session_tty")).bind(2, int_field(inner, "seq")).bind(3, *id).run();
    } else if (is_outbound_connect(inner)) {
        st_->connect_out.bind(1, *id).run();
    }
    return id;
}

std::string SessionTracker::process_key(const std::string& guest) const {
    return sensor_.empty() ? guest : sensor_ + "/" + guest;
}

void backfill_sessions(SqlDb& db) {
    // At schema 2, before the sensors' column.
    SessionTracker tracker(db, false);
    Statement events(db, "SELECT id, body FROM events ORDER BY id");
    // Marked after the scan: rows are not rewritten under a cursor reading them.
    std::vector<std::pair<std::int64_t, std::int64_t>> marks;  // event id, session id
    while (events.step()) {
        auto j = nlohmann::json::parse(events.text(1), nullptr, false);
        if (j.is_discarded() || !j.is_object()) continue;
        if (auto session = tracker.apply(j)) marks.emplace_back(events.int64(0), *session);
    }
    events.reset();
    Statement mark_event(db, "UPDATE events SET session_id = ? WHERE id = ?");
    Statement mark_credential(db, "UPDATE credentials SET session_id = ? WHERE event_id = ?");
    Statement mark_command(db, "UPDATE commands SET session_id = ? WHERE event_id = ?");
    for (auto [event_id, session] : marks) {
        for (Statement* s : {&mark_event, &mark_credential, &mark_command}) s->bind(1, session).bind(2, event_id).run();
    }
}

}  // namespace oyster::store
