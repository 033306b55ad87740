#include "oyster/sensor/portal.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

#include "oyster/common/error.h"
#include "oyster/net/guest_firewall.h"

namespace oyster::sensor {
namespace {

// epoll_event.data.u64: a tag in the top two bits, an index or id below.
enum Tag : std::uint64_t { kListener = 0, kWatched = 1, kClient = 2, kUpstream = 3 };
constexpr std::uint64_t kTagShift = 62;
constexpr std::uint64_t kIdMask = (std::uint64_t{1} << kTagShift) - 1;

std::uint64_t key(Tag tag, std::uint64_t id) {
    return (std::uint64_t{tag} << kTagShift) | (id & kIdMask);
}

// Per direction: what one side sent and the other has not taken yet.
constexpr std::size_t kBufferBytes = std::size_t{64} * 1024;

sockaddr_in to_sockaddr(Ipv4 ip, std::uint16_t port) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(port);
    sin.sin_addr.s_addr = htonl(ip.value);
    return sin;
}

void set_int_option(int fd, int level, int name, int value, const char* what) {
    if (::setsockopt(fd, level, name, &value, sizeof value) != 0) throw_errno(what);
}

// Closing with a zero linger sends RST: the client learns at once that it
// was refused, and no TIME_WAIT is left behind.
void reset_and_close(int fd) {
    linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
}

std::int64_t ms_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

std::string to_string(const PeerAddress& p) {
    return fmt::format("{}:{}", p.ip.str(), p.port);
}

Portal::Portal(const SensorConfig& cfg, PortalPolicy& policy) : cfg_(cfg), policy_(policy) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    if (epoll_ < 0) throw_errno("epoll_create1");
    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

Portal::~Portal() {
    close_all();
    stop_listening();
    if (reserve_fd_ >= 0) ::close(reserve_fd_);
    ::close(epoll_);
}

void Portal::listen() {
    auto addr = parse_ipv4(cfg_.listen_address);
    if (!addr) throw Error("sensor.listen_address is not an IPv4 address: " + cfg_.listen_address);
    for (const auto& m : cfg_.ports) {
        int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) throw_errno("socket");
        set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
        auto sin = to_sockaddr(*addr, m.public_port);
        if (::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof sin) != 0 || ::listen(fd, 1024) != 0) {
            int err = errno;
            ::close(fd);
            std::string hint = err == EADDRINUSE ? " (another service, such as the host's own sshd, has this port: "
                                                   "move it, or change sensor.ports)"
                                                 : "";
            throw_errno(fmt::format("portal: listen on {}:{} (sensor.ports){}", addr->str(), m.public_port, hint), err);
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = key(kListener, listeners_.size());
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl listener");
        listeners_.push_back({fd, m});
    }
}

void Portal::stop_listening() {
    for (auto& l : listeners_) {
        if (l.fd >= 0) ::close(l.fd);
        l.fd = -1;
    }
}

void Portal::watch(int fd, std::function<void()> on_readable) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = key(kWatched, watched_.size());
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) throw_errno("epoll_ctl watch");
    watched_.emplace_back(fd, std::move(on_readable));
}

void Portal::run_once(int timeout_ms) {
    epoll_event events[256];
    int n = ::epoll_wait(epoll_, events, 256, timeout_ms);
    if (n < 0) {
        if (errno == EINTR) return;
        throw_errno("epoll_wait");
    }
    for (int i = 0; i < n; ++i) {
        std::uint64_t k = events[i].data.u64;
        auto tag = static_cast<Tag>(k >> kTagShift);
        std::uint64_t id = k & kIdMask;
        switch (tag) {
            case kListener:
                if (id < listeners_.size() && listeners_[id].fd >= 0) accept_from(listeners_[id]);
                break;
            case kWatched:
                if (id < watched_.size()) watched_[id].second();
                break;
            case kClient:
            case kUpstream: {
                // An earlier event of this batch may have closed it.
                auto it = conns_.find(id);
                if (it == conns_.end()) break;
                if (tag == kClient) {
                    on_client(*it->second, events[i].events);
                } else {
                    on_upstream(*it->second, events[i].events);
                }
                break;
            }
        }
    }
    enforce_limits();
}

void Portal::enforce_limits() {
    auto now = std::chrono::steady_clock::now();
    if (now - last_limits_ < std::chrono::seconds(1)) return;
    last_limits_ = now;
    std::vector<std::pair<std::uint64_t, std::string>> over;
    for (auto& [id, c] : conns_) {
        if ((c->client_eof != c->guest_eof) && c->half_closed == std::chrono::steady_clock::time_point{}) {
            c->half_closed = now;
        }
        auto age = now - c->opened;
        // Like sshd's LoginGraceTime, from when the guest has the connection:
        // a wait for a boot is the sensor's, not the client's.
        bool reached = c->reached_at != std::chrono::steady_clock::time_point{};
        if (c->login_grace && reached && now - c->reached_at >= std::chrono::seconds(cfg_.login_grace_s)) {
            over.emplace_back(id, "no login within sensor.login_grace_s");
        } else if (age >= std::chrono::seconds(cfg_.max_connection_s)) {
            over.emplace_back(id, "open longer than sensor.max_connection_s");
        } else if (c->half_closed != std::chrono::steady_clock::time_point{} &&
                   now - c->half_closed >= std::chrono::seconds(cfg_.half_closed_timeout_s)) {
            over.emplace_back(id, "half closed longer than sensor.half_closed_timeout_s");
        }
    }
    for (const auto& [id, why] : over) {
        if (auto it = conns_.find(id); it != conns_.end()) finish(*it->second, why, false);
    }
}

void Portal::accept_from(const Listener& l) {
    for (int burst = 0; burst < 64; ++burst) {
        sockaddr_in sin{};
        socklen_t len = sizeof sin;
        int fd = ::accept4(l.fd, reinterpret_cast<sockaddr*>(&sin), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                // Out of descriptors: accept and reset the connection with the
                // reserve descriptor rather than leave it to spin the loop.
                if (reserve_fd_ >= 0) {
                    ::close(reserve_fd_);
                    int victim = ::accept4(l.fd, nullptr, nullptr, SOCK_CLOEXEC);
                    if (victim >= 0) reset_and_close(victim);
                    reserve_fd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
                }
                continue;
            }
            return;  // EAGAIN, or an error for a connection already gone
        }
        ++accepted_;
        PeerAddress peer{Ipv4{ntohl(sin.sin_addr.s_addr)}, ntohs(sin.sin_port)};
        Decision d = policy_.admit(peer, l.ports.public_port);
        if (d.kind == Decision::Kind::refuse) {
            reset_and_close(fd);
            continue;
        }
        auto c = std::make_unique<Connection>();
        c->id = next_id_++;
        c->client = fd;
        c->peer = peer;
        c->public_port = l.ports.public_port;
        c->guest_port = l.ports.guest_port;
        c->guest = d.guest;
        c->login_grace = d.login_grace;
        c->opened = std::chrono::steady_clock::now();
        // Latency matters more than segment count for interactive sessions;
        // a failure here changes nothing that matters.
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.u64 = key(kClient, c->id);
        if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
            ::close(fd);
            ConnectionSummary s;
            s.end = "epoll_ctl failed";
            policy_.closed(d.guest, peer, s);
            continue;
        }
        Connection& ref = *c;
        conns_.emplace(c->id, std::move(c));
        if (d.kind == Decision::Kind::connect) connect_upstream(ref, d.guest_ip);
    }
}

void Portal::connect_upstream(Connection& c, Ipv4 guest_ip) {
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        finish(c, fmt::format("guest unreachable: socket: {}", std::strerror(errno)), true);
        return;
    }
    try {
        set_int_option(fd, SOL_IP, IP_TRANSPARENT, 1, "IP_TRANSPARENT");
        set_int_option(fd, SOL_SOCKET, SO_MARK, static_cast<int>(kPortalSocketMark), "SO_MARK");
        set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR");
        set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
    } catch (const Error& e) {
        ::close(fd);
        finish(c, std::string("guest unreachable: ") + e.what(), true);
        return;
    }
    auto src = to_sockaddr(c.peer.ip, c.peer.port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
        // The attacker's port may still be held by an earlier connection
        // (TIME_WAIT); keep the address, let the kernel pick the port.
        src.sin_port = 0;
        if (::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) != 0) {
            int err = errno;
            ::close(fd);
            finish(c, fmt::format("guest unreachable: bind {}: {}", c.peer.ip.str(), std::strerror(err)), true);
            return;
        }
    }
    auto dst = to_sockaddr(guest_ip, c.guest_port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) != 0 && errno != EINPROGRESS) {
        int err = errno;
        ::close(fd);
        finish(c, fmt::format("guest unreachable: connect {}:{}: {}", guest_ip.str(), c.guest_port, std::strerror(err)),
               true);
        return;
    }
    c.upstream = fd;
    c.state = Connection::State::connecting;
    epoll_event ev{};
    ev.events = EPOLLOUT;
    ev.data.u64 = key(kUpstream, c.id);
    if (::epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev) != 0) {
        finish(c, "epoll_ctl upstream failed", true);
        return;
    }
    update_interest(c);
}

void Portal::on_client(Connection& c, std::uint32_t events) {
    if ((events & (EPOLLERR)) != 0 && c.state != Connection::State::spliced) {
        finish(c, "reset", true);
        return;
    }
    pump(c);
}

void Portal::on_upstream(Connection& c, std::uint32_t events) {
    if (c.state == Connection::State::connecting) {
        int err = 0;
        socklen_t len = sizeof err;
        ::getsockopt(c.upstream, SOL_SOCKET, SO_ERROR, &err, &len);
        if (err != 0) {
            finish(c, fmt::format("guest unreachable: port {}: {}", c.guest_port, std::strerror(err)), true);
            return;
        }
        if ((events & EPOLLOUT) == 0) return;
        c.state = Connection::State::spliced;
        c.summary.reached_guest = true;
        c.reached_at = std::chrono::steady_clock::now();
    }
    pump(c);
}

ssize_t Portal::Buffer::fill_from(int fd, bool& eof) {
    char buf[16384];
    ssize_t total = 0;
    while (!eof && pending() < kBufferBytes) {
        ssize_t n = ::recv(fd, buf, std::min(sizeof buf, kBufferBytes - pending()), 0);
        if (n > 0) {
            data.append(buf, static_cast<std::size_t>(n));
            total += n;
        } else if (n == 0) {
            eof = true;
        } else if (errno == EAGAIN || errno == EINTR) {
            break;
        } else {
            return -1;
        }
    }
    return total;
}

ssize_t Portal::Buffer::drain_to(int fd) {
    ssize_t total = 0;
    while (pending() > 0) {
        ssize_t n = ::send(fd, data.data() + off, pending(), MSG_NOSIGNAL);
        if (n > 0) {
            off += static_cast<std::size_t>(n);
            total += n;
        } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
        } else {
            return -1;
        }
    }
    if (pending() == 0) {
        data.clear();
        off = 0;
    }
    return total;
}

void Portal::pump(Connection& c) {
    auto fail = [&](const char* where) { finish(c, fmt::format("{}: {}", where, std::strerror(errno)), true); };
    // Client -> buffer, also while waiting for the guest.
    ssize_t from_client = c.to_guest.fill_from(c.client, c.client_eof);
    if (from_client < 0) return fail("client");
    c.summary.bytes_from_client += static_cast<std::uint64_t>(from_client);
    bool moved = from_client > 0;
    if (c.state == Connection::State::spliced) {
        ssize_t from_guest = c.to_client.fill_from(c.upstream, c.guest_eof);
        if (from_guest < 0) return fail("guest");
        moved = moved || from_guest > 0;
        if (c.to_guest.drain_to(c.upstream) < 0) return fail("guest");
        ssize_t to_client = c.to_client.drain_to(c.client);
        if (to_client < 0) return fail("client");
        c.summary.bytes_to_client += static_cast<std::uint64_t>(to_client);
        // A side that finished sending: pass the end on once its bytes are out.
        if (c.client_eof && c.to_guest.pending() == 0 && !c.upstream_shut) {
            ::shutdown(c.upstream, SHUT_WR);
            c.upstream_shut = true;
        }
        if (c.guest_eof && c.to_client.pending() == 0 && !c.client_shut) {
            ::shutdown(c.client, SHUT_WR);
            c.client_shut = true;
        }
        if (c.upstream_shut && c.client_shut) {
            finish(c, "closed", false);
            return;
        }
    } else if (c.client_eof) {
        // Gave up while the guest was still booting or connecting.
        finish(c, "client left before the guest was reached", false);
        return;
    }
    if (moved) policy_.activity(c.guest);
    update_interest(c);
}

void Portal::update_interest(Connection& c) {
    epoll_event ev{};
    ev.data.u64 = key(kClient, c.id);
    ev.events = 0;
    if (!c.client_eof && c.to_guest.pending() < kBufferBytes) ev.events |= EPOLLIN;
    if (c.to_client.pending() > 0) ev.events |= EPOLLOUT;
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.client, &ev);
    if (c.upstream < 0) return;
    ev.data.u64 = key(kUpstream, c.id);
    ev.events = 0;
    if (c.state == Connection::State::connecting) {
        ev.events = EPOLLOUT;
    } else {
        if (!c.guest_eof && c.to_client.pending() < kBufferBytes) ev.events |= EPOLLIN;
        if (c.to_guest.pending() > 0) ev.events |= EPOLLOUT;
    }
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.upstream, &ev);
}

void Portal::finish(Connection& c, const std::string& end, bool reset) {
    // Closing a descriptor removes it from the epoll set.
    if (reset) {
        reset_and_close(c.client);
        if (c.upstream >= 0) reset_and_close(c.upstream);
    } else {
        ::close(c.client);
        if (c.upstream >= 0) ::close(c.upstream);
    }
    c.summary.end = end;
    c.summary.duration_ms = ms_since(c.opened);
    auto guest = c.guest;
    auto peer = c.peer;
    auto summary = c.summary;
    conns_.erase(c.id);
    policy_.closed(guest, peer, summary);
}

void Portal::guest_ready(std::uint64_t guest, Ipv4 guest_ip) {
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : conns_) {
        if (c->guest == guest && c->state == Connection::State::waiting) ids.push_back(id);
    }
    for (auto id : ids) {
        auto it = conns_.find(id);
        if (it != conns_.end()) connect_upstream(*it->second, guest_ip);
    }
}

void Portal::guest_gone(std::uint64_t guest) {
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : conns_) {
        if (c->guest == guest) ids.push_back(id);
    }
    for (auto id : ids) {
        auto it = conns_.find(id);
        if (it != conns_.end()) finish(*it->second, "guest gone", true);
    }
}

void Portal::close_connections_of(std::uint64_t guest, Ipv4 source) {
    std::vector<std::uint64_t> ids;
    for (auto& [id, c] : conns_) {
        if (c->guest == guest && c->peer.ip.value == source.value) ids.push_back(id);
    }
    for (auto id : ids) {
        if (auto it = conns_.find(id); it != conns_.end())
            finish(*it->second, "guest reclaimed for another source", true);
    }
}

void Portal::lift_login_grace(std::uint64_t guest) {
    for (auto& [id, c] : conns_) {
        if (c->guest == guest) c->login_grace = false;
    }
}

void Portal::close_all() {
    while (!conns_.empty()) finish(*conns_.begin()->second, "sensor shutting down", true);
}

}  // namespace oyster::sensor
