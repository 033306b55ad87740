// Reads the packets the containment table drops and logs (NFLOG group
// kDropLogGroup, through libpcap's "nflog" device) and hands each one to a
// callback, in a thread of its own. The kernel side is rate-limited per drop
// reason (kDropLogPerSecond), so a flood of drops cannot flood the sensor.
#pragma once

#include <atomic>
#include <functional>
#include <thread>

#include "oyster/net/nflog_packet.h"

// libpcap's handle types, without its header in ours.
struct pcap;
struct pcap_dumper;

namespace oyster {

class DropMonitor {
public:
    using Callback = std::function<void(const LoggedPacket&)>;
    // Starts reading in the caller's network namespace. Throws oyster::Error.
    explicit DropMonitor(Callback on_drop);
    ~DropMonitor();
    DropMonitor(const DropMonitor&) = delete;
    DropMonitor& operator=(const DropMonitor&) = delete;

private:
    Callback on_drop_;
    ::pcap* handle_ = nullptr;
    std::jthread thread_;
};

}  // namespace oyster
