// The portal: listens on the public ports and splices each accepted
// connection into a guest, connecting to the guest *as the attacker* (an
// IP_TRANSPARENT socket bound to the attacker's address and port, see
// net/portal_routing.h), so that inside the guest sshd's log, `who`, `last`
// and `ss -tn` show the real source.
//
// Which guest a connection goes to is the PortalPolicy's decision (the
// sensor's pool, sticky per source address, caps). A connection may wait
// for a guest still booting: what the client sends meanwhile is kept (up to
// one buffer) and delivered once the guest is up. Refused connections are
// reset (RST), never left hanging.
//
// Per-connection limits ([sensor]): a connection to a guest nobody has
// logged into is closed sensor.login_grace_s after it reached the guest (sshd's
// LoginGraceTime, also for connections that send nothing, so patient
// silent sources cannot hold guests); one side done sending and the other
// not within sensor.half_closed_timeout_s; any connection after
// sensor.max_connection_s.
//
// Single-threaded: run_once() is an epoll loop step; other threads reach the
// loop only through a watched descriptor (an eventfd).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "oyster/common/config.h"
#include "oyster/common/ipv4.h"

namespace oyster::sensor {

struct PeerAddress {
    Ipv4 ip;
    std::uint16_t port = 0;
};

struct Decision {
    enum class Kind { connect, wait, refuse };
    Kind kind = Kind::refuse;
    std::uint64_t guest = 0;  // the policy's handle for the guest (connect, wait)
    Ipv4 guest_ip;            // connect
    bool login_grace = true;  // closed after sensor.login_grace_s unless lifted
    std::string reason;       // refuse
};

struct ConnectionSummary {
    std::uint64_t bytes_from_client = 0, bytes_to_client = 0;
    std::int64_t duration_ms = 0;
    bool reached_guest = false;
    std::string end;  // "closed", "reset", "guest unreachable: ...", "guest gone"
};

class PortalPolicy {
public:
    virtual ~PortalPolicy() = default;
    // A new connection from `peer` to `public_port`.
    virtual Decision admit(const PeerAddress& peer, std::uint16_t public_port) = 0;
    // Bytes moved for a guest's connection (it is not idle).
    virtual void activity(std::uint64_t guest) = 0;
    // Every admitted (connect or wait) connection ends with exactly one call.
    virtual void closed(std::uint64_t guest, const PeerAddress& peer, const ConnectionSummary& summary) = 0;
};

class Portal {
public:
    Portal(const SensorConfig& cfg, PortalPolicy& policy);
    ~Portal();
    Portal(const Portal&) = delete;
    Portal& operator=(const Portal&) = delete;

    // Binds and listens on every configured port. Throws oyster::Error
    // naming the address and port.
    void listen();
    // Stops accepting; open connections go on.
    void stop_listening();
    // Calls `on_readable` from run_once() when `fd` is readable.
    void watch(int fd, std::function<void()> on_readable);
    // Waits up to `timeout_ms` for events and handles them.
    void run_once(int timeout_ms);

    // Waiting connections of `guest` connect to it now.
    void guest_ready(std::uint64_t guest, Ipv4 guest_ip);
    // Closes every connection of `guest` (waiting or spliced).
    void guest_gone(std::uint64_t guest);
    // Resets the connections of `guest` that come from `source` (the guest
    // was taken from that source).
    void close_connections_of(std::uint64_t guest, Ipv4 source);
    // Someone logged into `guest`: its connections have no login grace.
    void lift_login_grace(std::uint64_t guest);
    void close_all();

    std::uint64_t accepted() const { return accepted_; }

private:
    struct Buffer {
        std::string data;
        std::size_t off = 0;
        std::size_t pending() const { return data.size() - off; }
        // Receives from `fd` until it would block, the buffer is full or the
        // peer ends (sets `eof`). Returns the bytes received, -1 on an error.
        ssize_t fill_from(int fd, bool& eof);
        // Sends what is pending until `fd` would block; returns the bytes
        // sent, -1 on an error.
        ssize_t drain_to(int fd);
    };
    struct Connection {
        std::uint64_t id = 0;
        int client = -1, upstream = -1;
        PeerAddress peer;
        std::uint16_t public_port = 0, guest_port = 0;
        std::uint64_t guest = 0;
        enum class State { waiting, connecting, spliced } state = State::waiting;
        Buffer to_guest, to_client;
        bool client_eof = false, guest_eof = false;
        bool upstream_shut = false, client_shut = false;
        std::chrono::steady_clock::time_point opened;
        std::chrono::steady_clock::time_point reached_at{};   // spliced into the guest
        std::chrono::steady_clock::time_point half_closed{};  // when one side ended first
        bool login_grace = true;
        ConnectionSummary summary;
    };
    struct Listener {
        int fd = -1;
        PortMapping ports;
    };

    void accept_from(const Listener& l);
    void connect_upstream(Connection& c, Ipv4 guest_ip);
    void on_client(Connection& c, std::uint32_t events);
    void on_upstream(Connection& c, std::uint32_t events);
    // Moves bytes both ways as far as the sockets allow, then updates the
    // epoll interest; closes the connection when both directions are done.
    void pump(Connection& c);
    void update_interest(Connection& c);
    void finish(Connection& c, const std::string& end, bool reset);
    // Closes the connections over their time limits; at most once a second.
    void enforce_limits();

    const SensorConfig& cfg_;
    PortalPolicy& policy_;
    int epoll_ = -1;
    // Kept open to be closed when accept() hits the descriptor limit, so the
    // pending connection can be accepted and reset instead of spinning.
    int reserve_fd_ = -1;
    std::vector<Listener> listeners_;
    std::vector<std::pair<int, std::function<void()>>> watched_;
    std::unordered_map<std::uint64_t, std::unique_ptr<Connection>> conns_;
    std::uint64_t next_id_ = 1;
    std::uint64_t accepted_ = 0;
    std::chrono::steady_clock::time_point last_limits_{};
};

std::string to_string(const PeerAddress& p);

}  // namespace oyster::sensor
