#include "oyster/net/smtp_sink.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/common/paths.h"

namespace oyster {
namespace {

constexpr std::size_t kMaxLine = 4096;

void send_all(int fd, const std::string& s) {
    std::size_t off = 0;
    while (off < s.size()) {
        ssize_t n = ::send(fd, s.data() + off, s.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return;
        off += static_cast<std::size_t>(n);
    }
}

std::string original_destination(int fd) {
    sockaddr_in dst{};
    socklen_t len = sizeof dst;
    if (::getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &dst, &len) != 0) return {};
    return fmt::format("{}:{}", Ipv4{ntohl(dst.sin_addr.s_addr)}.str(), ntohs(dst.sin_port));
}

}  // namespace

SmtpSink::SmtpSink(std::uint16_t port, std::string hostname, Mailbox mailbox, OnMessage on_message, Ipv4 address,
                   std::uint64_t max_mailbox_bytes)
    : hostname_(std::move(hostname)),
      mailbox_(std::move(mailbox)),
      on_message_(std::move(on_message)),
      max_mailbox_bytes_(max_mailbox_bytes) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (listen_fd_ < 0) throw_errno("socket");
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(address.value);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 || ::listen(listen_fd_, 64) != 0) {
        int err = errno;
        ::close(listen_fd_);
        throw_errno(fmt::format("mail sink: listen on port {} (data_control.smtp_sink_port)", port), err);
    }
    socklen_t len = sizeof sin;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&sin), &len);
    port_ = ntohs(sin.sin_port);
    acceptor_ = std::jthread([this](const std::stop_token& stop) { accept_loop(stop); });
}

SmtpSink::~SmtpSink() {
    acceptor_.request_stop();
    if (acceptor_.joinable()) acceptor_.join();
    {
        std::lock_guard lock(mu_);
        for (int fd : client_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    sessions_.join_all();
    ::close(listen_fd_);
}

void SmtpSink::accept_loop(const std::stop_token& stop) {
    while (!stop.stop_requested()) {
        pollfd p{listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 200) <= 0) continue;
        sockaddr_in peer{};
        socklen_t len = sizeof peer;
        int fd = ::accept4(listen_fd_, reinterpret_cast<sockaddr*>(&peer), &len, SOCK_CLOEXEC);
        if (fd < 0) continue;
        Ipv4 ip{ntohl(peer.sin_addr.s_addr)};
        bool full = active_ >= kMaxSessions;
        {
            std::lock_guard lock(mu_);
            if (!full && sessions_of_guest_[ip.value] >= kMaxSessionsPerGuest) full = true;
            if (!full) ++sessions_of_guest_[ip.value];
            if (sessions_of_guest_[ip.value] == 0) sessions_of_guest_.erase(ip.value);
        }
        if (full) {
            send_all(fd, "421 4.3.2 Service not available, closing transmission channel\r\n");
            ::close(fd);
            continue;
        }
        timeval tv{kIdleTimeoutS, 0};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        std::string dst = original_destination(fd);
        {
            std::lock_guard lock(mu_);
            client_fds_.insert(fd);
        }
        ++active_;
        sessions_.spawn([this, fd, ip, dst] {
            serve(fd, ip, dst);
            {
                std::lock_guard lock(mu_);
                client_fds_.erase(fd);
                ::close(fd);
                if (--sessions_of_guest_[ip.value] == 0) sessions_of_guest_.erase(ip.value);
            }
            --active_;
        });
    }
}

bool SmtpSink::reserve(const std::filesystem::path& mailbox, std::uint64_t bytes) {
    std::lock_guard lock(mu_);
    auto [it, first] = mailbox_bytes_.try_emplace(mailbox, 0);
    if (first) {
        // What an earlier run of the sink stored counts too.
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(mailbox, ec)) {
            std::error_code size_ec;
            auto size = e.is_regular_file(size_ec) ? e.file_size(size_ec) : 0;
            if (!size_ec) it->second += size;
        }
    }
    if (it->second + bytes > max_mailbox_bytes_) return false;
    it->second += bytes;
    return true;
}

void SmtpSink::serve(int fd, Ipv4 peer, const std::string& dst) {
    auto mailbox = mailbox_(peer);
    if (!mailbox) {
        send_all(fd, "554 5.7.1 Access denied\r\n");
        return;
    }
    SmtpSession session(hostname_, kMaxMessageBytes);
    send_all(fd, session.greeting());
    std::string pending;
    char buf[8192];
    std::uint64_t received = 0;
    while (!session.finished()) {
        ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        received += static_cast<std::uint64_t>(n);
        if (received > kMaxSessionBytes) {
            send_all(fd, "421 4.7.0 Error: too much data in this session, closing connection\r\n");
            break;
        }
        pending.append(buf, static_cast<std::size_t>(n));
        std::string replies;
        std::size_t start = 0;
        for (;;) {
            auto nl = pending.find('\n', start);
            // An overlong line is taken as it is, in pieces, rather than
            // buffered without bound.
            if (nl == std::string::npos && pending.size() - start < kMaxLine) break;
            std::size_t end = nl == std::string::npos ? start + kMaxLine : nl;
            std::string_view line(pending.data() + start, end - start);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            replies += session.on_line(line);
            start = nl == std::string::npos ? end : nl + 1;
            if (session.finished()) break;
        }
        pending.erase(0, start);
        send_all(fd, replies);
        for (auto& m : session.take_messages()) {
            auto name = fmt::format("{}-{}.eml",
                                    std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count(),
                                    ++stored_);
            SinkedMessage sm{peer, dst, *mailbox / name, false, std::move(m)};
            if (!reserve(*mailbox, sm.message.data.size())) {
                sm.over_quota = true;
                sm.file.clear();
            } else {
                try {
                    std::filesystem::create_directories(*mailbox);
                    write_file_atomic(sm.file, sm.message.data, 0600);
                } catch (const std::exception&) {
                    sm.file.clear();
                }
            }
            on_message_(sm);
        }
    }
}

std::string sink_hostname(const std::string& host_name) {
    return "mail." + host_name + ".localdomain";
}

}  // namespace oyster
