#include "oyster/selftest/ssh_kexinit.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/ipv4.h"

namespace oyster {

const std::array<const char*, 10> kKexInitListNames = {"kex_algorithms",  "server_host_key_algorithms",
                                                       "ciphers_c2s",     "ciphers_s2c",
                                                       "macs_c2s",        "macs_s2c",
                                                       "compression_c2s", "compression_s2c",
                                                       "languages_c2s",   "languages_s2c"};

namespace {

constexpr std::uint8_t kMsgKexInit = 20;
// RFC 4253 6.1: implementations must handle 35000-byte packets.
constexpr std::uint32_t kMaxPacket = 35000;
// RFC 4253 4.2: the identification line is at most 255 bytes with CR LF;
// lines before it are allowed. Stop somewhere.
constexpr std::size_t kMaxPreamble = 8192;

std::uint32_t be32(const std::uint8_t* p) {
    return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3];
}

std::vector<std::string> split_names(std::string_view list) {
    std::vector<std::string> out;
    if (list.empty()) return out;
    std::size_t pos = 0;
    while (true) {
        auto comma = list.find(',', pos);
        out.emplace_back(list.substr(pos, comma == std::string_view::npos ? std::string_view::npos : comma - pos));
        if (comma == std::string_view::npos) break;
        pos = comma + 1;
    }
    return out;
}

}  // namespace

std::optional<SshKexInit> parse_kexinit_payload(std::span<const std::uint8_t> payload) {
    // message byte, 16-byte cookie
    if (payload.size() < 17 || payload[0] != kMsgKexInit) return std::nullopt;
    std::size_t pos = 17;
    SshKexInit k;
    for (auto& list : k.lists) {
        if (payload.size() - pos < 4) return std::nullopt;
        std::uint32_t len = be32(payload.data() + pos);
        pos += 4;
        if (len > payload.size() - pos) return std::nullopt;
        std::string_view text(reinterpret_cast<const char*>(payload.data() + pos), len);
        for (char c : text) {
            if (static_cast<unsigned char>(c) < 0x21 || static_cast<unsigned char>(c) > 0x7e) return std::nullopt;
        }
        list = split_names(text);
        pos += len;
    }
    // first_kex_packet_follows, then a reserved uint32
    if (payload.size() - pos < 5) return std::nullopt;
    k.first_kex_packet_follows = payload[pos] != 0;
    return k;
}

std::optional<std::vector<std::uint8_t>> parse_first_packet(std::span<const std::uint8_t> data, bool& need_more) {
    need_more = false;
    if (data.size() < 5) {
        need_more = true;
        return std::nullopt;
    }
    std::uint32_t length = be32(data.data());
    std::uint8_t padding = data[4];
    // The length covers the padding-length byte, payload and padding; at least
    // 4 bytes of padding, and a multiple of 8 in all (RFC 4253 6).
    if (length > kMaxPacket || length < 5 || padding < 4 || padding >= length || (length + 4) % 8 != 0) {
        return std::nullopt;
    }
    if (data.size() - 4 < length) {
        need_more = true;
        return std::nullopt;
    }
    auto payload = data.subspan(5, length - 1 - padding);
    return std::vector<std::uint8_t>(payload.begin(), payload.end());
}

SshServerHello fetch_ssh_hello(const std::string& ip, std::uint16_t port, int timeout_ms) {
    auto addr = parse_ipv4(ip);
    if (!addr) throw Error("not an IPv4 address: " + ip);
    auto where = fmt::format("{}:{}", ip, port);
    FdGuard fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) throw_errno("socket");
    timeval tv{timeout_ms / 1000, static_cast<suseconds_t>(timeout_ms % 1000) * 1000};
    ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(addr->value);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0) throw_errno("connect to " + where);
    // A client as common as the servers it talks to.
    const std::string hello = "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n";
    if (::send(fd.get(), hello.data(), hello.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(hello.size())) {
        throw_errno("send to " + where);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    std::vector<std::uint8_t> buf;
    SshServerHello out;
    std::size_t consumed = 0;
    bool have_banner = false;
    while (true) {
        if (std::chrono::steady_clock::now() > deadline) throw Error(where + ": no SSH greeting in time");
        std::uint8_t chunk[4096];
        ssize_t n = ::recv(fd.get(), chunk, sizeof chunk, 0);
        if (n == 0) throw Error(where + ": closed before its key exchange offer");
        if (n < 0) throw_errno("read from " + where);
        buf.insert(buf.end(), chunk, chunk + n);
        while (!have_banner) {
            auto begin = buf.begin() + static_cast<std::ptrdiff_t>(consumed);
            auto nl = std::find(begin, buf.end(), std::uint8_t{'\n'});
            if (nl == buf.end()) {
                if (buf.size() > kMaxPreamble) throw Error(where + ": no SSH identification line");
                break;
            }
            std::string line(begin, nl);
            consumed = static_cast<std::size_t>(nl - buf.begin()) + 1;
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.starts_with("SSH-")) {
                if (line.size() > 253) throw Error(where + ": identification line too long");
                out.banner = line;
                have_banner = true;
            }
        }
        if (!have_banner) continue;
        bool need_more = false;
        auto payload = parse_first_packet(std::span(buf).subspan(consumed), need_more);
        if (need_more) continue;
        if (!payload) throw Error(where + ": malformed first packet");
        auto kex = parse_kexinit_payload(*payload);
        if (!kex) throw Error(where + ": first packet is not a well-formed KEXINIT");
        out.kexinit = std::move(*kex);
        return out;
    }
}

}  // namespace oyster
