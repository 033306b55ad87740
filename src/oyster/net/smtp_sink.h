// The mail sink: guests' SMTP connections (TCP 25, 465, 587 to anywhere) are
// redirected here by the containment table. It speaks SMTP (SmtpSession),
// keeps each message as a .eml file in the sending guest's evidence, and
// relays nothing. A thread per connection, at most kMaxSessions at once, each
// with an idle timeout, so a guest cannot tie the sink up.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "oyster/common/thread_set.h"
#include "oyster/net/ipv4.h"
#include "oyster/net/smtp_session.h"

namespace oyster {

struct SinkedMessage {
    Ipv4 guest_ip;
    std::string original_destination;  // "ip:port" the guest connected to
    std::filesystem::path file;        // where the message was stored
    SmtpMessage message;
};

class SmtpSink {
public:
    static constexpr unsigned kMaxSessions = 32;
    static constexpr int kIdleTimeoutS = 60;
    static constexpr std::size_t kMaxMessageBytes = 10 << 20;

    // Where a guest's messages go (empty: not a known guest, refuse).
    using Mailbox = std::function<std::optional<std::filesystem::path>(Ipv4 guest_ip)>;
    using OnMessage = std::function<void(const SinkedMessage&)>;

    // Listens on 0.0.0.0:port. Throws oyster::Error.
    SmtpSink(std::uint16_t port, std::string hostname, Mailbox mailbox, OnMessage on_message);
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

private:
    void accept_loop(const std::stop_token& stop);
    void serve(int fd, Ipv4 peer, const std::string& original_destination);

    std::string hostname_;
    Mailbox mailbox_;
    OnMessage on_message_;
    int listen_fd_ = -1;
    std::mutex mu_;
    std::set<int> client_fds_;
    ThreadSet sessions_;
    std::atomic<unsigned> active_{0};
    std::atomic<std::uint64_t> stored_{0};
    std::jthread acceptor_;
};

}  // namespace oyster
