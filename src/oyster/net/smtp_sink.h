// The mail sink: guests' SMTP connections (TCP 25, 465, 587 to anywhere) are
// redirected here by the containment table. It speaks SMTP (SmtpSession),
// keeps each message as a .eml file in the sending guest's evidence, and
// relays nothing. A thread per connection, at most kMaxSessions at once and
// kMaxSessionsPerGuest of one guest (so one guest cannot take the sink from
// the others), each with an idle timeout and at most kMaxSessionBytes read,
// so a guest cannot tie the sink up or grow its memory without bound. A
// guest's mailbox holds at most `max_mailbox_bytes` (what a restarted sink
// finds there counts): messages past it are answered as any other, counted
// and not stored (SinkedMessage::over_quota), so mail cannot fill the disk.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>

#include "oyster/common/ipv4.h"
#include "oyster/common/thread_set.h"
#include "oyster/net/smtp_session.h"

namespace oyster {

// The name the sink greets with on a host named `host_name`: a mail host of
// its domain, as a small server's Postfix would say.
std::string sink_hostname(const std::string& host_name);

struct SinkedMessage {
    Ipv4 guest_ip;
    std::string original_destination;  // "ip:port" the guest connected to
    std::filesystem::path file;        // where the message was stored; empty if it was not
    bool over_quota = false;           // not stored: the guest's mailbox is full
    SmtpMessage message;
};

class SmtpSink {
public:
    static constexpr unsigned kMaxSessions = 32;
    static constexpr unsigned kMaxSessionsPerGuest = 4;
    static constexpr std::uint64_t kMaxSessionBytes = std::uint64_t{64} << 20;
    static constexpr int kIdleTimeoutS = 60;
    static constexpr std::size_t kMaxMessageBytes = 10 << 20;

    // Where a guest's messages go (empty: not a known guest, refuse).
    using Mailbox = std::function<std::optional<std::filesystem::path>(Ipv4 guest_ip)>;
    using OnMessage = std::function<void(const SinkedMessage&)>;

    // Throws oyster::Error.
    // Listens on address:port (0: any free port, see port()); the sensor's
    // is every address, as the redirected mail arrives on the guests' taps.
    SmtpSink(std::uint16_t port, std::string hostname, Mailbox mailbox, OnMessage on_message, Ipv4 address = Ipv4{0},
             std::uint64_t max_mailbox_bytes = UINT64_MAX);
    ~SmtpSink();
    SmtpSink(const SmtpSink&) = delete;
    SmtpSink& operator=(const SmtpSink&) = delete;

    std::uint16_t port() const { return port_; }

private:
    void accept_loop(const std::stop_token& stop);
    void serve(int fd, Ipv4 peer, const std::string& original_destination);
    // Counts `bytes` into the mailbox if they fit its quota.
    bool reserve(const std::filesystem::path& mailbox, std::uint64_t bytes);

    std::string hostname_;
    Mailbox mailbox_;
    OnMessage on_message_;
    int listen_fd_ = -1;
    std::mutex mu_;
    std::set<int> client_fds_;
    std::map<std::uint32_t, unsigned> sessions_of_guest_;  // by guest address, under mu_
    std::uint64_t max_mailbox_bytes_;
    std::map<std::filesystem::path, std::uint64_t> mailbox_bytes_;  // under mu_
    std::uint16_t port_ = 0;
    ThreadSet sessions_;
    std::atomic<unsigned> active_{0};
    std::atomic<std::uint64_t> stored_{0};
    std::jthread acceptor_;
};

}  // namespace oyster
