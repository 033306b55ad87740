// What an SSH server shows before any authentication: its identification
// line and its first key-exchange offer (SSH_MSG_KEXINIT, RFC 4253 7.1).
// Scanners fingerprint servers by these; `oyster selftest stealth` holds a
// guest's against a stock Debian sshd's. The server's bytes are hostile
// input: every length is checked against what is left and capped.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace oyster {

struct SshKexInit {
    // kex, server host key, ciphers c2s/s2c, MACs c2s/s2c, compression
    // c2s/s2c, languages c2s/s2c: the ten name-lists, in wire order.
    std::array<std::vector<std::string>, 10> lists;
    bool first_kex_packet_follows = false;
};

// The names of SshKexInit::lists, for reports.
extern const std::array<const char*, 10> kKexInitListNames;

// Parses an SSH_MSG_KEXINIT payload (the message byte first). nullopt when
// malformed.
std::optional<SshKexInit> parse_kexinit_payload(std::span<const std::uint8_t> payload);

// Parses the first binary packet of a stream (uint32 length, padding
// length, payload, padding; no MAC before keys exist) and returns the
// payload, or nullopt when malformed or when `data` is still short of it
// (`need_more` tells which).
std::optional<std::vector<std::uint8_t>> parse_first_packet(std::span<const std::uint8_t> data, bool& need_more);

struct SshServerHello {
    std::string banner;  // "SSH-2.0-..." without CR LF
    SshKexInit kexinit;
};

// Connects to ip:port, sends a client identification and reads the
// server's identification and KEXINIT. Throws oyster::Error on failure or
// after `timeout_ms`.
SshServerHello fetch_ssh_hello(const std::string& ip, std::uint16_t port, int timeout_ms);

}  // namespace oyster
