// Sessions: one per TCP connection an attacker made to a guest, and which
// session each event belongs to (docs/store.md, "Sessions").
//
// A session starts with the sensor's `connection` event and ends with its
// `connection_closed`; both name the attacker's address and source port.
// The portal connects to the guest *as* the attacker, so the guest's own
// records name that same address and port: its login attempts
// (`remote_ip`, `remote_port`) and the `accept` of the server that took
// the connection. From that accept on, the tracker follows the process
// tree (a guest's records name only sessions of the connections the sensor
// gave that guest: its root can forge any peer address on its loopback and
// connect to itself): the process that accepted hands the session to the next process
// it forks (sshd and inetd fork one child per connection), and every
// process forked from a session's process belongs to the session. So a
// command is attributed to the connection it was run from, also when
// several connections of one attacker are open at once, with or without
// a terminal.
//
// All state is in the database (session_processes, session_accepts), in
// the caller's transaction: the attribution survives a restart, and
// rebuilding the store from events.jsonl gives the same sessions.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "oyster/store/sql_db.h"

namespace oyster::store {

class SessionTracker {
public:
    // `sensor_column`: the store is at schema 5 or later (sessions have
    // the sensor's name).
    explicit SessionTracker(SqlDb& db, bool sensor_column = true);
    ~SessionTracker();
    SessionTracker(const SessionTracker&) = delete;
    SessionTracker& operator=(const SessionTracker&) = delete;

    // Updates the sessions for one sensor event (any type; the event is
    // untrusted: missing or mistyped fields make it belong to no session)
    // and returns the session it belongs to, if any. The event's sensor is
    // its "sensor" field, else `sensor`: one sensor's events never reach
    // another's sessions (a central store holds many).
    std::optional<std::int64_t> apply(const nlohmann::json& event, std::string_view sensor = {});

private:
    struct Statements;
    std::optional<std::int64_t> apply_capture(const nlohmann::json& event, const nlohmann::json& inner);
    // The open session of a peer, as the sensor's own events name it.
    std::optional<std::int64_t> open_session_by_peer(const std::string& ip, std::int64_t port);
    // The latest session of a peer among those of `guest`: how a guest's
    // record (which it can forge) may name a session.
    std::optional<std::int64_t> guest_session_by_peer(const std::string& guest, const std::string& ip,
                                                      std::int64_t port);
    void adopt(std::int64_t session, const nlohmann::json& event);
    // A guest's key in the process tables: its id, with its sensor's name.
    std::string process_key(const std::string& guest) const;

    SqlDb& db_;
    bool sensor_column_;
    std::string sensor_;  // the event being applied's
    std::unique_ptr<Statements> st_;
};

// True for a program that transfers files (wget, curl, tftp, scp, ...),
// judged from the executed path and argv[0] (busybox applets).
bool is_transfer_program(const nlohmann::json& exec_event);

// True for a capture `connect` event towards another machine (IPv4 or
// IPv6, not the wildcard or loopback).
bool is_outbound_connect(const nlohmann::json& capture_event);

// Migration 2's backfill: derives the sessions of the events already
// stored, in id order, and marks each event, credential and command with
// its session.
void backfill_sessions(SqlDb& db);

}  // namespace oyster::store
