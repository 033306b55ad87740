#include "oyster/sandbox/mconsole.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/fd_guard.h"

namespace oyster {
namespace {

constexpr std::uint32_t kMagic = 0xcafebabe;
constexpr std::uint32_t kVersion = 2;
constexpr std::size_t kMaxData = 512;

std::uint32_t load_u32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

bool parse_mconsole_reply(std::span<const std::uint8_t> packet, bool& ok, bool& more, std::string& text) {
    if (packet.size() < 12) return false;
    std::uint32_t err = load_u32(packet.data());
    std::uint32_t more_flag = load_u32(packet.data() + 4);
    std::uint32_t len = load_u32(packet.data() + 8);
    if (len > kMaxData || len > packet.size() - 12) return false;
    ok = err == 0;
    more = more_flag != 0;
    std::string_view data(reinterpret_cast<const char*>(packet.data() + 12), len);
    // The kernel counts the terminating NUL in len.
    if (auto nul = data.find('\0'); nul != std::string_view::npos) data = data.substr(0, nul);
    text.append(data);
    return true;
}

MconsoleReply mconsole_command(const std::filesystem::path& socket_path, const std::string& command,
                               std::chrono::milliseconds timeout) {
    if (command.size() >= kMaxData) throw Error("mconsole command too long: " + command);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path.native().size() >= sizeof addr.sun_path) {
        throw Error("mconsole socket path too long: " + socket_path.string());
    }
    std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.native().size());

    int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw_errno("mconsole socket");
    FdGuard guard(fd);
    // Bound to a path beside the console's socket, where the jailed UML
    // process sees it too: UML may not send to an abstract address outside
    // its Landlock domain (jail/landlock_scope.h). The socket is handed to
    // the directory's owner (the guest's uid) so it may reply; by lchown,
    // never chmod: the directory is that uid's, and an escaped UML could
    // swap the name for a symlink to a host file between bind and the call.
    static std::atomic<unsigned> sequence{0};
    auto reply_path = socket_path.parent_path() / fmt::format(".reply-{}-{}", ::getpid(), sequence.fetch_add(1));
    sockaddr_un self{};
    self.sun_family = AF_UNIX;
    if (reply_path.native().size() >= sizeof self.sun_path) {
        throw Error("mconsole reply socket path too long: " + reply_path.string());
    }
    std::memcpy(self.sun_path, reply_path.c_str(), reply_path.native().size());
    ::unlink(reply_path.c_str());  // one left by a killed client of the same pid
    if (::bind(fd, reinterpret_cast<sockaddr*>(&self), sizeof self) != 0) {
        throw_errno("mconsole bind " + reply_path.string());
    }
    struct RemoveReplySocket {
        std::filesystem::path path;
        ~RemoveReplySocket() { ::unlink(path.c_str()); }
    } remove_reply{reply_path};
    struct stat dir {};
    if (::stat(socket_path.parent_path().c_str(), &dir) != 0) throw_errno("stat " + socket_path.parent_path().string());
    if (::lchown(reply_path.c_str(), dir.st_uid, dir.st_gid) != 0) throw_errno("lchown " + reply_path.string());

    std::array<std::uint8_t, 12 + kMaxData> req{};
    std::uint32_t hdr[3] = {kMagic, kVersion, static_cast<std::uint32_t>(command.size())};
    std::memcpy(req.data(), hdr, sizeof hdr);
    std::memcpy(req.data() + 12, command.data(), command.size());
    if (::sendto(fd, req.data(), 12 + command.size(), 0, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) {
        throw_errno("mconsole send to " + socket_path.string());
    }

    MconsoleReply reply;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0)
            throw Error(fmt::format("mconsole: no reply to '{}' from {}", command, socket_path.string()));
        pollfd p{fd, POLLIN, 0};
        int r = ::poll(&p, 1, static_cast<int>(left.count()));
        if (r < 0) {
            if (errno == EINTR) continue;
            throw_errno("mconsole poll");
        }
        if (r == 0) continue;
        std::array<std::uint8_t, 12 + kMaxData> buf{};
        ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
        if (n < 0) throw_errno("mconsole recv");
        bool more = false;
        if (!parse_mconsole_reply(std::span(buf.data(), static_cast<std::size_t>(n)), reply.ok, more, reply.text)) {
            throw Error("mconsole: malformed reply from " + socket_path.string());
        }
        if (reply.text.size() > kMaxMconsoleReplyBytes) {
            throw Error(fmt::format("mconsole: reply to '{}' from {} past {} bytes", command, socket_path.string(),
                                    kMaxMconsoleReplyBytes));
        }
        if (!more) return reply;
    }
}

}  // namespace oyster
