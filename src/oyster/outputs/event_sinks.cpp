#include "oyster/outputs/event_sinks.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "oyster/common/error.h"

namespace oyster::outputs {

JsonlFileSink::JsonlFileSink(std::filesystem::path file) : file_(std::move(file)) {}

void JsonlFileSink::reset() {
    fd_.reset();
}

void JsonlFileSink::deliver(const std::vector<std::string>& lines) {
    if (fd_.get() < 0) {
        fd_.reset(::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640));
        if (fd_.get() < 0) throw_errno("open " + file_.string());
    }
    std::string buf;
    for (const auto& l : lines) {
        buf += l;
        buf += '\n';
    }
    // A failure part-way leaves a torn batch; the retry writes it whole
    // again (at least once, as every output).
    std::size_t done = 0;
    while (done < buf.size()) {
        ssize_t n = ::write(fd_.get(), buf.data() + done, buf.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) throw_errno("write " + file_.string());
        done += static_cast<std::size_t>(n);
    }
    if (::fdatasync(fd_.get()) != 0) throw_errno("fdatasync " + file_.string());
}

SyslogSink::SyslogSink(SyslogTarget target, SyslogFormat format, std::chrono::milliseconds timeout)
    : target_(std::move(target)), format_(std::move(format)), timeout_(timeout) {}

void SyslogSink::reset() {
    fd_.reset();
}

void SyslogSink::connect_socket() {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = target_.tcp ? SOCK_STREAM : SOCK_DGRAM;
    addrinfo* found = nullptr;
    std::string port = std::to_string(target_.port);
    if (int rc = ::getaddrinfo(target_.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
        throw Error(fmt::format("syslog {}: cannot resolve {}: {}", target_.url, target_.host, ::gai_strerror(rc)));
    }
    std::string last_error = "no address";
    for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
        FdGuard fd(::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol));
        if (fd.get() < 0) {
            last_error = std::strerror(errno);
            continue;
        }
        int rc = ::connect(fd.get(), a->ai_addr, a->ai_addrlen);
        if (rc != 0 && errno == EINPROGRESS) {
            pollfd p{fd.get(), POLLOUT, 0};
            rc = ::poll(&p, 1, static_cast<int>(timeout_.count()));
            int err = ETIMEDOUT;
            socklen_t len = sizeof err;
            if (rc == 1) ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
            rc = err == 0 ? 0 : -1;
            errno = err;
        }
        if (rc != 0) {
            last_error = std::strerror(errno);
            continue;
        }
        fd_.reset(fd.release());
        ::freeaddrinfo(found);
        return;
    }
    ::freeaddrinfo(found);
    throw Error(fmt::format("syslog {}: cannot connect: {}", target_.url, last_error));
}

void SyslogSink::send_all(const std::string& bytes) {
    std::size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd_.get(), bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            pollfd p{fd_.get(), POLLOUT, 0};
            int rc = ::poll(&p, 1, static_cast<int>(timeout_.count()));
            if (rc == 0) throw Error(fmt::format("syslog {}: the collector takes no more (timed out)", target_.url));
            if (rc < 0 && errno != EINTR) throw_errno("poll");
            continue;
        }
        if (n < 0) throw Error(fmt::format("syslog {}: send: {}", target_.url, std::strerror(errno)));
        if (!target_.tcp) return;  // a datagram goes whole or not at all
        done += static_cast<std::size_t>(n);
    }
}

void SyslogSink::deliver(const std::vector<std::string>& lines) {
    if (fd_.get() < 0) connect_socket();
    if (target_.tcp) {
        // Framed messages go out together: one send per batch, not per event.
        std::string buf;
        for (const auto& l : lines) {
            std::string m = syslog_message(l, format_);
            buf += fmt::format("{} ", m.size());
            buf += m;
        }
        send_all(buf);
    } else {
        for (const auto& l : lines) send_all(syslog_message(l, format_));
    }
}

}  // namespace oyster::outputs
