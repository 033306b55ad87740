#include "oyster/sandbox/tcp_listeners.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <optional>

#include "oyster/common/decimal.h"
#include "oyster/common/fd_guard.h"
#include "oyster/common/text_lines.h"

namespace oyster {
namespace {

constexpr std::string_view kListenState = "0A";

// "0100007F:0016" (IPv4, 8 hex digits) or 32 hex digits for IPv6, then a
// port of 4 hex digits.
std::optional<std::uint16_t> local_port(std::string_view address) {
    auto colon = address.find(':');
    if (colon != 8 && colon != 32) return std::nullopt;
    auto host = address.substr(0, colon);
    if (!std::all_of(host.begin(), host.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
        return std::nullopt;
    }
    auto port = address.substr(colon + 1);
    if (port.size() != 4) return std::nullopt;
    return parse_decimal<std::uint16_t>(port, 16);
}

}  // namespace

bool tcp_port_listening(std::string_view table, std::uint16_t port) {
    for (auto line : split_lines(table)) {
        // "sl local_address rem_address st ...": the header's first word has no ':'.
        auto words = split_words(line);
        if (words.size() < 4 || words[0].size() < 2 || !words[0].ends_with(':')) continue;
        auto local = local_port(words[1]);
        if (local && *local == port && local_port(words[2]) && words[3] == kListenState) return true;
    }
    return false;
}

bool tcp_port_accepts(const std::string& ip, std::uint16_t port, std::chrono::milliseconds timeout) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    if (::inet_pton(AF_INET, ip.c_str(), &sin.sin_addr) != 1) return false;
    FdGuard fd(::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) return false;
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&sin), sizeof sin) == 0) return true;
    if (errno != EINPROGRESS) return false;
    pollfd p{fd.get(), POLLOUT, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) != 1) return false;
    int err = 0;
    socklen_t len = sizeof err;
    return ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
}

}  // namespace oyster
