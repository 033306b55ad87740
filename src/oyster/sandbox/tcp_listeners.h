// Whether a guest listens on a TCP port, from its kernel's own table
// (/proc/net/tcp or /proc/net/tcp6 as the mconsole "proc" command returns
// them). The launcher learns that a guest's sshd is up this way rather than
// by connecting to it: a connection that reads the banner and leaves is
// logged by sshd ("kex_exchange_identification: Connection closed by remote
// host", "Connection closed by <gateway>") in the journal of every boot, a
// visit from the gateway a second after the boot that no real server has.
//
// The text comes from a guest kernel an attacker may control: every line
// is parsed strictly and anything malformed is skipped, never trusted.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace oyster {

// True when a line of `table` ("sl local_address rem_address st ...", the
// address in hex as the kernel prints it) has local port `port` in state
// LISTEN (0A).
bool tcp_port_listening(std::string_view table, std::uint16_t port);

// True when a TCP connection to ip:port is accepted within `timeout`; the
// connection is closed at once. Only for a kernel that cannot show its
// table over the mconsole (a series before patch 0035, which the benches
// build as a baseline), where the visit in the journal is the price.
bool tcp_port_accepts(const std::string& ip, std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace oyster
