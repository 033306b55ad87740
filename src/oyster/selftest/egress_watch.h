// Watching what leaves the host: the interface a packet to an address
// leaves by, and a libpcap count of the packets matching a filter there
// (the capture the sensor's pcap files are made with). The containment
// selftest judges forged sources and floods by it.
#pragma once

#include <pcap/pcap.h>

#include <cstdint>
#include <memory>
#include <string>

namespace oyster {

// The interface a packet to `ip` leaves the host by (`ip route get`);
// empty when there is no route.
std::string egress_device(const std::string& ip);

// Counts the packets matching `filter` (BPF) on `device` from construction
// until count() is called. Throws oyster::Error when the capture cannot be
// opened or the filter compiled.
class EgressWatch {
public:
    EgressWatch(const std::string& device, const std::string& filter);
    ~EgressWatch();
    EgressWatch(const EgressWatch&) = delete;
    EgressWatch& operator=(const EgressWatch&) = delete;

    std::uint64_t count();

private:
    [[noreturn]] void fail(const std::string& device);
    pcap_t* handle_ = nullptr;
    std::uint64_t seen_ = 0;
};

// What leaves the host towards `ip` matching `filter`: an EgressWatch on
// the interface a packet to `ip` leaves by. With no route there nothing can
// leave: it watches nothing and counts 0. The forged-source, mail and
// spoofed-flood probes judge by it.
class LeakWatch {
public:
    LeakWatch(const std::string& ip, const std::string& filter);
    std::uint64_t count() { return watch_ ? watch_->count() : 0; }
    // The interface watched, or "(no route out)".
    const std::string& where() const { return where_; }

private:
    std::string where_;
    std::unique_ptr<EgressWatch> watch_;
};

}  // namespace oyster
