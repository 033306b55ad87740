// Client for UML's management console: a unix datagram socket the kernel
// opens at <uml_dir>/<umid>/mconsole on the host. The guest cannot see or
// reach it. Oyster uses it to ask a guest for a clean shutdown ("cad", which
// the image maps to poweroff) and, failing that, to halt it.
//
// Protocol (arch/um/include/shared/mconsole.h, host byte order):
//   request  { u32 magic 0xcafebabe; u32 version 2; u32 len; char data[512]; }
//   reply    { u32 err; u32 more; u32 len; char data[512]; }  (repeated while more)
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>

namespace oyster {

struct MconsoleReply {
    bool ok = false;   // err == 0
    std::string text;  // concatenated data of all reply packets
};

// Parses one reply packet; returns false if it is malformed (short, len past
// the packet). `more` tells whether further packets follow.
bool parse_mconsole_reply(std::span<const std::uint8_t> packet, bool& ok, bool& more, std::string& text);

// The most a reply may hold in all (a "proc" command's file, say): more is
// a guest kernel flooding its launcher.
inline constexpr std::size_t kMaxMconsoleReplyBytes = 1 << 20;

// Sends `command` (at most 511 bytes) and collects the reply. Throws
// oyster::Error on socket errors, when no reply comes within `timeout`, or
// when it grows past kMaxMconsoleReplyBytes.
MconsoleReply mconsole_command(const std::filesystem::path& socket_path, const std::string& command,
                               std::chrono::milliseconds timeout = std::chrono::seconds(5));

}  // namespace oyster
